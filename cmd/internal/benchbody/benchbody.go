// Package benchbody holds the response bodies of the benchmark endpoints
// (GET /plaintext, GET /json), shared by every contender of microbench
// compare: cmd/hello's handlers and the nested fasthttp and nbio servers.
// One encoding for all, so that the /json rows compare servers, not JSON
// encoders.
package benchbody

import "unicode/utf8"

// Hello is the /plaintext body and the /json message.
const Hello = "Hello, World!"

// AppendMessageJSON appends {"message":msg} to dst, byte for byte as
// encoding/json.Marshal writes a struct with one field tagged
// `json:"message"` (HTML-safe escaping, invalid UTF-8 as \ufffd), without
// reflection and without allocating when dst has room. The TechEmpower
// rules ask for the object to be serialised per request; every contender
// calls this per request.
func AppendMessageJSON(dst []byte, msg string) []byte {
	dst = append(dst, `{"message":`...)
	dst = appendJSONString(dst, msg)
	return append(dst, '}')
}

// appendJSONString appends s as a JSON string with encoding/json's
// escaping (HTML-safe).
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}
