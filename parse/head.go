package parse

import (
	"bytes"
	"math"

	"github.com/microframe/microframe/internal/ascii"
)

// headFields is what the header section says about framing and the
// connection, gathered while its lines are parsed and judged at the end.
type headFields struct {
	hosts      int
	clSeen     bool
	clRaw      []byte // the first Content-Length value, to compare repeats
	cl         int64
	teSeen     bool
	chunked    bool // "chunked" seen in Transfer-Encoding
	notLast    bool // a coding after chunked, or chunked twice
	unknown    bool // a coding other than chunked
	close      bool // Connection: close
	keepAlive  bool // Connection: keep-alive
	expect100  bool // Expect: 100-continue
	expectElse bool // an Expect field with another expectation
	targetHost bool // Host came from the request-target
}

// parseHead fills req from head: one complete head, from its request line
// through its final empty line. The scanner has already checked that every
// line ends in CRLF, that there are at most MaxHeaders field lines, that the
// request line and the head are within their limits and that the method is
// a token followed by SP.
func (p *Parser) parseHead(head []byte, req *Request) error {
	req.Reset()
	eol := bytes.IndexByte(head, '\n')
	var h headFields
	if err := parseRequestLine(head[:eol-1], req, &h); err != nil {
		return err
	}
	// The fields are appended to a local slice header, stored back once:
	// appending through req would reload and store it for every line.
	hs := req.Headers
	rest := head[eol+1:] // every line in rest ends in CRLF: a '\r' is never last
	for rest[0] != '\r' || rest[1] != '\n' {
		name, value, n, err := splitField(rest)
		if err == nil {
			// Field by field: copying a whole Header through the stack
			// stalls on store forwarding and costs more than the parse.
			hs = append(hs, Header{})
			f := &hs[len(hs)-1]
			f.Name, f.Value = name, value
			err = h.known(name, value, req)
		}
		if err != nil {
			req.Headers = hs
			return err
		}
		rest = rest[n:]
	}
	req.Headers = hs
	return h.finish(req, p.lim.MaxBodyBytes)
}

// parseRequestLine parses method SP request-target SP HTTP-version
// (RFC 9112 section 3), the line without its CRLF.
func parseRequestLine(line []byte, req *Request, h *headFields) error {
	if bytes.IndexByte(line, '\r') >= 0 {
		return ErrBareLF
	}
	sp1 := bytes.IndexByte(line, ' ') // > 0: the scanner saw a method and SP
	sp2 := bytes.LastIndexByte(line, ' ')
	if sp2 == sp1 {
		return ErrBadRequestLine
	}
	req.Method = line[:sp1]
	// The version first: a request in another protocol (HTTP/2's
	// "PRI * HTTP/2.0") deserves 505, whatever its target looks like.
	if err := parseVersion(line[sp2+1:], req); err != nil {
		return err
	}
	return parseTarget(line[sp1+1:sp2], req, h)
}

// parseVersion parses HTTP-version = "HTTP/" DIGIT "." DIGIT.
func parseVersion(v []byte, req *Request) error {
	if string(v) == "HTTP/1.1" { // the common case, compared without allocating
		req.ProtoMajor, req.ProtoMinor = 1, 1
		return nil
	}
	if len(v) != 8 || string(v[:5]) != "HTTP/" || v[6] != '.' ||
		v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9' {
		return ErrBadVersion
	}
	if v[5] != '1' {
		return ErrVersion // well formed, but not HTTP/1
	}
	req.ProtoMajor, req.ProtoMinor = 1, min(int(v[7]-'0'), 1)
	return nil
}

