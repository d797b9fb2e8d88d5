package framework

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/microframe/microframe/framework/router"
	"github.com/microframe/microframe/internal/ascii"
)

// Request is the request a handler sees. It presents the same request the
// same way whether it arrived on the engine's native path or through
// net/http: methods, not fields, so that the native path can decode lazily
// and never build an *http.Request unless asked to.
//
// A Request is pooled and reused: it, and every []byte it returns, must not
// be used after the handler returns. Strings it returns are copies and may be
// kept. A Request is not safe for concurrent use.
type Request struct {
	app *App

	view                    // the transport and what is derived from it, see transport.go
	base    transport       // the transport the request arrived on
	native  nativeTransport // base on the native path
	nethttp httpTransport   // base through net/http

	params router.Params
	route  *Route
	allow  string // the Allow of a 405, set by dispatch

	// Every *http.Request of this request that net/http code holds (the
	// server's, HTTPRequest's, those a FromHTTP middleware received and
	// passed on): routing sets their Pattern.
	httpReqs []*http.Request

	body   body      // the replayable body, see body.go
	layers []*body   // bodies net/http middleware put in its place, see body.go
	form   formState // see form.go

	logAttrs []slog.Attr   // see AddLogAttrs
	preset   []headerField // see SetResponseHeader
	measure  bool          // Send is counting what write sends
	sent     sent          // what write sent last
	counted  countedStream // the StreamWriter of a counted Stream

	probe  bool  // a registration-time call to a Bind handler, see boundPlan
	probed *plan // what that handler binds
}

// Method returns the request method, as sent ("GET", "POST"...).
func (r *Request) Method() string { return r.method }

// Path returns the URL path, percent-decoded ("/a b" for "/a%20b"), as
// net/http's URL.Path does. Routing uses RawPath, so "%2F" inside a segment
// does not split it.
func (r *Request) Path() string {
	if r.path == "" && r.rawPath != "" {
		r.path = r.t.path()
	}
	return r.path
}

// RawPath returns the URL path exactly as received, still percent-encoded.
// This is the path the router matches.
func (r *Request) RawPath() string { return strings.Clone(r.rawPath) }

// RawQuery returns the query string as received, without the '?' (CGI's
// QUERY_STRING); "" when there is none.
func (r *Request) RawQuery() string { return r.t.rawQuery() }

// URL returns the request URL: path and query, plus scheme and host when
// they are known. On the native path it is built on each call; change it
// freely, the Request keeps its own view.
func (r *Request) URL() *url.URL { return r.t.url() }

// Host returns the host the client asked for: the Host header, or the
// authority of an absolute-form request target.
func (r *Request) Host() string { return r.t.host() }

// Proto returns the protocol version, "HTTP/1.1" or "HTTP/1.0" (or
// "HTTP/2.0" through net/http).
func (r *Request) Proto() string { return r.t.proto() }

// Header returns the first value of the request header name, matched
// case-insensitively, or "" when there is none.
func (r *Request) Header(name string) string { return r.t.header(name) }

// HeaderValues returns every value of the request header name, matched
// case-insensitively, in the order received; nil when there is none.
func (r *Request) HeaderValues(name string) []string { return r.t.headerValues(name) }

// Headers returns every request header, keyed by canonical name
// ("Content-Type"), as net/http does; Host is not included (see Host). The
// map is built on the first call on the native path and shared by later
// calls: treat it as read-only.
func (r *Request) Headers() http.Header { return r.t.headers() }

// ContentLength returns the declared body length, 0 when there is no body,
// and -1 when the length is unknown (a chunked body).
func (r *Request) ContentLength() int64 { return r.t.contentLength() }

// ContentType returns the Content-Type header, "" when absent.
func (r *Request) ContentType() string { return r.t.contentType() }

// RemoteAddr returns the client's network address, "host:port".
func (r *Request) RemoteAddr() string { return r.t.remoteAddr() }

// TLS returns the TLS connection state, or nil when the request came over
// plain TCP.
func (r *Request) TLS() *tls.ConnectionState { return r.t.tls() }

// Context returns the request's context: cancelled when the client goes
// away or the server shuts down, unless replaced with SetContext. Served by
// the engine, a hang-up noticed while the handler waits gives the cause
// (context.Cause) conn.ErrClientGone; see conn.Ctx.Context for when it is
// noticed.
//
// On the engine the context is made on the first call, and it has a cost:
// as the parent of a database call's timeout context it adds about 1.4 µs
// and 560 bytes to the call, against context.Background, in a loop that
// does nothing else (conn's BenchmarkRequestContext, docs/tfb.md). A
// handler whose work is short, and not worth stopping for a client that
// left, may give that work a context of its own instead.
func (r *Request) Context() context.Context {
	if r.ctx != nil {
		return r.ctx
	}
	return r.t.context()
}

// SetContext replaces the request's context, typically with one derived
// from Context carrying a value for the handlers further in. It panics on a
// nil ctx.
func (r *Request) SetContext(ctx context.Context) {
	if ctx == nil {
		panic("framework: Request.SetContext with a nil context")
	}
	r.ctx = ctx
	if r.httpReq != nil {
		r.httpReq = r.httpReq.WithContext(ctx)
	}
}

// Logger returns the App's Logger (slog.Default() when it has none), for
// handlers and middleware that log.
func (r *Request) Logger() *slog.Logger { return r.app.logger() }

// AddLogAttrs adds attributes to every line the framework logs about this
// request ("request failed", "stream failed") and to the lines of
// middleware that log it (LogAttrs): middleware.RequestID adds the
// request id. The attributes last until the handler returns.
func (r *Request) AddLogAttrs(attrs ...slog.Attr) { r.logAttrs = append(r.logAttrs, attrs...) }

