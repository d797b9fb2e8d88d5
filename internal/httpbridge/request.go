// Package httpbridge is the one bridge between the engine's native request
// (a *conn.Ctx, or anything with the same methods) and net/http: it builds
// the *http.Request net/http's own server would build for the same bytes,
// and provides the http.ResponseWriter that writes into the native
// response. engine.Adapt and the framework both use it, so an http.Handler
// sees the same request on either path.
package httpbridge

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/microframe/microframe/internal/ascii"
	"github.com/microframe/microframe/parse"
)

// Ctx is what the bridge needs of a native request and its response. A
// *conn.Ctx implements it.
type Ctx interface {
	Request() *parse.Request
	Body() io.Reader
	RemoteAddr() net.Addr
	LocalAddr() net.Addr
	TLS() *tls.ConnectionState
	Context() context.Context
	SetStatus(code int)
	SetHeader(name, value string)
	AddHeader(name, value string)
	Write(p []byte) (int, error)
	WriteString(s string) (int, error)
	Flush() error
	SetClose()
}

// Hijacker is the optional part of a Ctx that can hand its connection over
// (http.Hijacker on the ResponseWriter).
type Hijacker interface {
	Hijack() (net.Conn, *bufio.ReadWriter, error)
}

// DeadlineSetter is the optional part of a Ctx that moves the connection's
// deadlines (http.ResponseController's SetReadDeadline and
// SetWriteDeadline).
type DeadlineSetter interface {
	SetReadDeadline(t time.Time) error
	SetWriteDeadline(t time.Time) error
}

// NewRequest returns the *http.Request that net/http's server builds for
// the request x holds: Method, URL (from the request-target; for CONNECT
// with an authority, only Host is set), Proto, Header (canonical keys,
// without Host; for a chunked body without Transfer-Encoding and
// Content-Length, and with Trailer moved to the Trailer field; Pragma:
// no-cache implies Cache-Control: no-cache), Host (the target's authority,
// else the Host header), ContentLength (-1 for chunked), TransferEncoding,
// Close, RequestURI, RemoteAddr, TLS, and a Body reading x.Body (http.NoBody
// when there is none). Its context is ctx.
//
// It fails only when the request-target is not a valid URL, which the
// caller answers with 400 as net/http does.
func NewRequest(x Ctx, ctx context.Context) (*http.Request, error) {
	pr := x.Request()
	target := string(pr.Target)
	var u *url.URL
	var err error
	if string(pr.Method) == http.MethodConnect && !strings.HasPrefix(target, "/") {
		if u, err = url.ParseRequestURI("http://" + target); err == nil {
			u.Scheme = ""
		}
	} else {
		u, err = url.ParseRequestURI(target)
	}
	if err != nil {
		return nil, err
	}
	hdr := make(http.Header, len(pr.Headers))
	for _, h := range pr.Headers {
		k := CanonicalKey(h.Name)
		hdr[k] = append(hdr[k], string(h.Value))
	}
	host := u.Host
	if host == "" {
		if hs := hdr["Host"]; len(hs) > 0 {
			host = hs[0]
		}
	}
	delete(hdr, "Host")
	if hp := hdr["Pragma"]; len(hp) > 0 && hp[0] == "no-cache" {
		if _, ok := hdr["Cache-Control"]; !ok {
			hdr["Cache-Control"] = []string{"no-cache"}
		}
	}
	proto := "HTTP/1.1"
	if pr.ProtoMinor == 0 {
		proto = "HTTP/1.0"
	}
	req := &http.Request{
		Method:        pr.MethodString(),
		URL:           u,
		Proto:         proto,
		ProtoMajor:    1,
		ProtoMinor:    pr.ProtoMinor,
		Header:        hdr,
		Body:          http.NoBody,
		ContentLength: pr.ContentLength,
		Close:         !pr.KeepAlive,
		Host:          host,
		RemoteAddr:    addrString(x.RemoteAddr()),
		RequestURI:    target,
		TLS:           x.TLS(),
	}
	switch {
	case pr.Framing == parse.Chunked:
		req.TransferEncoding = []string{"chunked"}
		delete(hdr, "Transfer-Encoding")
		delete(hdr, "Content-Length")
		req.Trailer = declaredTrailer(hdr)
		req.Body = body{x.Body()}
	case pr.Framing == parse.Length && pr.ContentLength > 0:
		req.Body = body{x.Body()}
	}
	return req.WithContext(ctx), nil
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}

// declaredTrailer moves the Trailer header of a chunked request into the
// keys of a new map, as net/http does; the values stay nil (the engine
// does not pass trailer values on).
func declaredTrailer(hdr http.Header) http.Header {
	vs, ok := hdr["Trailer"]
	if !ok {
		return nil
	}
	delete(hdr, "Trailer")
	t := make(http.Header)
	for _, v := range vs {
		for more := true; more; {
			var k string
			k, v, more = ascii.CutElement(v)
			if k != "" {
				t[http.CanonicalHeaderKey(k)] = nil
			}
		}
	}
	return t
}

// body is an http.Request Body over the native body reader; Close leaves
// the rest to the engine, which drains or closes after the handler.
type body struct{ io.Reader }

func (body) Close() error { return nil }

// commonKeys interns the canonical form of frequent header names, in both
// canonical and lower case.
var commonKeys = func() map[string]string {
	m := make(map[string]string)
	for _, k := range []string{"Accept", "Accept-Encoding", "Accept-Language", "Authorization", "Cache-Control",
		"Connection", "Content-Length", "Content-Type", "Cookie", "Expect", "Host", "If-Modified-Since",
		"If-None-Match", "Origin", "Pragma", "Referer", "Sec-Websocket-Key", "Sec-Websocket-Version",
		"Transfer-Encoding", "Upgrade", "User-Agent", "X-Forwarded-For", "X-Request-Id"} {
		m[k] = k
		m[strings.ToLower(k)] = k
	}
	return m
}()

// CanonicalKey returns the canonical form of a header name, as
// http.CanonicalHeaderKey, without allocating for common names.
func CanonicalKey(name []byte) string {
	if k, ok := commonKeys[string(name)]; ok {
		return k
	}
	return http.CanonicalHeaderKey(string(name))
}
