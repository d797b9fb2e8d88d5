package loadtest

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/microframe/microframe/internal/ascii"
)

// Errors about the configuration, returned by Run before any connection is
// made.
var (
	// ErrBadURL means the URL did not parse, was not absolute, or had no host.
	ErrBadURL = errors.New("loadtest: invalid URL")
	// ErrScheme means the URL scheme was neither "http" nor "https":
	// microbench speaks HTTP/1.1, over TCP or TLS.
	ErrScheme = errors.New("loadtest: only http:// and https:// URLs are supported")
	// ErrBadHeaderValue means a configured header name or value contained
	// a byte that would break the request framing (CR, LF, or a name that
	// is not an HTTP token).
	ErrBadHeaderValue = errors.New("loadtest: invalid request header")
	// ErrNoBound means neither Duration nor Requests was set: a run must
	// stop by itself.
	ErrNoBound = errors.New("loadtest: set Duration or Requests so the run stops by itself")
	// ErrBadConfig means a numeric setting was out of range; the wrapping
	// error names it.
	ErrBadConfig = errors.New("loadtest: invalid configuration")
)

// target is a parsed base URL: where to dial and what to put in Host.
type target struct {
	url  *url.URL
	addr string // host:port to dial
	host string // Host header value
	tls  bool   // https
}

func parseTarget(raw string) (target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return target{}, fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		if u.Scheme == "" || u.Host == "" {
			return target{}, fmt.Errorf("%w: %q is not an absolute http:// URL", ErrBadURL, raw)
		}
		return target{}, fmt.Errorf("%w (got %q)", ErrScheme, u.Scheme)
	}
	if u.Hostname() == "" {
		return target{}, fmt.Errorf("%w: %q has no host", ErrBadURL, raw)
	}
	secure := u.Scheme == "https"
	port := u.Port()
	switch {
	case port != "":
	case secure:
		port = "443"
	default:
		port = "80"
	}
	return target{url: u, addr: net.JoinHostPort(u.Hostname(), port), host: u.Host, tls: secure}, nil
}

// resolve turns a step's path (which may carry a query) into an absolute
// URL on the same origin as the base URL.
func (t target) resolve(path string) (*url.URL, error) {
	ref, err := url.Parse(path)
	if err != nil {
		return nil, fmt.Errorf("%w: step path %q: %v", ErrBadURL, path, err)
	}
	u := t.url.ResolveReference(ref)
	if u.Host != t.url.Host || u.Scheme != t.url.Scheme {
		return nil, fmt.Errorf("%w: step path %q leaves the target %s", ErrBadURL, path, t.host)
	}
	return u, nil
}

// appendRequest serialises one HTTP/1.1 request. It writes Host, the given
// headers in sorted order, an extra Cookie header when cookie is not empty,
// and Content-Length when there is a body or the method usually has one.
func appendRequest(dst []byte, method string, u *url.URL, host string, h http.Header, cookie string, body []byte) []byte {
	dst = append(dst, method...)
	dst = append(dst, ' ')
	dst = append(dst, u.RequestURI()...)
	dst = append(dst, " HTTP/1.1\r\nHost: "...)
	dst = append(dst, host...)
	dst = append(dst, "\r\n"...)
	if _, ok := h["User-Agent"]; !ok {
		dst = append(dst, "User-Agent: microbench\r\n"...)
	}
	for _, name := range slices.Sorted(maps.Keys(h)) {
		if strings.EqualFold(name, "Host") || strings.EqualFold(name, "Content-Length") {
			continue
		}
		for _, v := range h[name] {
			dst = append(dst, name...)
			dst = append(dst, ": "...)
			dst = append(dst, v...)
			dst = append(dst, "\r\n"...)
		}
	}
	if cookie != "" {
		dst = append(dst, "Cookie: "...)
		dst = append(dst, cookie...)
		dst = append(dst, "\r\n"...)
	}
	if len(body) > 0 || method == "POST" || method == "PUT" || method == "PATCH" {
		dst = append(dst, "Content-Length: "...)
		dst = strconv.AppendInt(dst, int64(len(body)), 10)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, "\r\n"...)
	return append(dst, body...)
}

// checkRequest rejects a method or headers that would corrupt the framing.
func checkRequest(method string, h http.Header) error {
	if method == "" || !ascii.IsToken(method) {
		return fmt.Errorf("%w: method %q", ErrBadHeaderValue, method)
	}
	for name, values := range h {
		if !ascii.IsToken(name) {
			return fmt.Errorf("%w: header name %q", ErrBadHeaderValue, name)
		}
		for _, v := range values {
			if strings.ContainsAny(v, "\r\n\x00") {
				return fmt.Errorf("%w: value of %s contains CR, LF or NUL", ErrBadHeaderValue, name)
			}
		}
	}
	return nil
}

// ParseHeader parses one "Name: value" line, as given to curl's or wrk's
// -H flag, and adds it to h. It returns ErrBadHeaderValue if the line has
// no colon, the name is not a token, or the value contains CR or LF.
func ParseHeader(h http.Header, line string) error {
	name, value, ok := strings.Cut(line, ":")
	name = strings.TrimSpace(name)
	if !ok || !ascii.IsToken(name) {
		return fmt.Errorf("%w: %q is not \"Name: value\"", ErrBadHeaderValue, line)
	}
	value = strings.TrimSpace(value)
	if strings.ContainsAny(value, "\r\n\x00") {
		return fmt.Errorf("%w: value of %s contains CR, LF or NUL", ErrBadHeaderValue, name)
	}
	h.Add(name, value)
	return nil
}
