package framework

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/microframe/microframe/conn"
	"github.com/microframe/microframe/internal/httpbridge"
	"github.com/microframe/microframe/parse"
)

// The engine's native path: the request as the parser left it in the
// connection's buffer, decoded lazily, and the response written straight
// into the connection. Nothing here builds an *http.Request unless a
// handler asks for one.

// nativeCtx is the part of *conn.Ctx the framework uses: what the
// bridge to net/http needs, plus SetContentLength. Naming it as an
// interface keeps the framework honest about what it needs from the
// engine, and lets tests drive the native path without a socket.
type nativeCtx interface {
	httpbridge.Ctx
	SetContentLength(n int64)
}

// ServeCtx answers a request on the engine's native path, without building
// an *http.Request.
func (a *App) ServeCtx(c *conn.Ctx) {
	a.serveNative(c)
}

// serveNative is ServeCtx over the interface a *conn.Ctx satisfies, so
// tests can drive it directly.
func (a *App) serveNative(c nativeCtx) {
	a.once.Do(a.build)
	r := a.get()
	r.native.nc, r.native.pr = c, c.Request()
	r.base = &r.native
	// newView's work, without copying a view: r's is zero after put.
	r.t, r.method, r.rawPath = r.base, r.native.pr.MethodString(), unsafeString(r.native.pr.Path)
	a.serve(r)
}

// nativeTransport is the transport of a request served by the engine.
type nativeTransport struct {
	nc  nativeCtx
	pr  *parse.Request
	hdr http.Header // built by headers on first use

	rw   httpbridge.ResponseWriter // the http.ResponseWriter over nc
	rwOn bool                      // rw was reset for this request
}

// reset empties t for the next request, keeping rw's header map.
func (t *nativeTransport) reset() {
	if t.rwOn {
		t.rw.Reset(nil)
	}
	t.nc, t.pr, t.hdr, t.rwOn = nil, nil, nil, false
}

func (t *nativeTransport) method() string { return t.pr.MethodString() }

// rawPath is a view of the connection's buffer: copying it would cost an
// allocation per request. That is safe because the view never leaves the
// framework: Path, RawPath and Param all return copies, and the Request
// is reset before the buffer is reused.
func (t *nativeTransport) rawPath() string   { return unsafeString(t.pr.Path) }
func (t *nativeTransport) path() string      { return decodePath(unsafeString(t.pr.Path)) }
func (t *nativeTransport) rawQuery() string  { return string(t.pr.RawQuery) }
func (t *nativeTransport) queryView() string { return unsafeString(t.pr.RawQuery) }
func (t *nativeTransport) host() string      { return string(t.pr.Host) }

func (t *nativeTransport) url() *url.URL {
	u := &url.URL{Path: t.path(), RawQuery: t.rawQuery(), Host: t.host(), Scheme: "http"}
	if raw := string(t.pr.Path); raw != u.Path {
		u.RawPath = raw
	}
	if t.nc.TLS() != nil {
		u.Scheme = "https"
	}
	return u
}

func (t *nativeTransport) proto() string {
	if t.pr.ProtoMinor == 0 {
		return "HTTP/1.0"
	}
	return "HTTP/1.1"
}

func (t *nativeTransport) header(name string) string { return string(t.pr.Header(name)) }

func (t *nativeTransport) headerValues(name string) []string {
	var vs []string
	for _, h := range t.pr.Headers {
		if len(h.Name) == len(name) && strings.EqualFold(unsafeString(h.Name), name) {
			vs = append(vs, string(h.Value))
		}
	}
	return vs
}

func (t *nativeTransport) headers() http.Header {
	if t.hdr == nil {
		t.hdr = make(http.Header, len(t.pr.Headers))
		for _, h := range t.pr.Headers {
			name := http.CanonicalHeaderKey(string(h.Name))
			if name == "Host" {
				continue
			}
			t.hdr[name] = append(t.hdr[name], string(h.Value))
		}
	}
	return t.hdr
}

func (t *nativeTransport) contentLength() int64 { return t.pr.ContentLength }
func (t *nativeTransport) contentType() string  { return string(t.pr.ContentType) }

func (t *nativeTransport) remoteAddr() string {
	if a := t.nc.RemoteAddr(); a != nil {
		return a.String()
	}
	return ""
}

func (t *nativeTransport) localAddr() net.Addr       { return t.nc.LocalAddr() }
func (t *nativeTransport) tls() *tls.ConnectionState { return t.nc.TLS() }
func (t *nativeTransport) context() context.Context  { return t.nc.Context() }
func (t *nativeTransport) requestURI() string        { return string(t.pr.Target) }

// cookieLines passes views of the connection's buffer.
func (t *nativeTransport) cookieLines(fn func(string) bool) {
	for _, h := range t.pr.Headers {
		if len(h.Name) == 6 && strings.EqualFold(unsafeString(h.Name), "Cookie") {
			if !fn(unsafeString(h.Value)) {
				return
			}
		}
	}
}

func (t *nativeTransport) body() io.Reader {
	if t.pr.Framing == parse.NoBody || t.pr.ContentLength == 0 {
		return nil
	}
	return t.nc.Body()
}

// httpRequest builds the request net/http would have built (package
// httpbridge), with r's context.
func (t *nativeTransport) httpRequest(r *Request) *http.Request {
	hr, err := httpbridge.NewRequest(t.nc, r.Context())
	if err != nil {
		// A target url.ParseRequestURI refuses but the router accepted:
		// keep what the Request itself knows.
		hr = &http.Request{Method: r.method, URL: &url.URL{Path: r.Path(), RawQuery: t.rawQuery()},
			Proto: t.proto(), ProtoMajor: 1, ProtoMinor: t.pr.ProtoMinor, Header: t.headers(),
			ContentLength: t.pr.ContentLength, Host: t.host(), RemoteAddr: t.remoteAddr(),
			RequestURI: t.requestURI(), TLS: t.nc.TLS(), Close: !t.pr.KeepAlive}
		hr = hr.WithContext(r.Context())
	}
	return hr
}

func (t *nativeTransport) setHeader(name, value string, add bool) {
	if add {
		t.nc.AddHeader(name, value)
	} else {
		t.nc.SetHeader(name, value)
	}
}

func (t *nativeTransport) head(status, n int) {
	t.nc.SetStatus(status)
	if n > 0 {
		t.nc.SetContentLength(int64(n))
	}
}

func (t *nativeTransport) write(p []byte)       { _, _ = t.nc.Write(p) }
func (t *nativeTransport) writeString(s string) { _, _ = t.nc.WriteString(s) }
func (t *nativeTransport) stream() StreamWriter { return t.nc }
func (t *nativeTransport) abort()               { t.nc.SetClose() }

// responseWriter returns the bridge's ResponseWriter over nc, set up on
// first use in this request.
func (t *nativeTransport) responseWriter() http.ResponseWriter {
	if !t.rwOn {
		t.rwOn = true
		t.rw.Reset(t.nc)
	}
	return &t.rw
}

// finish completes a response an http.Handler wrote through
// responseWriter (a 200 for one that wrote nothing).
func (t *nativeTransport) finish() {
	if t.rwOn {
		t.rw.Finish()
	}
}

func (t *nativeTransport) serveHTTP(h http.Handler, hr *http.Request) Response {
	w := t.responseWriter().(*httpbridge.ResponseWriter)
	h.ServeHTTP(w, hr)
	w.Finish()
	return written(w.Status(), w.Header(), w.Written())
}
