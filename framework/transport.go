package framework

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/url"
)

// A request reaches the framework over one of two transports: the
// engine's native connection (transport_native.go) or net/http
// (transport_nethttp.go, also what a FromHTTP middleware passes on). The
// transport interface is the one seam between them, as net/http hides its
// two protocols behind one ResponseWriter: everything else in the package
// asks the transport and never which one it is.

// transport is where a Request reads its request and writes its response.
type transport interface {
	// The request, as received.
	method() string
	rawPath() string // still percent-encoded; on the native path a view of the connection's buffer
	path() string    // percent-decoded
	rawQuery() string
	queryView() string // rawQuery; on the native path a view of the connection's buffer, for lookups
	url() *url.URL     // a new one on each call
	host() string
	proto() string
	header(name string) string
	headerValues(name string) []string
	headers() http.Header // shared by later calls: read-only
	contentLength() int64
	contentType() string
	remoteAddr() string
	localAddr() net.Addr // nil when unknown
	tls() *tls.ConnectionState
	context() context.Context
	requestURI() string
	cookieLines(fn func(line string) bool) // each Cookie header until fn returns false
	body() io.Reader                       // the body stream, nil for none
	httpRequest(r *Request) *http.Request  // a new *http.Request for r, Body not yet set

	// The response.
	setHeader(name, value string, add bool)
	head(status, n int) // the status, and the body length when n >= 0
	write(p []byte)
	writeString(s string)
	stream() StreamWriter
	responseWriter() http.ResponseWriter // the writer http.Handlers get; finish completes it
	finish()
	serveHTTP(h http.Handler, hr *http.Request) Response
	abort() // a body failed half-way: the connection must not be reused
}

// view is what a Request presents now: its transport and what is derived
// from it. A FromHTTP middleware switches the Request to the request and
// writer it passes on by replacing the view whole (adopt), and the outer
// view comes back when the middleware returns.
type view struct {
	t   transport
	ctx context.Context // from SetContext; nil means the transport's

	method  string
	rawPath string // as received; see transport.rawPath
	path    string // decoded, computed on first use

	query     url.Values
	queryErr  error
	queryDone bool

	httpReq *http.Request // HTTPRequest's, built on demand
	given   io.ReadCloser // the Body of httpReq, to tell whether middleware replaced it
	body    *body         // the body the handlers read (see curBody); nil for the request's own
}

// newView returns the view of t.
func newView(t transport) view {
	return view{t: t, method: t.method(), rawPath: t.rawPath()}
}