// SetResponseHeader sets the header name to value on the response to
// come, whatever answers the request: a Response the handlers return
// (unless it sets name itself, which wins), an error rendered by the
// ErrorRenderer, Timeout's 503, an http.Handler route, or net/http
// middleware inside FromHTTP that writes the response itself. It is the
// framework's w.Header().Set before next.ServeHTTP, for middleware that
// tags every response (middleware.RequestID). A header added to the
// Response after next returns is not the same: once an http.Handler or a
// FromHTTP middleware further in has written the response, it reaches the
// client through net/http never, and on the engine only while the head is
// still buffered. Call it before the response is written.
func (r *Request) SetResponseHeader(name, value string) {
	name = http.CanonicalHeaderKey(name)
	for i := range r.preset {
		if r.preset[i].name == name {
			r.preset[i].value = value
			return
		}
	}
	r.preset = append(r.preset, headerField{name: name, value: value})
}

// presetHeaders sets the headers of SetResponseHeader in h, the header
// map of a ResponseWriter an http.Handler is about to write to.
func (r *Request) presetHeaders(h http.Header) {
	for _, f := range r.preset {
		h[f.name] = []string{f.value}
	}
}

// LogAttrs returns the attributes added by AddLogAttrs, in order. The
// slice belongs to the Request: it is valid until the handler returns and
// must not be modified.
func (r *Request) LogAttrs() []slog.Attr { return r.logAttrs }

// Param returns the path parameter name of the matched route,
// percent-decoded: "/todo/{id}" and "/todo/a%20b" give "a b". It returns ""
// when the route has no such parameter.
func (r *Request) Param(name string) string {
	v, _ := r.params.Get(name)
	return decodePath(v)
}

// Route returns the route that matched, or nil before routing and when none
// did (in a 404 or 405 answer).
func (r *Request) Route() *Route { return r.route }

// Pattern returns the pattern of the route that matched, in the form of
// net/http's Request.Pattern: the method, a space and the pattern
// ("GET /todo/{id}"), or the pattern alone for a route of any method; ""
// before routing and when no route matched. The same string is in the
// Pattern field of every *http.Request of the request once it is routed:
// HTTPRequest's, and those FromHTTP middleware received and passed on,
// so that instrumentation that reads it after calling the next handler
// (otelhttp's span names, a Prometheus label from r.Pattern) sees the
// route.
func (r *Request) Pattern() string {
	if r.route == nil {
		return ""
	}
	return r.route.pattern
}

// Query returns the first value of the query parameter name, "" when absent.
// Use QueryAll for a parameter that may repeat.
func (r *Request) Query(name string) string {
	if !r.queryDone {
		// Most queries need no decoding: look the name up in place
		// rather than build the whole map for one value.
		if v, ok := scanQuery(r.t.queryView(), name); ok {
			return strings.Clone(v)
		}
	}
	if vs := r.QueryValues()[name]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// maxScannedPairs bounds the queries scanQuery looks into; longer ones are
// parsed whole. It stays far below url.ParseQuery's own limit on the
// number of parameters (GODEBUG urlmaxqueryparams, 10,000 by default),
// past which ParseQuery keeps none.
const maxScannedPairs = 64

// scanQuery finds the first value of name in the raw query q as
// url.ParseQuery would, without a map, when q needs no decoding: no '%'
// or '+' (escapes), no ';' (pairs ParseQuery rejects), at most
// maxScannedPairs pairs. It reports false for a query it leaves to
// ParseQuery; otherwise the value ("" when absent) and true. The value
// is a substring of q.
func scanQuery(q, name string) (string, bool) {
	if strings.ContainsAny(q, "%+;") || strings.Count(q, "&") >= maxScannedPairs {
		return "", false
	}
	for q != "" {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		if pair == "" {
			continue
		}
		if k, v, _ := strings.Cut(pair, "="); k == name {
			return v, true
		}
	}
	return "", true
}

// QueryAll returns every value of the query parameter name, in order; nil
// when absent. "?q=a&q=b" gives ["a", "b"].
func (r *Request) QueryAll(name string) []string {
	return r.QueryValues()[name]
}

// QueryValues returns the whole parsed query. It is parsed on the first call
// and shared by later ones: treat it as read-only. Malformed pairs are left
// out; QueryError says whether there were any.
func (r *Request) QueryValues() url.Values {
	if !r.queryDone {
		r.queryDone = true
		r.query, r.queryErr = url.ParseQuery(r.RawQuery())
	}
	return r.query
}

// QueryError returns the first error met parsing the query string (a bad
// percent-escape, a ';'), or nil. Bind answers 400 with it.
func (r *Request) QueryError() error {
	r.QueryValues()
	return r.queryErr
}

// unsafeString views b as a string without copying (ascii.UnsafeString).
// The string is only as stable as b: it is used for transient lookups and
// for the routing path (see nativeTransport.rawPath), and never handed to a
// handler.
func unsafeString(b []byte) string { return ascii.UnsafeString(b) }

// decodePath percent-decodes a path or a path parameter. The App answers
// 400 before routing when the path holds a malformed escape, so the error
// case cannot reach here from a routed request; the raw text is returned
// then. The result is always a fresh string: s may be a view of a buffer
// that is reused once the handler returns.
func decodePath(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return strings.Clone(s)
	}
	d, err := url.PathUnescape(s)
	if err != nil {
		return strings.Clone(s)
	}
	return d
}

// validEscapes reports whether every '%' in s starts a valid escape.
func validEscapes(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return false
			}
			i += 2
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
