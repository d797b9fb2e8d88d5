package conn

import "errors"

// Handler answers requests on the native path (engine.Server.Handler).
// ServeCtx is called once per request, on the connection's own goroutine;
// the response is complete when it returns. The *Ctx and every []byte it
// hands out are reused for the next request on the connection: they must
// not be kept or used after ServeCtx returns (copy what must outlive it).
//
// If ServeCtx panics, the connection logs the panic with its stack (at
// Error, to Config.Logger), answers 500 if no byte of the response was
// sent yet, and closes. A panic with ErrAbortHandler (or
// net/http.ErrAbortHandler) does the same without the log line and the
// 500.
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
	// ErrClientGone is the cause (context.Cause) of a request context
	// cancelled because the client closed or half-closed the connection
	// while the handler ran; the context's Err is context.Canceled, as
	// in net/http.
	ErrClientGone = errors.New("conn: client closed the connection")
	// ErrHijacked is returned by Write, Flush, body reads and Hijack once
	// the handler hijacked the connection (Ctx.Hijack).
	ErrHijacked = errors.New("conn: connection hijacked")
	// ErrConnClosed is returned by Write and Flush once the connection
	// failed (client gone, write timeout); later writes are discarded.
	ErrConnClosed = errors.New("conn: connection closed")
	// ErrAbortHandler, used as a panic value by a handler (as is
	// net/http.ErrAbortHandler, also through engine.Adapt), aborts the
	// response quietly: nothing more is sent, the connection closes and no
	// stack is logged.
	ErrAbortHandler = errors.New("conn: abort handler")
)
