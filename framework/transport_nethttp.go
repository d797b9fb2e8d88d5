package framework

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
)

// net/http's path: the request net/http's server built (or a FromHTTP
// middleware passed on) and its http.ResponseWriter.

// ServeHTTP answers a request that came through net/http.
func (a *App) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	a.once.Do(a.build)
	r := a.get()
	r.nethttp = httpTransport{hr: hr, w: w}
	r.base = &r.nethttp
	// newView's work, without copying a view: r's is zero after put.
	r.t, r.method, r.rawPath = r.base, hr.Method, hr.URL.EscapedPath()
	r.httpReqs = append(r.httpReqs, hr)
	a.serve(r)
}

// httpTransport is the transport of a request from net/http.
type httpTransport struct {
	hr *http.Request
	w  http.ResponseWriter
}

func (t *httpTransport) method() string         { return t.hr.Method }
func (t *httpTransport) rawPath() string        { return t.hr.URL.EscapedPath() }
func (t *httpTransport) path() string           { return t.hr.URL.Path }
func (t *httpTransport) rawQuery() string       { return t.hr.URL.RawQuery }
func (t *httpTransport) queryView() string      { return t.hr.URL.RawQuery }
func (t *httpTransport) host() string           { return t.hr.Host }
func (t *httpTransport) proto() string          { return t.hr.Proto }
func (t *httpTransport) url() *url.URL          { u := *t.hr.URL; return &u }
func (t *httpTransport) header(n string) string { return t.hr.Header.Get(n) }

func (t *httpTransport) headerValues(name string) []string { return t.hr.Header.Values(name) }
func (t *httpTransport) headers() http.Header              { return t.hr.Header }
func (t *httpTransport) contentLength() int64              { return t.hr.ContentLength }
func (t *httpTransport) contentType() string               { return t.hr.Header.Get("Content-Type") }
func (t *httpTransport) remoteAddr() string                { return t.hr.RemoteAddr }
func (t *httpTransport) tls() *tls.ConnectionState         { return t.hr.TLS }
func (t *httpTransport) context() context.Context          { return t.hr.Context() }

func (t *httpTransport) localAddr() net.Addr {
	a, _ := t.hr.Context().Value(http.LocalAddrContextKey).(net.Addr)
	return a
}

func (t *httpTransport) requestURI() string {
	if t.hr.RequestURI != "" {
		return t.hr.RequestURI
	}
	return t.hr.URL.RequestURI()
}

func (t *httpTransport) cookieLines(fn func(string) bool) {
	for _, line := range t.hr.Header["Cookie"] {
		if !fn(line) {
			return
		}
	}
}

func (t *httpTransport) body() io.Reader {
	if t.hr.Body == nil || t.hr.Body == http.NoBody {
		return nil
	}
	return t.hr.Body
}

// httpRequest returns a shallow copy of the request, with r's context.
func (t *httpTransport) httpRequest(r *Request) *http.Request { return t.hr.WithContext(r.Context()) }

func (t *httpTransport) setHeader(name, value string, add bool) {
	if add {
		t.w.Header().Add(name, value)
	} else {
		t.w.Header().Set(name, value)
	}
}

func (t *httpTransport) head(status, n int) {
	if n >= 0 && bodyAllowed(status) {
		t.w.Header().Set("Content-Length", strconv.Itoa(n))
	}
	t.w.WriteHeader(status)
}

func (t *httpTransport) write(p []byte)                      { _, _ = t.w.Write(p) }
func (t *httpTransport) writeString(s string)                { _, _ = io.WriteString(t.w, s) }
func (t *httpTransport) stream() StreamWriter                { return httpStream{t.w} }
func (t *httpTransport) responseWriter() http.ResponseWriter { return t.w }
func (t *httpTransport) finish()                             {}
func (t *httpTransport) abort()                              {}

func (t *httpTransport) serveHTTP(h http.Handler, hr *http.Request) Response {
	ow := &observedWriter{ResponseWriter: t.w}
	h.ServeHTTP(ow, hr)
	return written(ow.status, ow.Header(), ow.n)
}

// httpStream is a StreamWriter over net/http.
type httpStream struct{ w http.ResponseWriter }

// Write writes to the response body.
func (s httpStream) Write(p []byte) (int, error) { return s.w.Write(p) }

// Flush sends what was written so far, through http.ResponseController so
// that wrapped ResponseWriters work too.
func (s httpStream) Flush() error { return http.NewResponseController(s.w).Flush() }

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
