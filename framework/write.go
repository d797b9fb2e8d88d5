package framework

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync"
)

// Sending a Response: render what must be rendered (JSON, templates) into
// a buffer first, so that a failure can still become a clean 500; then
// headers, status, body, on whichever transport the request came from.

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuf bounds the buffers kept for reuse.
const maxPooledBuf = 64 << 10

// send writes resp to the client.
func (a *App) send(r *Request, resp Response) {
	if resp.kind == kindError {
		resp = a.errorResponse(r, resp)
	}
	switch resp.kind {
	case kindWritten:
		// Headers added after an http.Handler wrote: on the native path
		// they still count while the engine buffers the head.
		for _, f := range resp.header[resp.nsent:] {
			r.base.setHeader(f.name, f.value, f.add)
		}
		return
	case kindJSON, kindTemplate:
		buf := bufPool.Get().(*bytes.Buffer)
		buf.Reset()
		defer func() {
			if buf.Cap() <= maxPooledBuf {
				bufPool.Put(buf)
			}
		}()
		var err error
		if resp.kind == kindJSON {
			err = json.NewEncoder(buf).Encode(resp.value)
		} else {
			err = resp.tmpl.execute(buf, resp.name, resp.value)
		}
		if err != nil {
			resp = a.errorResponse(r, Error(err))
			if resp.kind != kindText {
				resp = TextErrors(r, &HTTPError{Code: http.StatusInternalServerError, Message: http.StatusText(http.StatusInternalServerError)})
			}
		} else {
			resp.kind, resp.bytes = kindBytes, buf.Bytes()
		}
	}
	r.write(resp)
}

// write sends a rendered Response: headers, status, body.
func (r *Request) write(resp Response) {
	status := resp.StatusCode()
	r.sent = sent{status: status, header: resp.header, ctype: resp.ctype}
	for _, f := range r.preset { // before the Response's own, which win
		r.t.setHeader(f.name, f.value, false)
	}
	if resp.kind == kindContent {
		r.sendContent(resp)
		return
	}
	t := r.t
	switch resp.kind {
	case kindText:
		r.sent.bytes = int64(len(resp.text))
	case kindBytes:
		r.sent.bytes = int64(len(resp.bytes))
	}
	for _, f := range resp.header {
		t.setHeader(f.name, f.value, f.add)
	}
	if resp.ctype != "" {
		t.setHeader("Content-Type", resp.ctype, false)
	}
	switch resp.kind {
	case kindText:
		t.head(status, len(resp.text))
		t.writeString(resp.text)
	case kindBytes:
		t.head(status, len(resp.bytes))
		t.write(resp.bytes)
	case kindStream:
		t.head(status, -1)
		sw := t.stream()
		if r.measure {
			r.counted = countedStream{StreamWriter: sw, n: &r.sent.bytes}
			sw = &r.counted
		}
		if err := resp.stream(sw); err != nil {
			level := slog.LevelError
			if clientGone(r, err) {
				level = slog.LevelDebug
			}
			attrs := append(make([]slog.Attr, 0, 3+len(r.logAttrs)), slog.String("method", r.method),
				slog.String("path", r.Path()), slog.String("err", err.Error()))
			r.app.logger().LogAttrs(r.Context(), level, "stream failed", append(attrs, r.logAttrs...)...)
			t.abort()
		}
	default:
		t.head(status, 0)
	}
}

// sent is what write sent last: the Response's status and headers, and
// the body bytes (for a Stream or a Content, counted only while measure
// is set, by Send).
type sent struct {
	status int
	bytes  int64
	header []headerField
	ctype  string
}

// countedStream counts what a Stream writes, for Send.
type countedStream struct {
	StreamWriter
	n *int64
}

// Write implements io.Writer.
func (c *countedStream) Write(p []byte) (int, error) {
	n, err := c.StreamWriter.Write(p)
	*c.n += int64(n)
	return n, err
}

// Send sends resp to the client now, instead of after the whole chain has
// returned, and returns a Response that records what was sent: its
// StatusCode (the one ServeContent chose for a Content: 304, 206...),
// Header and BytesWritten (body bytes, before any compression by
// middleware further in). An error Response is rendered (and logged) as
// usual first. It is for middleware that must see the final outcome, such
// as an access logger (see framework/middleware.AccessLog).
//
// The middleware further out then see a sent Response: they can no longer
// change its status or body; headers they add still reach the client on
// the native path while the response head is buffered (no Flush, under 64
// KiB of body), and are dropped under net/http. A Response that was sent
// already (by Send, an http.Handler or FromHTTP middleware) is returned as
// it is.
func (r *Request) Send(resp Response) Response {
	if resp.kind == kindWritten {
		return resp
	}
	r.measure = true
	r.app.send(r, resp)
	r.measure = false
	out := Response{kind: kindWritten, status: r.sent.status, ctype: r.sent.ctype, wrote: r.sent.bytes, header: r.sent.header}
	out.nsent = len(out.header)
	return out
}

// errorResponse turns an error Response into the response the client
// sees (see ErrorRenderer), and logs the error.
func (a *App) errorResponse(r *Request, resp Response) Response {
	code, msg := errorStatus(resp.err)
	if resp.status != 0 {
		code = resp.status
	}
	level := slog.LevelDebug
	if code >= 500 && !clientGone(r, resp.err) {
		level = slog.LevelError
	}
	// A flood fails every request alike: errLog writes an identical error
	// at most once a second, with the count of those it dropped.
	l := a.errLog
	if l == nil {
		l = a.logger()
	}
	if l.Enabled(r.Context(), level) {
		attrs := append(make([]slog.Attr, 0, 4+len(r.logAttrs)), slog.String("method", r.method),
			slog.String("path", r.Path()), slog.Int("status", code), slog.String("err", resp.err.Error()))
		l.LogAttrs(r.Context(), level, "request failed", append(attrs, r.logAttrs...)...)
	}
	return a.renderError(r, resp, code, msg)
}

// clientGone reports whether err is the request's own cancellation: the
// client hung up (or the server is being shut down) and the handler gave
// up. Nobody is there to read the answer, and nothing failed on the
// server, so it is logged at Debug rather than Error. A deadline (the
// Timeout middleware's, a database call's) is a real failure and is not
// covered.
func clientGone(r *Request, err error) bool {
	return errors.Is(err, context.Canceled) && errors.Is(r.Context().Err(), context.Canceled)
}

// bodyAllowed reports whether a response with status may carry a body.
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}
