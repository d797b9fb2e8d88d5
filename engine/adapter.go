package engine

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/microframe/microframe/conn"
	"github.com/microframe/microframe/parse"
)

// Adapt returns a Handler that serves h, the way net/http.Server would: h
// gets a fresh *http.Request (Body streams the decoded body; its Context is
// the connection's) and an http.ResponseWriter that also implements
// http.Flusher. Content-Type is sniffed when h does not set one, as
// net/http does. Response trailers, 1xx responses other than the automatic
// 100 Continue, and Hijack are not supported.
//
// This is the compatibility path: it allocates what net/http allocates (the
// request, its URL and Header map). Native handlers avoid that.
func Adapt(h http.Handler) Handler { return &httpAdapter{h: h} }

type httpAdapter struct{ h http.Handler }

// responseWriter carries an http.Handler's response into a *Ctx.
type responseWriter struct {
	x           *Ctx
	header      http.Header
	wroteHeader bool
}

var rwPool = sync.Pool{New: func() any { return new(responseWriter) }}

// ServeCtx implements Handler.
func (a *httpAdapter) ServeCtx(x *Ctx) {
	req, err := newHTTPRequest(x)
	if err != nil {
		x.SetStatus(http.StatusBadRequest)
		x.SetContentType("text/plain; charset=utf-8")
		x.WriteString("invalid request target\n")
		return
	}
	w := rwPool.Get().(*responseWriter)
	*w = responseWriter{x: x, header: make(http.Header)}
	defer func() {
		w.x = nil
		w.header = nil
		rwPool.Put(w)
	}()
	a.h.ServeHTTP(w, req)
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
}

// newHTTPRequest builds the net/http view of the request.
func newHTTPRequest(x *Ctx) (*http.Request, error) {
	pr := x.Request()
	target := string(pr.Target)
	var u *url.URL
	var err error
	if string(pr.Method) == "CONNECT" && !strings.HasPrefix(target, "/") {
		u = &url.URL{Host: target}
	} else if u, err = url.ParseRequestURI(target); err != nil {
		return nil, err
	}
	hdr := make(http.Header, len(pr.Headers))
	for _, h := range pr.Headers {
		k := canonicalKey(h.Name)
		hdr[k] = append(hdr[k], string(h.Value))
	}
	req := &http.Request{
		Method:        pr.MethodString(),
		URL:           u,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    pr.ProtoMinor,
		Header:        hdr,
		ContentLength: pr.ContentLength,
		Close:         !pr.KeepAlive,
		Host:          string(pr.Host),
		RemoteAddr:    x.RemoteAddr().String(),
		RequestURI:    target,
		TLS:           x.TLS(),
	}
	if pr.ProtoMinor == 0 {
		req.Proto = "HTTP/1.0"
	}
	switch pr.Framing {
	case parse.NoBody:
		req.Body = http.NoBody
	case parse.Chunked:
		req.TransferEncoding = []string{"chunked"}
		req.Body = bodyCloser{x.Body()}
	default:
		if pr.ContentLength == 0 {
			req.Body = http.NoBody
		} else {
			req.Body = bodyCloser{x.Body()}
		}
	}
	return req.WithContext(x.Context()), nil
}

type bodyCloser struct{ io.Reader }

func (bodyCloser) Close() error { return nil }

// commonKeys interns the canonical form of frequent header names.
var commonKeys = func() map[string]string {
	m := make(map[string]string)
	for _, k := range []string{"Accept", "Accept-Encoding", "Accept-Language", "Authorization", "Cache-Control",
		"Connection", "Content-Length", "Content-Type", "Cookie", "Expect", "Host", "If-Modified-Since",
		"If-None-Match", "Origin", "Referer", "Transfer-Encoding", "Upgrade", "User-Agent", "X-Forwarded-For",
		"X-Request-Id"} {
		m[k] = k
		m[strings.ToLower(k)] = k
	}
	return m
}()

func canonicalKey(name []byte) string {
	if k, ok := commonKeys[string(name)]; ok {
		return k
	}
	return http.CanonicalHeaderKey(string(name))
}

// Header implements http.ResponseWriter.
func (w *responseWriter) Header() http.Header { return w.header }

// WriteHeader implements http.ResponseWriter: it copies the header map into
// the response. Informational codes (1xx) are ignored.
func (w *responseWriter) WriteHeader(code int) {
	if w.wroteHeader || code < 200 {
		return
	}
	w.wroteHeader = true
	x := w.x
	x.SetStatus(code)
	for k, vs := range w.header {
		for _, v := range vs {
			x.AddHeader(k, v)
		}
	}
}

// Write implements http.ResponseWriter.
func (w *responseWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		if _, ok := w.header["Content-Type"]; !ok && len(p) > 0 && w.header.Get("Content-Encoding") == "" {
			w.header.Set("Content-Type", http.DetectContentType(p))
		}
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.x.Write(p)
	if err == conn.ErrBodyNotAllowed {
		err = http.ErrBodyNotAllowed
	}
	return n, err
}

// WriteString implements io.StringWriter.
func (w *responseWriter) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

// Flush implements http.Flusher.
func (w *responseWriter) Flush() { w.FlushError() }

// FlushError sends what was written so far (used by http.ResponseController).
func (w *responseWriter) FlushError() error {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.x.Flush()
}

var _ http.Flusher = (*responseWriter)(nil)
