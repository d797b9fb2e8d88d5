package framework

import (
	"bytes"
	"encoding/json"
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
	if resp.kind == kindContent {
		r.sendContent(resp)
		return
	}
	t := r.t
	for _, f := range resp.header {
		t.setHeader(f.name, f.value, f.add)
	}
	if resp.ctype != "" {
		t.setHeader("Content-Type", resp.ctype, false)
	}
	status := resp.StatusCode()
	switch resp.kind {
	case kindText:
		t.head(status, len(resp.text))
		t.writeString(resp.text)
	case kindBytes:
		t.head(status, len(resp.bytes))
		t.write(resp.bytes)
	case kindStream:
		t.head(status, -1)
		if err := resp.stream(t.stream()); err != nil {
			r.app.logger().LogAttrs(r.Context(), slog.LevelError, "stream failed",
				slog.String("method", r.method), slog.String("path", r.Path()), slog.String("err", err.Error()))
			t.abort()
		}
	default:
		t.head(status, 0)
	}
}

// errorResponse turns an error Response into the response the client
// sees (see ErrorRenderer), and logs the error.
func (a *App) errorResponse(r *Request, resp Response) Response {
	code, msg := errorStatus(resp.err)
	if resp.status != 0 {
		code = resp.status
	}
	level := slog.LevelDebug
	if code >= 500 {
		level = slog.LevelError
	}
	// A flood fails every request alike: errLog writes an identical error
	// at most once a second, with the count of those it dropped.
	l := a.errLog
	if l == nil {
		l = a.logger()
	}
	if l.Enabled(r.Context(), level) {
		l.LogAttrs(r.Context(), level, "request failed", slog.String("method", r.method),
			slog.String("path", r.Path()), slog.Int("status", code), slog.String("err", resp.err.Error()))
	}
	return a.renderError(r, resp, code, msg)
}

// bodyAllowed reports whether a response with status may carry a body.
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}
