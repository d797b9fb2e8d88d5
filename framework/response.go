package framework

import (
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Response is what a handler returns: a status, headers and a body, as a
// plain value. Nothing reaches the client until the handler and every
// middleware around it have returned, so a middleware can look at the
// Response (StatusCode, Header) and change it (WithHeader, WithCookie).
//
// Build one with Text, HTML, Bytes, JSON, Redirect, Status, Stream, Error,
// Errorf or Templates.Render, then refine it with the With* methods, each of
// which returns a changed copy. The zero Response is an empty 200.
type Response struct {
	status  int
	kind    bodyKind
	ctype   string
	text    string
	bytes   []byte
	value   any // the JSON value or the template data
	tmpl    *Templates
	name    string // template name
	stream  func(StreamWriter) error
	err     error
	content io.ReadSeeker // for Content, with name and value (the modtime)
	header  []headerField
	// For kindWritten: the first nsent fields of header are what the
	// http.Handler sent; wrote is the body bytes it wrote.
	nsent int
	wrote int64
}

type bodyKind uint8

const (
	kindEmpty    bodyKind = iota
	kindText              // text
	kindBytes             // bytes
	kindJSON              // value, encoded when sent
	kindTemplate          // tmpl, name and value, executed when sent
	kindStream            // stream, called when sent
	kindError             // err
	kindWritten           // already written through an http.ResponseWriter
	kindContent           // content, sent by http.ServeContent
)

type headerField struct {
	name, value string
	add         bool // AddHeader rather than WithHeader
}

// StreamWriter is where a Stream response writes its body. Flush sends what
// was written so far to the client at once; the response then continues in
// chunks.
type StreamWriter interface {
	io.Writer
	Flush() error
}

// Text returns a 200 response with body s as text/plain; charset=utf-8.
func Text(s string) Response {
	return Response{kind: kindText, text: s, ctype: "text/plain; charset=utf-8"}
}

// HTML returns a 200 response with body s as text/html; charset=utf-8. The
// string is sent as it is, unescaped: build HTML that contains user input
// with Templates, which escape it.
func HTML(s string) Response {
	return Response{kind: kindText, text: s, ctype: "text/html; charset=utf-8"}
}

// Bytes returns a 200 response with body b and the given Content-Type. b
// must not be modified until the response has been sent.
func Bytes(contentType string, b []byte) Response {
	return Response{kind: kindBytes, bytes: b, ctype: contentType}
}

// JSON returns a 200 response with v encoded as JSON (by encoding/json,
// followed by a newline) as application/json. Encoding happens when the
// response is sent; if it fails, the client gets a 500 and the error is
// logged.
func JSON(v any) Response {
	return Response{kind: kindJSON, value: v, ctype: "application/json"}
}

// Redirect returns a response that sends the client to url with code, which
// must be a redirect status (301, 302, 303, 307 or 308); any other code is
// a programming error answered with 500 and logged. Use 303 See Other after
// a POST, so that the browser follows with a GET.
func Redirect(url string, code int) Response {
	if code < 300 || code > 399 {
		return Error(fmt.Errorf("framework: Redirect with non-redirect status %d", code))
	}
	return Response{status: code, kind: kindEmpty}.WithHeader("Location", url)
}

// Status returns a response with status code and no body.
func Status(code int) Response {
	return Response{status: code}
}

// Stream returns a 200 response whose body fn writes while the response is
// being sent, for bodies produced over time or too large to build in memory.
// Call Flush to push what was written so far to the client. The status and
// headers are sent before fn runs, so an error fn returns can no longer
// change them: it is logged and the connection is cut short.
func Stream(contentType string, fn func(w StreamWriter) error) Response {
	return Response{kind: kindStream, stream: fn, ctype: contentType}
}

// WithStatus returns a copy of resp with status code.
func (resp Response) WithStatus(code int) Response {
	resp.status = code
	return resp
}

// WithHeader returns a copy of resp with the header name set to value,
// replacing earlier values of that header. CR and LF in the value are
// replaced by spaces when sent.
func (resp Response) WithHeader(name, value string) Response {
	resp.header = append(resp.header[:len(resp.header):len(resp.header)], headerField{name: name, value: value})
	return resp
}

// WithHeaders is WithHeader for several headers at once, given as name,
// value pairs: WithHeaders("A", "1", "B", "2"). It costs one allocation
// however many there are. It panics on an odd number of strings.
func (resp Response) WithHeaders(nameValues ...string) Response {
	if len(nameValues)%2 != 0 {
		panic("framework: Response.WithHeaders with an odd number of strings")
	}
	if len(nameValues) == 0 {
		return resp
	}
	h := make([]headerField, len(resp.header), len(resp.header)+len(nameValues)/2)
	copy(h, resp.header)
	for i := 0; i < len(nameValues); i += 2 {
		h = append(h, headerField{name: nameValues[i], value: nameValues[i+1]})
	}
	resp.header = h
	return resp
}

// AddHeader returns a copy of resp with one more value for header name,
// keeping earlier ones.
func (resp Response) AddHeader(name, value string) Response {
	resp.header = append(resp.header[:len(resp.header):len(resp.header)], headerField{name: name, value: value, add: true})
	return resp
}

// WithContentType returns a copy of resp with the Content-Type set.
func (resp Response) WithContentType(contentType string) Response {
	resp.ctype = contentType
	return resp
}

// WithCookie returns a copy of resp that sets cookie c (a Set-Cookie
// header). A cookie that http.Cookie.Valid rejects is left out; the Response
// is otherwise unchanged.
func (resp Response) WithCookie(c *http.Cookie) Response {
	if c == nil || c.Valid() != nil {
		return resp
	}
	return resp.AddHeader("Set-Cookie", c.String())
}

// StatusCode returns the status the response will be sent with: the one set
// by WithStatus, else the one its error maps to (see Error), else 200.
func (resp Response) StatusCode() int {
	if resp.status != 0 {
		return resp.status
	}
	if resp.kind == kindError {
		code, _ := errorStatus(resp.err)
		return code
	}
	return http.StatusOK
}

// Header returns the last value the response sets for header name (its
// Content-Type included), "" when it sets none. Names are matched
// case-insensitively.
func (resp Response) Header(name string) string {
	for i := len(resp.header) - 1; i >= 0; i-- {
		if strings.EqualFold(resp.header[i].name, name) {
			return resp.header[i].value
		}
	}
	if strings.EqualFold(name, "Content-Type") {
		return resp.ctype
	}
	return ""
}

// Err returns the error of a response made by Error or Errorf, nil for any
// other.
func (resp Response) Err() error { return resp.err }

// BytesWritten returns the number of body bytes written for this Response
// by an http.Handler (HandleHTTP, FromHTTP) or by Request.Send; 0 for
// Responses that are still to be sent.
func (resp Response) BytesWritten() int64 { return resp.wrote }

// written is the Response of a handler that already wrote its answer
// through an http.ResponseWriter, with the status, headers and byte count
// it wrote, so that the middleware around it can see them. Headers that
// middleware add to it afterwards are still sent on the native path as
// long as the response head is still buffered (no Flush, under 64 KiB of
// body); through net/http they are dropped, as net/http ignores header
// changes after WriteHeader.
func written(status int, hdr http.Header, n int64) Response {
	resp := Response{kind: kindWritten, status: status, wrote: n}
	for name, vs := range hdr {
		for _, v := range vs {
			resp.header = append(resp.header, headerField{name: name, value: v, add: true})
		}
	}
	resp.nsent = len(resp.header)
	return resp
}
