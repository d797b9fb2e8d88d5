package parse

import "bytes"

// maxEmptyLines bounds the empty lines (CRLF) skipped before a request line.
// RFC 9112 section 2.2 asks servers to ignore at least one, sent by old
// clients after a POST body; a few are tolerated, more are an error.
const maxEmptyLines = 4

// Scanner states: what the next unscanned byte belongs to.
const (
	stLead    uint8 = iota // the start of an empty line or of the request line
	stMethod               // the method
	stLine                 // the rest of the request line
	stHeaders              // the header section
)

// Parser finds and parses one request head at a time. The zero value uses
// default limits; set Limits before the first call. A Parser remembers how
// far it has already scanned, so calling Parse again after more bytes
// arrived costs only the new bytes: it is safe and cheap to call it after
// every read, even one byte at a time.
//
// A Parser is owned by one goroutine (in the engine, one connection).
type Parser struct {
	Limits Limits

	lim     Limits // Limits.WithDefaults, recomputed when Limits changes
	limFrom Limits // the Limits lim was computed from
	limOK   bool
	lineMax int // effective request line bound: min(MaxRequestLineBytes, MaxHeaderBytes-2)

	// Scan progress over the head being received.
	state   uint8
	empties int // empty lines skipped before the request line
	pos     int // next byte to scan
	start   int // first byte of the request line
	line    int // first byte of the current header line
	fields  int // header field lines seen
}

// Parse looks for a complete request head at the start of buf. buf must hold
// every byte received for this head so far, starting at its first byte (the
// caller appends new bytes and calls again with the longer slice).
//
// It returns:
//   - n > 0, nil: the head is complete and req is filled in; n counts the
//     bytes of the head, including empty lines before the request line and
//     the final empty line. The body, if any, starts at buf[n].
//   - 0, nil: more bytes are needed.
//   - 0, *Error: the request is refused; answer with err.Status and close.
//
// Errors are reported as early as they are certain: a request line longer
// than MaxRequestLineBytes fails with ErrURITooLong before its end arrives,
// and a head longer than MaxHeaderBytes fails with ErrHeaderTooLarge.
//
// After a complete head or an error the Parser is ready for the next head;
// Reset also makes it forget a partial one.
func (p *Parser) Parse(buf []byte, req *Request) (n int, err error) {
	if !p.limOK || p.Limits != p.limFrom {
		p.setLimits()
	}
	if p.pos > len(buf) {
		// The caller broke the contract (buf shrank): start over rather
		// than trust progress made over bytes that are gone.
		p.Reset()
	}
	end, err := p.scan(buf)
	if end == 0 && err == nil {
		return 0, nil
	}
	start := p.start
	p.Reset()
	if err != nil {
		return 0, err
	}
	if err := p.parseHead(buf[start:end], req); err != nil {
		return 0, err
	}
	return end, nil
}

// Reset forgets any partially scanned head.
func (p *Parser) Reset() {
	p.state, p.empties, p.pos, p.start, p.line, p.fields = stLead, 0, 0, 0, 0, 0
}

// setLimits caches Limits with the defaults applied; Parse calls it when
// Limits has changed since the last call.
func (p *Parser) setLimits() {
	p.lim = p.Limits.WithDefaults()
	p.limFrom = p.Limits
	p.limOK = true
	// The request line is part of the head: one that cannot fit in
	// MaxHeaderBytes (with its CRLF) is too long, and reported as such.
	p.lineMax = min(p.lim.MaxRequestLineBytes, p.lim.MaxHeaderBytes-2)
}

// scan advances over buf from where the previous call stopped, looking for
// the end of the head. It returns the length of the head once its final
// empty line is seen, 0 when more bytes are needed, or an error that is
// certain from the bytes seen so far.
//
// Every decision depends only on bytes up to the position being examined,
// and the scanner examines positions in order, never past one it needs but
// does not have. So whether the head arrives whole or a byte at a time, the
// same decision is taken at the same position: the results agree.
func (p *Parser) scan(buf []byte) (int, error) {
	for {
		switch p.state {
		case stLead:
			if p.pos >= len(buf) {
				return 0, nil
			}
			switch buf[p.pos] {
			case '\r':
				if p.pos+1 >= len(buf) {
					return 0, nil
				}
				if buf[p.pos+1] != '\n' {
					return 0, ErrBareLF
				}
				p.empties++
				if p.empties > maxEmptyLines {
					return 0, ErrBadRequest
				}
				p.pos += 2
				continue
			case '\n':
				return 0, ErrBareLF
			}
			p.start = p.pos
			p.state = stMethod

		case stMethod:
			// Checked byte by byte so that a client speaking something
			// else (TLS, HTTP/2's preface is caught later) is refused at
			// its first byte instead of after MaxRequestLineBytes.
			for ; p.pos < len(buf); p.pos++ {
				c := buf[p.pos]
				if c == ' ' && p.pos > p.start {
					break
				}
				if !isToken(c) {
					return 0, ErrBadMethod
				}
				if p.pos-p.start >= p.lineMax {
					return 0, ErrURITooLong
				}
			}
			if p.pos >= len(buf) {
				return 0, nil
			}
			p.pos++ // the SP
			p.state = stLine

		case stLine:
			// The line's LF may be at most at start+lineMax+1 (after
			// lineMax bytes and the CR); search no further than that.
			limit := p.start + p.lineMax + 2
			end := min(len(buf), limit)
			i := bytes.IndexByte(buf[p.pos:end], '\n')
			if i < 0 {
				if end == limit {
					return 0, ErrURITooLong
				}
				p.pos = end
				return 0, nil
			}
			i += p.pos
			if buf[i-1] != '\r' {
				if i-p.start > p.lineMax {
					return 0, ErrURITooLong
				}
				return 0, ErrBareLF
			}
			p.pos, p.line = i+1, i+1
			p.state = stHeaders

		case stHeaders:
			// Each LF ends a line; the head's last LF must be within
			// MaxHeaderBytes of its start.
			limit := p.start + p.lim.MaxHeaderBytes
			for {
				end := min(len(buf), limit)
				i := bytes.IndexByte(buf[p.pos:end], '\n')
				if i < 0 {
					if end == limit {
						return 0, ErrHeaderTooLarge
					}
					p.pos = end
					return 0, nil
				}
				i += p.pos
				if i == p.line || buf[i-1] != '\r' {
					return 0, ErrBareLF
				}
				if i-1 == p.line {
					return i + 1, nil // the empty line: the head is complete
				}
				p.fields++
				if p.fields > p.lim.MaxHeaders {
					return 0, ErrTooManyHeaders
				}
				p.pos, p.line = i+1, i+1
			}
		}
	}
}
