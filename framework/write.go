package framework

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
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
		for _, f := range resp.header[resp.nsent:] {
			r.lateHeader(f.name, f.value, f.add)
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
	if r.compress != nil && resp.kind != kindEmpty {
		r.compress.send(r, resp) // in a function of its own, so that resp does not escape here
		return
	}
	r.write(resp)
}

// write sends a rendered Response: headers, status, body.
func (r *Request) write(resp Response) {
	if resp.kind == kindContent {
		r.sendContent(resp)
		return
	}
	for _, f := range resp.header {
		r.outHeader(f.name, f.value, f.add)
	}
	if resp.ctype != "" {
		r.outHeader("Content-Type", resp.ctype, false)
	}
	status := resp.StatusCode()
	switch resp.kind {
	case kindText:
		r.outHead(status, len(resp.text))
		r.outWriteString(resp.text)
	case kindBytes:
		r.outHead(status, len(resp.bytes))
		r.outWrite(resp.bytes)
	case kindStream:
		r.outHead(status, -1)
		if err := resp.stream(r.streamWriter()); err != nil {
			r.app.logger().LogAttrs(r.Context(), slog.LevelError, "stream failed",
				slog.String("method", r.method), slog.String("path", r.Path()), slog.String("err", err.Error()))
			if r.nc != nil {
				r.nc.SetClose()
			}
		}
	default:
		r.outHead(status, 0)
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

// outHeader sets (or adds) a response header.
func (r *Request) outHeader(name, value string, add bool) {
	if r.w != nil {
		if add {
			r.w.Header().Add(name, value)
		} else {
			r.w.Header().Set(name, value)
		}
		return
	}
	if add {
		r.nc.AddHeader(name, value)
	} else {
		r.nc.SetHeader(name, value)
	}
}

// lateHeader sets a header on a response an http.Handler already wrote:
// on the native path it still counts while the engine buffers the head.
func (r *Request) lateHeader(name, value string, add bool) {
	if r.nc == nil {
		r.outHeader(name, value, add)
		return
	}
	if add {
		r.nc.AddHeader(name, value)
	} else {
		r.nc.SetHeader(name, value)
	}
}

// outHead sends the status; n >= 0 declares the body length.
func (r *Request) outHead(status, n int) {
	if r.w != nil {
		if n >= 0 && bodyAllowed(status) {
			r.w.Header().Set("Content-Length", strconv.Itoa(n))
		}
		r.w.WriteHeader(status)
		return
	}
	r.nc.SetStatus(status)
	if n > 0 {
		r.nc.SetContentLength(int64(n))
	}
}

func (r *Request) outWrite(p []byte) {
	if r.w != nil {
		_, _ = r.w.Write(p)
		return
	}
	_, _ = r.nc.Write(p)
}

func (r *Request) outWriteString(s string) {
	if r.w != nil {
		_, _ = io.WriteString(r.w, s)
		return
	}
	_, _ = r.nc.WriteString(s)
}

// streamWriter returns the StreamWriter for a Stream response.
func (r *Request) streamWriter() StreamWriter {
	if r.w != nil {
		return httpStream{r.w}
	}
	return r.nc
}

// httpStream is a StreamWriter over net/http.
type httpStream struct{ w http.ResponseWriter }

// Write writes to the response body.
func (s httpStream) Write(p []byte) (int, error) { return s.w.Write(p) }

// Flush sends what was written so far, through http.ResponseController so
// that wrapped ResponseWriters work too.
func (s httpStream) Flush() error { return http.NewResponseController(s.w).Flush() }

// bodyAllowed reports whether a response with status may carry a body.
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}
