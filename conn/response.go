package conn

import (
	"net/http"
	"strconv"
	"time"
)

// hdrLine locates one response header line in Ctx.hdr.
type hdrLine struct {
	start, colon, end int32
	dead              bool
}

// SetStatus sets the response status code (default 200). It is ignored
// after the head was sent, and for codes outside 200-999 (informational
// responses are the engine's business: see Body for 100 Continue).
func (x *Ctx) SetStatus(code int) {
	if !x.headSent && code >= 200 && code <= 999 {
		x.status = code
	}
}

// Status returns the response status code set so far.
func (x *Ctx) Status() int { return x.status }

// HeadersSent reports whether the response head has been written.
func (x *Ctx) HeadersSent() bool { return x.headSent }

// SetHeader sets the response header name to value, replacing earlier
// values. See AddHeader for the rules.
func (x *Ctx) SetHeader(name, value string) {
	x.DelHeader(name)
	x.AddHeader(name, value)
}

// SetContentType sets the Content-Type header.
func (x *Ctx) SetContentType(value string) { x.SetHeader("Content-Type", value) }

// SetContentLength declares the length of the body before it is written,
// so that a streamed response needs no chunked coding. Writing more is
// ErrContentLength; writing less closes the connection after the response.
func (x *Ctx) SetContentLength(n int64) {
	if !x.headSent && n >= 0 {
		x.declared = n
	}
}

// AddHeader adds a response header line. It is ignored after the head was
// sent and when name is not a valid token; CR and LF in value become
// spaces, so a header can never split the response. The engine owns
// framing: Content-Length is taken as SetContentLength, Transfer-Encoding
// is ignored, and "Connection: close" is taken as SetClose. A Date header
// replaces the automatic one.
func (x *Ctx) AddHeader(name, value string) {
	if x.headSent || !validName(name) {
		return
	}
	if special := specialHeader(name); special != 0 && !x.setSpecial(special, value) {
		return
	}
	start := int32(len(x.hdr))
	x.hdr = append(x.hdr, name...)
	colon := int32(len(x.hdr))
	x.hdr = append(x.hdr, ": "...)
	if safeValue(value) {
		x.hdr = append(x.hdr, value...)
	} else {
		for i := 0; i < len(value); i++ {
			ch := value[i]
			if ch == '\r' || ch == '\n' || ch == 0 {
				ch = ' '
			}
			x.hdr = append(x.hdr, ch)
		}
	}
	x.hdr = append(x.hdr, "\r\n"...)
	x.lines = append(x.lines, hdrLine{start: start, colon: colon, end: int32(len(x.hdr))})
}

// Response headers the engine treats specially.
const (
	hdrContentLength = iota + 1
	hdrTransferEncoding
	hdrConnection
	hdrDate
)

// specialHeader classifies name; 0 means an ordinary header. It checks the
// length first, so ordinary names cost one comparison or none.
func specialHeader(name string) int {
	switch len(name) {
	case 4:
		if foldEq(name, "Date") {
			return hdrDate
		}
	case 10:
		if foldEq(name, "Connection") {
			return hdrConnection
		}
	case 14:
		if foldEq(name, "Content-Length") {
			return hdrContentLength
		}
	case 17:
		if foldEq(name, "Transfer-Encoding") {
			return hdrTransferEncoding
		}
	}
	return 0
}

// setSpecial applies a special header and reports whether a header line
// should still be written for it.
func (x *Ctx) setSpecial(kind int, value string) bool {
	switch kind {
	case hdrContentLength:
		if n, err := strconv.ParseInt(value, 10, 64); err == nil && n >= 0 {
			x.declared = n
		}
		return false
	case hdrTransferEncoding:
		return false
	case hdrConnection:
		if hasToken(value, "close") {
			x.c.closeAfter = true
		}
		return false
	case hdrDate:
		x.hasDate = true
	}
	return true
}

// safeValue reports whether v has no byte that could end a header line.
func safeValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == '\r' || c == '\n' || c == 0 {
			return false
		}
	}
	return true
}

// SetHeaderBytes is SetHeader with a []byte value (copied; no allocation
// once the connection's buffers are warm).
func (x *Ctx) SetHeaderBytes(name string, value []byte) {
	x.SetHeader(name, bytesToString(value))
}

