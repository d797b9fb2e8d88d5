package loadtest

import (
	"bytes"
	"errors"

	"github.com/microframe/microframe/internal/ascii"
)

// Errors about what the target sent back. A response that fails to parse
// is counted in Errors.Parse and its connection is closed, because where the
// next response starts is no longer known.
var (
	// ErrBadStatusLine means the status line was not "HTTP/1.x NNN ...".
	ErrBadStatusLine = errors.New("loadtest: malformed status line")
	// ErrBadHeader means a header line had no colon or an empty name.
	ErrBadHeader = errors.New("loadtest: malformed response header")
	// ErrBadContentLength means Content-Length was not a decimal number,
	// or two Content-Length headers disagreed.
	ErrBadContentLength = errors.New("loadtest: invalid Content-Length in response")
	// ErrBadChunk means a chunked body was malformed (size line, or the
	// CRLF after chunk data).
	ErrBadChunk = errors.New("loadtest: malformed chunked response body")
	// ErrHeadTooLarge means a response head (or a chunk-size line) did not
	// fit in the connection's read buffer.
	ErrHeadTooLarge = errors.New("loadtest: response head larger than the read buffer")
	// ErrUpgrade means the target answered 101 Switching Protocols, which
	// a load generator of HTTP/1.1 requests cannot follow.
	ErrUpgrade = errors.New("loadtest: unexpected 101 Switching Protocols")
)

// Parser states.
const (
	stHead       = iota // waiting for a status line and headers
	stBody              // skipping remain bytes of a Content-Length body
	stChunkSize         // waiting for a chunk-size line
	stChunkData         // skipping remain bytes of chunk data
	stChunkCRLF         // waiting for the CRLF that ends chunk data
	stTrailer           // waiting for trailer lines up to the empty line
	stUntilClose        // body runs to the end of the connection
)

// respParser reads HTTP/1.1 responses incrementally from a byte stream and
// keeps only what a load generator needs: the status code, how the body is
// framed, whether the connection stays open, and (on request) Set-Cookie
// values. The body itself is skipped, not stored.
//
// The caller owns the bytes. feed consumes a prefix of what it is given;
// bytes it leaves unconsumed must be offered again, followed by whatever
// arrives next. A head or a chunk-size line is consumed only when it is
// complete, so feeding a response one byte at a time gives the same result
// as feeding it whole. Nothing is allocated unless cookies are collected.
type respParser struct {
	noBody         bool // the request was HEAD: no body follows any head
	collectCookies bool // keep Set-Cookie values in cookies
	cookies        []string

	state     uint8
	status    int
	http10    bool
	close     bool  // the server will close after this response
	remain    int64 // body or chunk bytes still to skip
	bodyBytes int64 // body bytes seen so far (framing excluded)
}

// reset prepares p for the next response. noBody tells that the request
// was HEAD, whose response carries no body whatever its headers say.
func (p *respParser) reset(noBody bool) {
	p.noBody = noBody
	p.cookies = p.cookies[:0]
	p.state = stHead
	p.status = 0
	p.http10 = false
	p.close = false
	p.remain = 0
	p.bodyBytes = 0
}

// feed consumes as much of b as it can. done reports that one whole
// response was consumed; the bytes after it in b belong to the next one.
// With done false, every byte of b that could be used was consumed and the
// rest (an incomplete line) must be offered again with more input.
func (p *respParser) feed(b []byte) (n int, done bool, err error) {
	for {
		switch p.state {
		case stHead:
			m, complete, err := p.parseHead(b[n:])
			n += m
			if err != nil || !complete {
				return n, false, err
			}
			if p.status < 200 { // 1xx interim response: another head follows
				if p.status == 101 {
					return n, false, ErrUpgrade
				}
				p.resetHead()
				continue
			}
			if p.state == stHead { // no body
				return n, true, nil
			}
		case stBody, stChunkData:
			k := int64(len(b) - n)
			if k > p.remain {
				k = p.remain
			}
			n += int(k)
			p.remain -= k
			p.bodyBytes += k
			if p.remain > 0 {
				return n, false, nil
			}
			if p.state == stBody {
				p.state = stHead
				return n, true, nil
			}
			p.state = stChunkCRLF
		case stChunkCRLF:
			if len(b)-n < 2 {
				if len(b)-n == 1 && b[n] != '\r' {
					return n, false, ErrBadChunk
				}
				return n, false, nil
			}
			if b[n] != '\r' || b[n+1] != '\n' {
				return n, false, ErrBadChunk
			}
			n += 2
			p.state = stChunkSize
		case stChunkSize:
			line, m, ok := nextLine(b[n:])
			if !ok {
				return n, false, nil
			}
			size, err := parseChunkSize(line)
			if err != nil {
				return n, false, err
			}
			n += m
			if size == 0 {
				p.state = stTrailer
			} else {
				p.remain = size
				p.state = stChunkData
			}
		case stTrailer:
			line, m, ok := nextLine(b[n:])
			if !ok {
				return n, false, nil
			}
			n += m
			if len(line) == 0 {
				p.state = stHead
				return n, true, nil
			}
		case stUntilClose:
			p.bodyBytes += int64(len(b) - n)
			return len(b), false, nil
		}
	}
}

