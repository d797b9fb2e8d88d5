package framework

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/url"

	"github.com/microframe/microframe/parse"
)

// This file is the bridge to net/http in the other direction: http.Handlers
// and net/http middleware running inside the framework, on either path.

// nativeCtx is the part of *conn.Ctx the framework uses. Naming it as an
// interface keeps the framework honest about what it needs from the engine,
// and lets tests drive the native path without a socket.
type nativeCtx interface {
	Request() *parse.Request
	Body() io.Reader
	RemoteAddr() net.Addr
	LocalAddr() net.Addr
	TLS() *tls.ConnectionState
	Context() context.Context
	SetStatus(code int)
	SetHeader(name, value string)
	AddHeader(name, value string)
	SetContentLength(n int64)
	Write(p []byte) (int, error)
	WriteString(s string) (int, error)
	Flush() error
	SetClose()
}

// HTTPRequest returns the request as an *http.Request, for code written
// against net/http. Through net/http it is the original request (with the
// context of SetContext, if any). On the native path it is built on the
// first call: URL, headers, a body that reads like Body (replayable),
// context, remote address, TLS state, and the path parameters for
// r.PathValue. Changes made to it do not flow back into the Request.
func (r *Request) HTTPRequest() *http.Request {
	if r.httpReq != nil {
		return r.httpReq
	}
	if r.hr != nil {
		r.httpReq = r.hr
		if ctx := r.Context(); ctx != r.hr.Context() {
			r.httpReq = r.hr.WithContext(ctx)
		}
		return r.httpReq
	}
	pr := r.pr
	u := &url.URL{Path: r.Path(), RawQuery: r.RawQuery()}
	if raw := r.RawPath(); raw != u.Path {
		u.RawPath = raw
	}
	hr := &http.Request{
		Method:        r.method,
		URL:           u,
		Proto:         r.Proto(),
		ProtoMajor:    1,
		ProtoMinor:    pr.ProtoMinor,
		Header:        r.Headers(),
		Body:          http.NoBody,
		ContentLength: pr.ContentLength,
		Host:          r.Host(),
		RemoteAddr:    r.RemoteAddr(),
		RequestURI:    string(pr.Target),
		TLS:           r.nc.TLS(),
		Close:         !pr.KeepAlive,
	}
	if pr.Framing != parse.NoBody {
		hr.Body = &bodyReader{r: r}
	}
	if pr.Framing == parse.Chunked {
		hr.TransferEncoding = []string{"chunked"}
	}
	for i := 0; i < r.params.Len(); i++ {
		name, value := r.params.At(i)
		hr.SetPathValue(name, decodePath(value))
	}
	r.httpReq = hr.WithContext(r.Context())
	return r.httpReq
}

// responseWriter returns the http.ResponseWriter for r: net/http's own, or
// one over the native connection.
func (r *Request) responseWriter() http.ResponseWriter {
	if r.w != nil {
		return r.w
	}
	r.rw.nc = r.nc
	return &r.rw
}

// fromHTTPHandler adapts an http.Handler to a Handler.
func fromHTTPHandler(h http.Handler) Handler {
	return func(r *Request) Response {
		hr := r.HTTPRequest()
		for i := 0; i < r.params.Len(); i++ {
			name, value := r.params.At(i)
			hr.SetPathValue(name, decodePath(value))
		}
		if r.compress != nil {
			r.compress.handler(h).ServeHTTP(r.responseWriter(), hr)
		} else {
			h.ServeHTTP(r.responseWriter(), hr)
		}
		r.rw.finish()
		return written()
	}
}

type requestKey struct{}