// parseTarget checks the request-target's characters and form (RFC 9112
// section 3.2) and sets Target, Path, RawQuery and, for absolute-form and
// authority-form, Host.
func parseTarget(t []byte, req *Request, h *headFields) error {
	if len(t) == 0 {
		return ErrBadTarget
	}
	for _, c := range t {
		if class[c]&cTarget == 0 {
			return ErrBadTarget
		}
	}
	req.Target = t
	switch {
	case t[0] == '/': // origin-form
		splitQuery(t, req)
		return nil
	case len(t) == 1 && t[0] == '*': // asterisk-form
		if string(req.Method) != "OPTIONS" {
			return ErrBadTarget
		}
		req.Path = t
		return nil
	case string(req.Method) == "CONNECT": // authority-form
		if !validHost(t, true) {
			return ErrBadTarget
		}
		req.Path, req.Host, h.targetHost = t, t, true
		return nil
	}
	// absolute-form: "http" or "https" "://" authority path-abempty ["?" query]
	colon := bytes.IndexByte(t, ':')
	if colon < 0 || !(equalFold(t[:colon], "http") || equalFold(t[:colon], "https")) ||
		len(t) < colon+3 || t[colon+1] != '/' || t[colon+2] != '/' {
		return ErrBadTarget
	}
	rest := t[colon+3:]
	end := bytes.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	if !validHost(rest[:end], false) { // rejects userinfo ('@') and empty hosts
		return ErrBadTarget
	}
	req.Host, h.targetHost = rest[:end], true
	splitQuery(rest[end:], req)
	if len(req.Path) == 0 {
		// "http://host" means path "/". Take a '/' from the "//" so that
		// Path, like every field, points into the caller's buffer.
		req.Path = t[colon+1 : colon+2]
	}
	return nil
}

// splitQuery sets Path and RawQuery from path ["?" query].
func splitQuery(pq []byte, req *Request) {
	if q := bytes.IndexByte(pq, '?'); q >= 0 {
		req.Path, req.RawQuery = pq[:q], pq[q+1:]
		return
	}
	req.Path = pq
}

// splitField parses the field line at the start of b (RFC 9112 section 5),
// returning its name, its value with surrounding whitespace removed, and
// the length of the line with its CRLF. b runs to the end of the head.
//
// The line's end is found by the value check itself: the first byte that
// may not appear in a value is the line's CR, or the line is malformed.
// This saves searching for the LF a second time (the scanner did once).
func splitField(b []byte) (name, value []byte, n int, err error) {
	i := 0
	for isToken(b[i]) { // stops at the latest at the line's CR
		i++
	}
	if b[i] != ':' || i == 0 {
		return nil, nil, 0, fieldNameError(b, i)
	}
	v := b[i+1:]
	j := badValueByte(v) // >= 0: the line ends in CRLF
	if v[j] != '\r' {
		return nil, nil, 0, ErrBadHeader
	}
	if v[j+1] != '\n' {
		return nil, nil, 0, ErrBareLF
	}
	return b[:i], ascii.TrimOWS(v[:j]), i + 1 + j + 2, nil
}

// fieldNameError names what is wrong with the field line at the start of b
// whose name ends at b[i] without a colon, or is empty.
func fieldNameError(b []byte, i int) error {
	switch b[i] {
	case ' ', '\t':
		if i == 0 {
			return ErrObsFold // a line starting with whitespace continues the previous one
		}
		for b[i] == ' ' || b[i] == '\t' {
			i++
		}
		if b[i] == ':' {
			return ErrSpaceBeforeColon
		}
	case '\r':
		if b[i+1] != '\n' {
			return ErrBareLF
		}
	}
	return ErrBadHeader
}