// eof tells p that the connection was closed by the server. It reports
// whether that ended the response in progress (a body delimited by the end
// of the connection); otherwise the response was cut short.
func (p *respParser) eof() bool {
	if p.state == stUntilClose {
		p.state = stHead
		return true
	}
	return false
}

// inProgress reports whether part of a response has been consumed.
func (p *respParser) inProgress() bool { return p.state != stHead }

// resetHead forgets the interim head just parsed, keeping the settings.
func (p *respParser) resetHead() {
	p.cookies = p.cookies[:0]
	p.status, p.http10, p.close = 0, false, false
}

// parseHead parses a status line and header fields if b holds them all.
// It consumes nothing until the empty line that ends the head has arrived.
// On success it leaves p.state at the state that reads the body, or at
// stHead when the response has no body.
func (p *respParser) parseHead(b []byte) (n int, complete bool, err error) {
	line, m, ok := nextLine(b)
	if !ok {
		return 0, false, nil
	}
	// The whole head must be present before anything is decided: find the
	// empty line first, then parse.
	end := m
	for {
		l, k, ok := nextLine(b[end:])
		if !ok {
			return 0, false, nil
		}
		end += k
		if len(l) == 0 {
			break
		}
	}
	if err := p.parseStatusLine(line); err != nil {
		return 0, false, err
	}
	var (
		contentLength int64 = -1
		chunked       bool
		keepAlive     bool
	)
	for pos := m; ; {
		l, k, _ := nextLine(b[pos:])
		pos += k
		if len(l) == 0 {
			break
		}
		colon := bytes.IndexByte(l, ':')
		if colon <= 0 {
			return 0, false, ErrBadHeader
		}
		name, value := l[:colon], ascii.TrimOWS(l[colon+1:])
		switch {
		case equalFold(name, "content-length"):
			v, ok := parseDecimal(value)
			if !ok || (contentLength >= 0 && v != contentLength) {
				return 0, false, ErrBadContentLength
			}
			contentLength = v
		case equalFold(name, "transfer-encoding"):
			// The last coding decides the framing (RFC 9112, 6.1).
			chunked = hasSuffixFold(value, "chunked")
		case equalFold(name, "connection"):
			if ascii.ListHas(value, "close") {
				p.close = true
			}
			if ascii.ListHas(value, "keep-alive") {
				keepAlive = true
			}
		case p.collectCookies && equalFold(name, "set-cookie"):
			p.cookies = append(p.cookies, string(value))
		}
	}
	if p.http10 && !keepAlive {
		p.close = true
	}
	switch {
	case p.status < 200:
		// interim: the caller resets and reads the next head
	case p.noBody || p.status == 204 || p.status == 304:
		p.state = stHead
	case chunked:
		p.state = stChunkSize
	case contentLength > 0:
		p.state, p.remain = stBody, contentLength
	case contentLength == 0:
		p.state = stHead
	default:
		p.state, p.close = stUntilClose, true
	}
	return end, true, nil
}

// parseStatusLine accepts "HTTP/1.0 " or "HTTP/1.1 ", three digits, and
// either the end of the line or a space and any reason phrase.
func (p *respParser) parseStatusLine(l []byte) error {
	const prefix = "HTTP/1."
	if len(l) < len(prefix)+5 || string(l[:len(prefix)]) != prefix || l[len(prefix)+1] != ' ' {
		return ErrBadStatusLine
	}
	switch l[len(prefix)] {
	case '0':
		p.http10 = true
	case '1':
	default:
		return ErrBadStatusLine
	}
	code := l[len(prefix)+2:]
	if len(code) < 3 || (len(code) > 3 && code[3] != ' ') {
		return ErrBadStatusLine
	}
	status := 0
	for _, c := range code[:3] {
		if c < '0' || c > '9' {
			return ErrBadStatusLine
		}
		status = status*10 + int(c-'0')
	}
	if status < 100 || status > 599 {
		return ErrBadStatusLine
	}
	p.status = status
	return nil
}

// nextLine returns the line at the start of b without its CRLF (a bare LF
// is accepted too), and how many bytes it took with the terminator. ok is
// false when no line terminator has arrived yet.
func nextLine(b []byte) (line []byte, n int, ok bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return nil, 0, false
	}
	line = b[:i]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	return line, i + 1, true
}

// parseChunkSize reads the hexadecimal size at the start of a chunk-size
// line, ignoring chunk extensions after ';'.
func parseChunkSize(l []byte) (int64, error) {
	var size int64
	digits := 0
	for _, c := range l {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		case c == ';' || c == ' ' || c == '\t':
			if digits == 0 {
				return 0, ErrBadChunk
			}
			return size, nil
		default:
			return 0, ErrBadChunk
		}
		if digits == 15 { // 15 hex digits already: the next would overflow int64
			return 0, ErrBadChunk
		}
		size = size<<4 | int64(d)
		digits++
	}
	if digits == 0 {
		return 0, ErrBadChunk
	}
	return size, nil
}

// parseDecimal parses a non-negative decimal of at most 18 digits.
func parseDecimal(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

// equalFold reports whether b equals s, ignoring ASCII case.
func equalFold(b []byte, s string) bool { return ascii.EqualFold(b, s) }

func hasSuffixFold(b []byte, s string) bool {
	return len(b) >= len(s) && equalFold(b[len(b)-len(s):], s)
}