// FromHTTP turns net/http middleware (func(http.Handler) http.Handler, the
// shape of most third-party middleware) into a Middleware. The middleware
// sees an *http.Request and an http.ResponseWriter (on the native path,
// ones built for it); what it changes (the context, headers, the URL path,
// the body, a wrapped ResponseWriter) is what the handlers after it see and
// write to.
//
// Such a middleware writes the response itself, so the Response the inner
// handlers return is sent from inside it, and the middleware before it in
// the chain see an empty Response: place FromHTTP middleware innermost
// when an outer middleware needs the real status.
func FromHTTP(mw func(http.Handler) http.Handler) Middleware {
	return func(next Handler) Handler {
		inner := http.HandlerFunc(func(w http.ResponseWriter, hr *http.Request) {
			r, _ := hr.Context().Value(requestKey{}).(*Request)
			if r == nil {
				http.Error(w, "framework: FromHTTP middleware replaced the request context", http.StatusInternalServerError)
				return
			}
			r.adopt(w, hr)
			r.app.send(r, next(r))
		})
		h := mw(inner)
		return func(r *Request) Response {
			hr := r.HTTPRequest()
			hr = hr.WithContext(context.WithValue(hr.Context(), requestKey{}, r))
			h.ServeHTTP(r.responseWriter(), hr)
			r.rw.finish()
			return written()
		}
	}
}

// adopt makes r read from hr and write to w, the request and writer a
// net/http middleware passed on, from now on.
func (r *Request) adopt(w http.ResponseWriter, hr *http.Request) {
	if br, ok := hr.Body.(*bodyReader); ok && br.r == r {
		if !r.body.open { // fix the source now: later it would be hr.Body, that is, r itself
			r.body.open = true
			r.body.src = r.bodySource()
		}
	} else if hr.Body != nil {
		r.body.reset()
		r.body.open, r.body.src = true, hr.Body
		r.form.reset()
	}
	r.hr, r.w, r.httpReq, r.ctx = hr, w, hr, nil
	r.method = hr.Method
	r.rawPath = hr.URL.EscapedPath()
	r.path = hr.URL.Path
	r.query, r.queryErr, r.queryDone = nil, nil, false
	r.header = nil
}

// ctxResponseWriter is an http.ResponseWriter over the native path. Like
// net/http's, it sends the status and the headers set so far with the
// first Write or Flush (or when the handler returns), sniffing a
// Content-Type from the first bytes when none was set; header changes
// after that are ignored.
type ctxResponseWriter struct {
	nc     nativeCtx
	h      http.Header
	status int  // from WriteHeader, 0 before
	sent   bool // the status and headers went to nc
}

func (w *ctxResponseWriter) reset() {
	clear(w.h)
	w.nc, w.status, w.sent = nil, 0, false
}

// Header returns the header map that will be sent.
func (w *ctxResponseWriter) Header() http.Header {
	if w.h == nil {
		w.h = make(http.Header)
	}
	return w.h
}

// WriteHeader records the status; the first call wins.
func (w *ctxResponseWriter) WriteHeader(code int) {
	if w.status != 0 || code < 200 {
		return // informational responses are the engine's business
	}
	w.status = code
}

// send passes the status and headers to the connection, once; p is the
// first body bytes, for sniffing.
func (w *ctxResponseWriter) send(p []byte) {
	if w.sent {
		return
	}
	w.sent = true
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if _, ok := w.h["Content-Type"]; !ok && len(p) > 0 && bodyAllowed(w.status) {
		w.Header().Set("Content-Type", http.DetectContentType(p))
	}
	for name, values := range w.h {
		for _, v := range values {
			w.nc.AddHeader(name, v)
		}
	}
	w.nc.SetStatus(w.status)
}

// Write sends the head if needed, then p.
func (w *ctxResponseWriter) Write(p []byte) (int, error) {
	w.send(p)
	return w.nc.Write(p)
}

// WriteString is Write for a string.
func (w *ctxResponseWriter) WriteString(s string) (int, error) {
	if !w.sent {
		return w.Write([]byte(s))
	}
	return w.nc.WriteString(s)
}

// Flush sends what was written so far; for http.Flusher.
func (w *ctxResponseWriter) Flush() { _ = w.FlushError() }

// FlushError is Flush with its error; http.ResponseController uses it.
func (w *ctxResponseWriter) FlushError() error {
	w.send(nil)
	return w.nc.Flush()
}

// finish sends the head of a handler that wrote no body.
func (w *ctxResponseWriter) finish() {
	if w.nc != nil {
		w.send(nil)
	}
}