// DelHeader removes every response header line named name.
func (x *Ctx) DelHeader(name string) {
	if x.headSent {
		return
	}
	switch specialHeader(name) {
	case hdrContentLength:
		x.declared = -1
	case hdrDate:
		x.hasDate = false
	}
	for i := range x.lines {
		l := &x.lines[i]
		if !l.dead && foldEq(bytesToString(x.hdr[l.start:l.colon]), name) {
			l.dead = true
		}
	}
}

// ResponseHeader returns the first value set for the response header name,
// or "" when none; valid until the handler returns.
func (x *Ctx) ResponseHeader(name string) string {
	for _, l := range x.lines {
		if !l.dead && foldEq(bytesToString(x.hdr[l.start:l.colon]), name) {
			return bytesToString(x.hdr[l.colon+2 : l.end-2])
		}
	}
	return ""
}

// bodyAllowed reports whether the status may carry a body.
func (x *Ctx) bodyAllowed() bool {
	return x.status != 204 && x.status != 304 && x.status >= 200
}

// Write appends p to the response body. Until the head is sent the body is
// buffered (up to ResponseBufferBytes) so that the response gets a
// Content-Length; past that, or after Flush, it streams. Errors:
// ErrBodyNotAllowed for 204 and 304, ErrContentLength past a declared
// length, ErrConnClosed once the client is gone. For a HEAD request the
// bytes are counted and discarded.
func (x *Ctx) Write(p []byte) (int, error) {
	c := x.c
	switch {
	case c.hijacked:
		return 0, ErrHijacked
	case c.broken:
		return 0, ErrConnClosed
	case !x.bodyAllowed():
		return 0, ErrBodyNotAllowed
	case x.abandoned:
		return 0, ErrConnClosed
	}
	if x.declared >= 0 && x.sent+int64(len(x.pending))+x.discarded+int64(len(p)) > x.declared {
		return 0, ErrContentLength
	}
	if x.headReq {
		x.discarded += int64(len(p))
		return len(p), nil
	}
	if !x.headSent {
		if len(x.pending)+len(p) <= c.cfg.ResponseBufferBytes {
			if x.pending == nil {
				x.pending = getBuf(len(p))
			}
			x.pending = append(x.pending, p...)
			return len(p), nil
		}
		x.sendHead(-1)
	}
	return x.writeStream(p)
}

// WriteString is Write for a string, without a copy.
func (x *Ctx) WriteString(s string) (int, error) { return x.Write(stringToBytes(s)) }

// Flush sends the head and everything written so far. From then on the
// body streams: with the declared Content-Length, else chunked (HTTP/1.1),
// else until the connection closes (HTTP/1.0).
func (x *Ctx) Flush() error {
	c := x.c
	if c.hijacked {
		return ErrHijacked
	}
	if c.broken || x.abandoned {
		return ErrConnClosed
	}
	if !x.headSent {
		x.sendHead(-1)
	}
	return c.flush()
}

// sendHead writes the response head into the connection's output, with a
// Content-Length of length when length >= 0 (the whole body is known),
// else streaming framing; then the pending body.
func (x *Ctx) sendHead(length int64) {
	c := x.c
	x.headSent = true
	if c.cfg.Draining.Load() || !x.body.drainable() {
		c.closeAfter = true
	}
	if length < 0 && x.declared >= 0 {
		length = x.declared
	}
	if length < 0 && x.bodyAllowed() && !x.headReq {
		if x.req.ProtoMinor >= 1 {
			x.chunked = true
		} else {
			c.closeAfter = true // HTTP/1.0: the body ends when the connection does
		}
	}
	out := c.w.out
	if out == nil {
		out = getBuf(len(x.pending) + 256)
	}
	out = appendStatusLine(out, x.status)
	if c.cfg.ServerName != "" {
		out = append(out, "Server: "...)
		out = append(out, c.cfg.ServerName...)
		out = append(out, "\r\n"...)
	}
	if !x.hasDate {
		out = append(out, "Date: "...)
		out = appendDate(out, c.w.now)
		out = append(out, "\r\n"...)
	}
	for _, l := range x.lines {
		if !l.dead {
			out = append(out, x.hdr[l.start:l.end]...)
		}
	}
	switch {
	case x.status == 304 || x.status == 204:
	case x.chunked:
		out = append(out, "Transfer-Encoding: chunked\r\n"...)
	case length >= 0:
		out = append(out, "Content-Length: "...)
		out = strconv.AppendInt(out, length, 10)
		out = append(out, "\r\n"...)
	}
	if c.closeAfter {
		out = append(out, "Connection: close\r\n"...)
	} else if x.req.ProtoMinor == 0 {
		out = append(out, "Connection: keep-alive\r\n"...)
	}
	out = append(out, "\r\n"...)
	c.w.out = out
	if len(x.pending) > 0 {
		p := x.pending
		x.pending = x.pending[:0]
		x.writeStream(p)
	}
}