// known records the fields that matter to the parser. It dispatches on
// the name's length first, so that most fields cost one comparison.
func (h *headFields) known(name, value []byte, req *Request) error {
	switch len(name) {
	case 4:
		if equalFold(name, "Host") {
			h.hosts++
			if h.hosts > 1 {
				return ErrDuplicateHost
			}
			if len(value) > 0 && !validHost(value, false) {
				return ErrBadHost
			}
			if !h.targetHost {
				req.Host = value
			}
		}
	case 6:
		if equalFold(name, "Expect") {
			if equalFold(value, "100-continue") {
				h.expect100 = true
			} else {
				h.expectElse = true
			}
		}
	case 10:
		if equalFold(name, "Connection") {
			h.connection(value)
		}
	case 12:
		if equalFold(name, "Content-Type") && req.ContentType == nil {
			req.ContentType = value
		}
	case 14:
		if equalFold(name, "Content-Length") {
			return h.contentLength(value)
		}
	case 17:
		if equalFold(name, "Transfer-Encoding") {
			return h.transferEncoding(value)
		}
	}
	return nil
}

// contentLength records one Content-Length line: 1*DIGIT that fits in an
// int64. Repeats must be byte-for-byte the same value (RFC 9110 section 8.6).
func (h *headFields) contentLength(v []byte) error {
	if h.clSeen {
		if !bytes.Equal(v, h.clRaw) {
			return ErrBadContentLength
		}
		return nil
	}
	if len(v) == 0 {
		return ErrBadContentLength
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return ErrBadContentLength
		}
		d := int64(c - '0')
		if n > (math.MaxInt64-d)/10 {
			return ErrBadContentLength
		}
		n = n*10 + d
	}
	h.clSeen, h.clRaw, h.cl = true, v, n
	return nil
}

// transferEncoding records one Transfer-Encoding line: a comma-separated
// list of codings (RFC 9112 section 6.1). Empty elements are refused:
// leniency in the one field that decides framing only helps smuggling.
func (h *headFields) transferEncoding(v []byte) error {
	h.teSeen = true
	for {
		elem, rest, more := ascii.CutElement(v)
		if len(elem) == 0 {
			return ErrBadHeader
		}
		for _, c := range elem {
			if !isToken(c) {
				return ErrBadHeader // parameters are not defined for any coding we know
			}
		}
		if h.chunked {
			h.notLast = true // whatever follows chunked, chunked is not last
		}
		if equalFold(elem, "chunked") {
			h.chunked = true
		} else {
			h.unknown = true
		}
		if !more {
			return nil
		}
		v = rest
	}
}

// connection records the close and keep-alive options of one Connection
// line (RFC 9110 section 7.6.1). Other options are ignored.
func (h *headFields) connection(v []byte) {
	for {
		elem, rest, more := ascii.CutElement(v)
		switch {
		case equalFold(elem, "close"):
			h.close = true
		case equalFold(elem, "keep-alive"):
			h.keepAlive = true
		}
		if !more {
			return
		}
		v = rest
	}
}

// finish checks what needs the whole header section and sets the framing
// (RFC 9112 section 6.3) and connection fields of req.
func (h *headFields) finish(req *Request, maxBody int64) error {
	http11 := req.ProtoMinor == 1
	if http11 && h.hosts == 0 {
		return ErrMissingHost
	}
	switch {
	case h.teSeen:
		switch {
		case h.clSeen:
			return ErrCLAndTE
		case !http11:
			return ErrTEInHTTP10
		case h.notLast:
			return ErrChunkedNotLast
		case h.unknown:
			return ErrUnknownCoding
		}
		req.Framing, req.ContentLength = Chunked, -1
	case h.clSeen:
		if maxBody >= 0 && h.cl > maxBody {
			return ErrBodyTooLarge
		}
		req.Framing, req.ContentLength = Length, h.cl
	default:
		req.Framing, req.ContentLength = NoBody, 0
	}
	if http11 {
		req.KeepAlive = !h.close
	} else {
		req.KeepAlive = h.keepAlive && !h.close
	}
	// RFC 9110 section 10.1.1: an HTTP/1.0 client cannot have meant it.
	req.ExpectContinue = h.expect100 && http11 && (req.Framing == Chunked || req.ContentLength > 0)
	req.ExpectUnsupported = h.expectElse && !h.expect100
	return nil
}
