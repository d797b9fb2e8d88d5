package parse

import (
	"encoding/binary"

	"github.com/microframe/microframe/internal/ascii"
)

// Character classes of RFC 9110 and RFC 3986, as one lookup table: a byte's
// entry holds one bit per class it belongs to. A table lookup is one load
// and one test, which is what the per-byte loops of the parser can afford.
const (
	cToken  uint8 = 1 << iota // tchar: may appear in a method, header name, coding
	cValue                    // field-vchar, SP, HTAB and obs-text: may appear in a header value
	cTarget                   // visible ASCII (0x21-0x7e): may appear in a request-target
	cHost                     // unreserved and sub-delims: may appear in a reg-name
	cHex                      // HEXDIG
)

var class = buildClass()

func buildClass() (t [256]uint8) {
	set := func(chars string, bit uint8) {
		for i := 0; i < len(chars); i++ {
			t[chars[i]] |= bit
		}
	}
	const (
		alpha = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		digit = "0123456789"
	)
	for c := range t {
		if ascii.IsTokenChar(byte(c)) {
			t[c] |= cToken
		}
	}
	set(alpha+digit+"-._~"+"!$&'()*+,;=", cHost)
	set(digit+"abcdefABCDEF", cHex)
	for c := 0x21; c < 0x7f; c++ {
		t[c] |= cTarget | cValue
	}
	for c := 0x80; c <= 0xff; c++ {
		t[c] |= cValue
	}
	t[' '] |= cValue
	t['\t'] |= cValue
	return t
}

func isToken(c byte) bool { return class[c]&cToken != 0 }

func isValue(c byte) bool { return class[c]&cValue != 0 }

// Eight-byte words of one repeated byte, for checking eight bytes at once.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// badValueByte returns the index of the first byte of v that may not
// appear in a header field value (a control byte other than HTAB, or DEL),
// or -1 when there is none.
//
// Values are the bulk of a head (user agents, cookies), so it checks eight
// bytes per step: (x - 0x20 in every byte) &^ x has a byte's high bit set
// when that byte is below 0x20 (bytes >= 0x80, obs-text, are masked out by
// &^ x); XOR with 0x7f in every byte turns DEL into 0 and the same test
// below 1 finds it. A word that trips either test, HTAB included, is
// looked at byte by byte.
func badValueByte(v []byte) int {
	i := 0
	for ; i+8 <= len(v); i += 8 {
		x := binary.LittleEndian.Uint64(v[i:])
		del := x ^ (0x7f * ones)
		if ((x-0x20*ones)&^x|(del-ones)&^del)&highs == 0 {
			continue
		}
		for j := i; j < i+8; j++ {
			if !isValue(v[j]) {
				return j
			}
		}
	}
	for ; i < len(v); i++ {
		if !isValue(v[i]) {
			return i
		}
	}
	return -1
}

// unhex returns the value of the hex digit c; c must be one.
func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// validHost reports whether h is a valid authority without userinfo:
// uri-host [ ":" port ] (RFC 3986 section 3.2), where uri-host is an
// IP-literal in brackets, or a reg-name (which covers IPv4 addresses) with
// its percent-encodings well formed, and port is digits. The host part must
// not be empty. needPort demands a non-empty port, as authority-form does.
func validHost(h []byte, needPort bool) bool {
	var port []byte
	hasPort := false
	if len(h) > 0 && h[0] == '[' {
		end := -1
		for i := 1; i < len(h); i++ {
			c := h[i]
			if c == ']' {
				end = i
				break
			}
			// IPv6address and IPvFuture use hex digits, ':', '.', 'v' and,
			// for IPvFuture, unreserved and sub-delims: all are in cHost.
			if class[c]&cHost == 0 && c != ':' {
				return false
			}
		}
		if end < 2 {
			return false // no ']' or "[]"
		}
		rest := h[end+1:]
		if len(rest) > 0 {
			if rest[0] != ':' {
				return false
			}
			port, hasPort = rest[1:], true
		}
	} else {
		n := 0
		for n < len(h) && h[n] != ':' {
			c := h[n]
			if c == '%' {
				if n+2 >= len(h) || class[h[n+1]]&cHex == 0 || class[h[n+2]]&cHex == 0 {
					return false
				}
				n += 3
				continue
			}
			if class[c]&cHost == 0 {
				return false
			}
			n++
		}
		if n == 0 {
			return false
		}
		if n < len(h) {
			port, hasPort = h[n+1:], true
		}
	}
	for _, c := range port {
		if c < '0' || c > '9' {
			return false
		}
	}
	return !needPort || (hasPort && len(port) > 0)
}