// writeStream sends body bytes after the head.
func (x *Ctx) writeStream(p []byte) (int, error) {
	c := x.c
	if len(p) == 0 {
		return 0, nil
	}
	if x.chunked {
		c.w.out = strconv.AppendInt(c.w.out, int64(len(p)), 16)
		c.w.out = append(c.w.out, "\r\n"...)
	}
	if len(p) >= 32<<10 {
		if err := c.flushWith(p); err != nil {
			return 0, err
		}
	} else {
		c.w.out = append(c.w.out, p...)
	}
	if x.chunked {
		c.w.out = append(c.w.out, "\r\n"...)
	}
	x.sent += int64(len(p))
	if len(c.w.out) >= c.cfg.ResponseBufferBytes {
		if err := c.flush(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// finish completes the response after the handler returned.
func (x *Ctx) finish() {
	c := x.c
	if x.abandoned || c.broken {
		return
	}
	if !x.headSent {
		n := int64(len(x.pending))
		if x.headReq {
			n = x.discarded
		}
		if x.declared >= 0 && n < x.declared && !x.headReq && x.bodyAllowed() {
			c.closeAfter = true // the body is shorter than promised
		}
		if x.declared >= 0 {
			n = x.declared
		}
		x.sendHead(n)
		return
	}
	if x.chunked {
		c.w.out = append(c.w.out, "0\r\n\r\n"...)
	} else if x.declared >= 0 && x.sent < x.declared && !x.headReq {
		c.closeAfter = true
	}
}

// flush writes all buffered output to the client.
func (c *Conn) flush() error { return c.flushWith(nil) }

// flushWith writes the buffered output followed by extra (a large body
// chunk written without copying).
func (c *Conn) flushWith(extra []byte) error {
	if c.broken {
		c.w.out = c.w.out[:0]
		return ErrConnClosed
	}
	if len(c.w.out) == 0 && len(extra) == 0 {
		return nil
	}
	c.setWriteDeadline(time.Now())
	var err error
	if len(extra) == 0 {
		_, err = c.nc.Write(c.w.out)
	} else {
		if len(c.w.out) > 0 {
			_, err = c.nc.Write(c.w.out)
		}
		if err == nil {
			_, err = c.nc.Write(extra)
		}
	}
	c.w.out = c.w.out[:0]
	if err != nil {
		c.broken = true
		c.closeAfter = true
		c.cancelRequest()
		if isTimeout(err) {
			c.cfg.Counters.Timeouts.Add(1)
		} else {
			c.cfg.Counters.WriteErrors.Add(1)
		}
		c.cfg.Logger.Debug("conn: write failed", "remote", c.nc.RemoteAddr().String(), "err", err)
		return ErrConnClosed
	}
	return nil
}

// writeError answers a request the engine refused (or a handler panic
// before anything was sent) and marks the connection to close.
func (c *Conn) writeError(status int, msg string) { c.writeErrorWith(status, "", msg) }

// writeErrorWith is writeError with extra header lines, each ending in
// CRLF.
func (c *Conn) writeErrorWith(status int, extra, msg string) {
	c.closeAfter = true
	out := c.w.out
	if out == nil {
		out = getBuf(256)
	}
	out = appendStatusLine(out, status)
	out = append(out, "Date: "...)
	out = appendDate(out, time.Now())
	out = append(out, "\r\n"...)
	out = append(out, extra...)
	out = append(out, "Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: "...)
	out = strconv.AppendInt(out, int64(len(msg)+1), 10)
	out = append(out, "\r\n\r\n"...)
	out = append(out, msg...)
	out = append(out, '\n')
	c.w.out = out
}

// appendStatusLine appends the status line for status, with net/http's
// reason phrase, or "status code N" for a code it does not name (as
// net/http's server writes it).
func appendStatusLine(out []byte, status int) []byte {
	out = append(out, "HTTP/1.1 "...)
	out = strconv.AppendInt(out, int64(status), 10)
	out = append(out, ' ')
	if text := http.StatusText(status); text != "" {
		out = append(out, text...)
	} else {
		out = append(out, "status code "...)
		out = strconv.AppendInt(out, int64(status), 10)
	}
	return append(out, "\r\n"...)
}
