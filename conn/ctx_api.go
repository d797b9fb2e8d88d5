package conn

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"

	"github.com/microframe/microframe/parse"
)

// Handler answers requests on the engine's native path. ServeCtx is called
// once per request, on the connection's own goroutine; the response is
// complete when it returns. The *Ctx and every []byte it hands out are
// reused for the next request on the connection: they must not be kept or
// used after ServeCtx returns (copy what must outlive it).
//
// If ServeCtx panics, the engine logs the panic with its stack, answers 500
// if no byte of the response was sent yet, and closes the connection.
type Handler interface {
	ServeCtx(c *Ctx)
}

// HandlerFunc adapts an ordinary function to Handler.
type HandlerFunc func(c *Ctx)

// ServeCtx calls f(c).
func (f HandlerFunc) ServeCtx(c *Ctx) { f(c) }

// Errors a handler may see from Ctx methods.
var (
	// ErrBodyNotAllowed is returned by Write when the status is 1xx, 204
	// or 304, which carry no body. (For HEAD, writes are counted and
	// discarded, as net/http does.)
	ErrBodyNotAllowed = errors.New("conn: response status does not allow a body")
	// ErrContentLength is returned by Write when more bytes are written
	// than a declared Content-Length.
	ErrContentLength = errors.New("conn: wrote more than the declared Content-Length")
	// ErrHeadersSent is returned by header-changing methods after the
	// response head was sent (after Flush or a large Write).
	ErrHeadersSent = errors.New("conn: response head already sent")
	// ErrConnClosed is returned by Write and Flush once the connection
	// failed (client gone, write timeout); later writes are discarded.
	ErrConnClosed = errors.New("conn: connection closed")
)

var _ = []any{context.Background, (*tls.ConnectionState)(nil), io.EOF, (*slog.Logger)(nil), net.Dial, (*parse.Request)(nil)}

// ---- API sketch: the methods of *Ctx (implemented in ctx.go) ----
//
// Request side (valid until ServeCtx returns):
//   func (c *Ctx) Request() *parse.Request        // the parsed head: Method, Path, RawQuery, Headers, ContentLength, ContentType, Host...
//   func (c *Ctx) Header(name string) []byte       // first request header value, case-insensitive, nil if absent
//   func (c *Ctx) Body() io.Reader                 // the decoded body (Content-Length or chunked); io.EOF at its end;
//                                                  // *parse.Error on a framing error (e.g. parse.ErrBodyTooLarge), io.ErrUnexpectedEOF
//                                                  // if the client closed early, os.ErrDeadlineExceeded on the body timeout.
//                                                  // Sends "100 Continue" first when the client asked for it.
//   func (c *Ctx) ReadBody() ([]byte, error)       // the whole body into a connection-owned buffer (bounded by MaxBodyBytes)
//   func (c *Ctx) RemoteAddr() net.Addr
//   func (c *Ctx) LocalAddr() net.Addr
//   func (c *Ctx) TLS() *tls.ConnectionState       // nil on plain TCP
//   func (c *Ctx) Context() context.Context        // cancelled when the connection closes or the server force-closes it
//   func (c *Ctx) Logger() *slog.Logger
//
// Response side:
//   func (c *Ctx) SetStatus(code int)              // default 200; ignored after the head was sent
//   func (c *Ctx) Status() int
//   func (c *Ctx) SetHeader(name, value string)    // replaces; CR/LF in values become spaces; invalid names are dropped
//   func (c *Ctx) AddHeader(name, value string)
//   func (c *Ctx) SetHeaderBytes(name string, value []byte)
//   func (c *Ctx) DelHeader(name string)
//   func (c *Ctx) SetContentType(value string)
//   func (c *Ctx) SetContentLength(n int64)        // declare the length up front (streams without chunking)
//   func (c *Ctx) Write(p []byte) (int, error)     // buffers; a response that ends unflushed gets Content-Length
//   func (c *Ctx) WriteString(s string) (int, error)
//   func (c *Ctx) Flush() error                    // sends the head and the buffered body now; the rest is chunked
//                                                  // (HTTP/1.1, unless a Content-Length was declared)
//   func (c *Ctx) HeadersSent() bool
//   func (c *Ctx) SetClose()                       // close the connection after this response
//
// The engine package re-exports Ctx, Handler and HandlerFunc as type aliases.
