package framework

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"net/url"

	"github.com/microframe/microframe/internal/httpbridge"
)

// This file is the bridge to net/http in the other direction: http.Handlers
// and net/http middleware running inside the framework, on either path.

// nativeCtx is the part of *conn.Ctx the framework uses: what the bridge
// to net/http needs, plus SetContentLength. Naming it as an interface keeps
// the framework honest about what it needs from the engine, and lets tests
// drive the native path without a socket.
type nativeCtx interface {
	httpbridge.Ctx
	SetContentLength(n int64)
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
	hr, err := httpbridge.NewRequest(r.nc, r.Context())
	if err != nil {
		// A target url.ParseRequestURI refuses but the router accepted:
		// keep what the Request itself knows.
		u := &url.URL{Path: r.Path(), RawQuery: r.RawQuery()}
		hr = &http.Request{Method: r.method, URL: u, Proto: r.Proto(), ProtoMajor: 1, ProtoMinor: r.pr.ProtoMinor,
			Header: r.Headers(), Body: http.NoBody, ContentLength: r.pr.ContentLength, Host: r.Host(),
			RemoteAddr: r.RemoteAddr(), RequestURI: string(r.pr.Target), TLS: r.nc.TLS(), Close: !r.pr.KeepAlive}
		hr = hr.WithContext(r.Context())
	}
	if hr.Body != http.NoBody {
		hr.Body = &bodyReader{r: r} // replayable, and bounded by MaxBodyBytes
	}
	for i := 0; i < r.params.Len(); i++ {
		name, value := r.params.At(i)
		hr.SetPathValue(name, decodePath(value))
	}
	r.httpReq = hr
	return r.httpReq
}

// responseWriter returns the http.ResponseWriter for r: net/http's own, or
// the bridge's over the native connection.
func (r *Request) responseWriter() http.ResponseWriter {
	if r.w != nil {
		return r.w
	}
	return r.nativeWriter()
}

// nativeWriter returns the bridge's ResponseWriter over r.nc, set up on
// first use in this request.
func (r *Request) nativeWriter() *httpbridge.ResponseWriter {
	if !r.rwOn {
		r.rwOn = true
		r.rw.Reset(r.nc)
	}
	return &r.rw
}

// finishNative completes a response that an http.Handler wrote through
// the bridge's writer (a 200 for one that wrote nothing); on the net/http
// path, or when the bridge was not used, it does nothing.
func (r *Request) finishNative() {
	if r.w == nil && r.rwOn {
		r.rw.Finish()
	}
}

// serveHTTP runs h with the net/http view of r and returns a Response
// that records what h wrote (status, headers, body bytes), for the
// middleware around it to see.
func (r *Request) serveHTTP(h http.Handler, hr *http.Request) Response {
	if r.w != nil {
		ow := &observedWriter{ResponseWriter: r.w}
		h.ServeHTTP(ow, hr)
		return written(ow.status, ow.Header(), ow.n)
	}
	w := r.nativeWriter()
	h.ServeHTTP(w, hr)
	w.Finish()
	return written(w.Status(), w.Header(), w.Written())
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
			return r.serveHTTP(r.compress.handler(h), hr)
		}
		return r.serveHTTP(h, hr)
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
// handlers return is sent from inside it; the middleware before it in the
// chain see a Response that records what was written: its StatusCode,
// Header and BytesWritten.
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
			return r.serveHTTP(h, hr)
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

// observedWriter passes everything on to net/http's ResponseWriter and
// records the status and the number of body bytes. Unwrap lets
// http.ResponseController reach the methods underneath (Flush, Hijack,
// deadlines).
type observedWriter struct {
	http.ResponseWriter
	status int
	n      int64
}

// WriteHeader records the first status and passes it on.
func (w *observedWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write passes p on, counting it.
func (w *observedWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.n += int64(n)
	return n, err
}

// Flush passes the flush on.
func (w *observedWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack passes the hijack on.
func (w *observedWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap returns net/http's ResponseWriter.
func (w *observedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
