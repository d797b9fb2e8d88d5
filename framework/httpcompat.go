package framework

import (
	"bufio"
	"context"
	"io"
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
// against net/http. Through net/http it is a shallow copy of the original
// request (with the context of SetContext, if any); on the native path it
// is built on the first call: URL, headers, context, remote address, TLS
// state, and the path parameters for r.PathValue. Either way its Body
// reads like Body: replayable, and bounded by App.MaxBodyBytes. Changes
// made to it do not flow back into the Request, except through FromHTTP.
func (r *Request) HTTPRequest() *http.Request {
	if r.httpReq != nil {
		return r.httpReq
	}
	var hr *http.Request
	if r.hr != nil {
		hr = r.hr.WithContext(r.Context())
	} else {
		var err error
		if hr, err = httpbridge.NewRequest(r.nc, r.Context()); err != nil {
			// A target url.ParseRequestURI refuses but the router accepted:
			// keep what the Request itself knows.
			u := &url.URL{Path: r.Path(), RawQuery: r.RawQuery()}
			hr = &http.Request{Method: r.method, URL: u, Proto: r.Proto(), ProtoMajor: 1, ProtoMinor: r.pr.ProtoMinor,
				Header: r.Headers(), ContentLength: r.pr.ContentLength, Host: r.Host(),
				RemoteAddr: r.RemoteAddr(), RequestURI: string(r.pr.Target), TLS: r.nc.TLS(), Close: !r.pr.KeepAlive}
			hr = hr.WithContext(r.Context())
		}
	}
	r.giveBody(hr)
	for i := 0; i < r.params.Len(); i++ {
		name, value := r.params.At(i)
		hr.SetPathValue(name, decodePath(value))
	}
	r.httpReq = hr
	return r.httpReq
}

// giveBody sets the Body of hr, a request made for r, to a reader of the
// body the handlers now see (http.NoBody when it is known to be empty),
// and remembers it, so that adopt can tell whether middleware replaced it.
// The request's own body is opened first: after adopt, the transport's
// request is hr, whose Body reads that body.
func (r *Request) giveBody(hr *http.Request) {
	b := r.curBody()
	if b == &r.body {
		r.openBody()
	}
	if b.err == io.EOF && b.size() == 0 {
		hr.Body = http.NoBody
	} else {
		hr.Body = &bodyReader{r: r, b: b}
	}
	r.given = hr.Body
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
// A Body the middleware wraps or replaces (otelhttp's byte counter,
// http.MaxBytesReader, a logging reader) is what Request.Body and the
// handlers after it read, through the replacement, on every path; a read
// past an http.MaxBytesReader's limit is ErrBodyTooLarge (413). The Body
// the middleware receives is replayable like Request.Body: one that reads
// it all and passes the request on leaves every byte for the next.
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
// net/http middleware passed on, from now on. A Body other than the one r
// gave it is the middleware's replacement (a wrapper, or a body of its
// own): the handlers after it read through it (see replaceBody), and so
// does the next net/http middleware, through a copy of hr. A body passed
// on as it was given but already read (by a middleware that checked it)
// starts again at its first byte for the next one, like Body.
func (r *Request) adopt(w http.ResponseWriter, hr *http.Request) {
	br, ours := hr.Body.(*bodyReader)
	ours = ours && br.r == r
	switch {
	case hr.Body == r.given && (!ours || br.off == 0):
	case ours: // r's own, put back or read already
		if br.b != r.curBody() {
			r.layers = append(r.layers, br.b)
			r.form.reset()
		}
		hr = hr.WithContext(hr.Context())
		r.giveBody(hr)
	default:
		r.replaceBody(hr.Body)
		hr = hr.WithContext(hr.Context())
		r.giveBody(hr)
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
