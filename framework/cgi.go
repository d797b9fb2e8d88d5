package framework

import (
	"net"
	"strconv"
	"strings"
)

// CGI (RFC 3875) is how web servers first handed a request to a program:
// as environment variables, one per piece of the request, with every
// header turned into an HTTP_* variable. Env presents a Request that way,
// for code written against that interface and for learning what a request
// is made of.

// Env returns the request as CGI/1.1 meta-variables (RFC 3875 section 4.1):
//
//	GATEWAY_INTERFACE  "CGI/1.1"
//	SERVER_SOFTWARE    "microframe"
//	SERVER_PROTOCOL    "HTTP/1.1"
//	SERVER_NAME        host part of the Host header
//	SERVER_PORT        port of the Host header, or of the listener
//	REQUEST_METHOD     "GET"
//	REQUEST_URI        path and query as received (a common extension)
//	SCRIPT_NAME        "" (the app is mounted at the root)
//	PATH_INFO          the percent-decoded path
//	QUERY_STRING       the query as received, without '?'
//	REMOTE_ADDR        client IP; REMOTE_PORT its port
//	CONTENT_LENGTH     only when the request has a body of known length
//	CONTENT_TYPE       only when sent
//	HTTPS              "on" over TLS
//	HTTP_*             one per header: "Accept-Language" becomes
//	                   HTTP_ACCEPT_LANGUAGE; repeated headers are joined
//	                   with ", " (Cookie with "; ")
//
// Some headers are left out on purpose: Content-Length and
// Content-Type (they have their own variables), Authorization (RFC 3875
// keeps credentials away from scripts), Proxy (HTTP_PROXY would be read as
// a proxy setting by many HTTP clients: the "httpoxy" attack), and any name
// containing '_', which a client could use to forge a variable that
// another header also maps to ("X_Forwarded_For" against
// "X-Forwarded-For").
//
// The map is new on each call.
func (r *Request) Env() map[string]string {
	env := map[string]string{
		"GATEWAY_INTERFACE": "CGI/1.1",
		"SERVER_SOFTWARE":   "microframe",
		"SERVER_PROTOCOL":   r.Proto(),
		"REQUEST_METHOD":    r.Method(),
		"SCRIPT_NAME":       "",
		"PATH_INFO":         r.Path(),
		"QUERY_STRING":      r.RawQuery(),
		"REQUEST_URI":       r.requestURI(),
	}
	host, port := splitHostPort(r.Host())
	if port == "" {
		port = r.localPort()
	}
	env["SERVER_NAME"] = host
	env["SERVER_PORT"] = port
	if ip, p := splitHostPort(r.RemoteAddr()); ip != "" {
		env["REMOTE_ADDR"] = ip
		env["REMOTE_PORT"] = p
	}
	if n := r.ContentLength(); n > 0 {
		env["CONTENT_LENGTH"] = strconv.FormatInt(n, 10)
	}
	if ct := r.ContentType(); ct != "" {
		env["CONTENT_TYPE"] = ct
	}
	if r.TLS() != nil {
		env["HTTPS"] = "on"
	}
	for name, values := range r.Headers() {
		switch name {
		case "Content-Length", "Content-Type", "Authorization", "Proxy":
			continue
		}
		if strings.IndexByte(name, '_') >= 0 {
			continue
		}
		sep := ", "
		if name == "Cookie" {
			sep = "; "
		}
		key := "HTTP_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		env[key] = strings.Join(values, sep)
	}
	return env
}

// requestURI returns the request target as received.
func (r *Request) requestURI() string { return r.t.requestURI() }

// localPort returns the port the request came in on, "" when unknown.
func (r *Request) localPort() string {
	a := r.t.localAddr()
	if a == nil {
		return ""
	}
	_, port := splitHostPort(a.String())
	return port
}

// splitHostPort splits "host:port", "[::1]:80" or a bare host.
func splitHostPort(s string) (host, port string) {
	if h, p, err := net.SplitHostPort(s); err == nil {
		return h, p
	}
	return strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"), ""
}
