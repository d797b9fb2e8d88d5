package parse

import "github.com/microframe/microframe/internal/ascii"

// Framing says how the body of a request is delimited (RFC 9112 section 6).
type Framing uint8

const (
	// NoBody: neither Content-Length nor Transfer-Encoding was sent; the
	// request has no body.
	NoBody Framing = iota
	// Length: the body is exactly Request.ContentLength bytes (which may be 0).
	Length
	// Chunked: the body uses the chunked transfer coding; decode it with a
	// ChunkedDecoder. Request.ContentLength is -1.
	Chunked
)

// Header is one header field line as received. Name keeps the client's case;
// Value has surrounding whitespace removed.
type Header struct {
	Name  []byte
	Value []byte
}

// Request is a parsed request head. Every []byte field points into the
// buffer that was passed to Parser.Parse: it stays valid only while the
// caller keeps those bytes unchanged (in microframe's engine: until the
// handler returns). Copy what must outlive that.
//
// A Request is reused from one request to the next: Parse resets it.
type Request struct {
	// Method is the request method, case-sensitive as sent ("GET").
	Method []byte
	// Target is the request-target exactly as sent: "/a/b?x=1", "*",
	// "http://host/a" (absolute-form) or "host:443" (CONNECT).
	Target []byte
	// Path is the path part of Target, before any '?', still
	// percent-encoded (CGI's PATH_INFO, undecoded). For absolute-form it is
	// the path after the authority ("/" when empty); for "*" and
	// authority-form it is Target itself.
	Path []byte
	// RawQuery is the part of Target after the first '?', without the
	// '?' (CGI's QUERY_STRING). Nil when Target has no '?'.
	RawQuery []byte
	// ProtoMajor and ProtoMinor are the HTTP version: 1.0 or 1.1.
	// A higher 1.x minor version is recorded as 1.1.
	ProtoMajor, ProtoMinor int
	// Host is the value of the Host header (or the authority of an
	// absolute-form or authority-form target, which takes precedence, per
	// RFC 9112 3.2.2). Nil when neither was sent (HTTP/1.0 only).
	Host []byte
	// Headers holds every header field line in the order received,
	// Host, Content-Length and the others included.
	Headers []Header
	// ContentLength is the body length for Framing == Length, 0 for
	// NoBody, and -1 for Chunked.
	ContentLength int64
	// ContentType is the Content-Type header value, nil when absent.
	ContentType []byte
	// Framing says how the body is delimited.
	Framing Framing
	// KeepAlive reports whether the connection may carry another request
	// after this one: HTTP/1.1 unless "Connection: close", HTTP/1.0 only
	// with "Connection: keep-alive".
	KeepAlive bool
	// ExpectContinue reports "Expect: 100-continue" (case-insensitive) on
	// an HTTP/1.1 request with a body (HTTP/1.0 clients cannot expect it).
	ExpectContinue bool
	// ExpectUnsupported reports an Expect field with an expectation other
	// than 100-continue, which no server here can meet: RFC 9110 10.1.1
	// lets it answer 417 (Expectation Failed), as net/http does.
	ExpectUnsupported bool
}

// Header returns the value of the first header field named name, compared
// case-insensitively, or nil when there is none. It does not allocate.
func (r *Request) Header(name string) []byte {
	for i := range r.Headers {
		if equalFold(r.Headers[i].Name, name) {
			return r.Headers[i].Value
		}
	}
	return nil
}

// ConnectionHas reports whether the Connection header lists option token,
// compared case-insensitively: r.ConnectionHas("upgrade") is how a
// WebSocket handshake is recognized. Every Connection line is searched; the
// list elements are split at commas and trimmed. It does not allocate.
func (r *Request) ConnectionHas(token string) bool {
	for i := range r.Headers {
		if !equalFold(r.Headers[i].Name, "Connection") {
			continue
		}
		if ascii.ListHas(r.Headers[i].Value, token) {
			return true
		}
	}
	return false
}

// MethodString returns Method as a string. The common methods (GET, HEAD,
// POST, PUT, DELETE, PATCH, OPTIONS) come from constants, without
// allocating; any other method is copied.
func (r *Request) MethodString() string {
	switch string(r.Method) {
	case "GET":
		return "GET"
	case "HEAD":
		return "HEAD"
	case "POST":
		return "POST"
	case "PUT":
		return "PUT"
	case "DELETE":
		return "DELETE"
	case "PATCH":
		return "PATCH"
	case "OPTIONS":
		return "OPTIONS"
	}
	return string(r.Method)
}

// Reset clears r for reuse, keeping the capacity of Headers.
func (r *Request) Reset() {
	h := r.Headers[:0]
	*r = Request{Headers: h}
}

// equalFold reports whether b equals s under ASCII case folding.
func equalFold(b []byte, s string) bool { return ascii.EqualFold(b, s) }
