package httpbridge

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/microframe/microframe/conn"
)

// ResponseWriter is the http.ResponseWriter over a native response. Like
// net/http's, it takes a copy of the header map when the status is set
// (WriteHeader, or the first Write or Flush); later changes to the map are
// not sent. When no Content-Type was set, one is sniffed from the first
// bytes written (http.DetectContentType). It implements http.Flusher,
// http.Hijacker (when the Ctx can hijack), and the methods
// http.ResponseController looks for: FlushError, SetReadDeadline,
// SetWriteDeadline and EnableFullDuplex.
//
// Informational statuses (1xx) passed to WriteHeader are not sent: the
// engine sends "100 Continue" itself on the first read of a body that
// expects it. 101 Switching Protocols is the exception, as in net/http:
// it is sent, with the header map, by Hijack (WebSocket libraries rely on
// that).
type ResponseWriter struct {
	x        Ctx
	header   http.Header
	status   int   // 0 until WriteHeader or the first Write
	haveType bool  // the copied header had a Content-Type
	sniffed  bool  // the first body bytes went out
	written  int64 // body bytes accepted
	hijacked bool
	upgrade  http.Header // the header of a 101 response, sent by Hijack
}

// Reset prepares w to write into x, as a new writer with an empty header.
func (w *ResponseWriter) Reset(x Ctx) {
	clear(w.header)
	*w = ResponseWriter{x: x, header: w.header}
}

// Header returns the header map that WriteHeader sends.
func (w *ResponseWriter) Header() http.Header {
	if w.header == nil {
		w.header = make(http.Header)
	}
	return w.header
}

// WriteHeader sets the status and copies the header map into the
// response; only the first call counts. It panics, as net/http does, for
// a code outside 100-999.
func (w *ResponseWriter) WriteHeader(code int) {
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if w.hijacked || w.status != 0 || code < 200 && code != http.StatusSwitchingProtocols {
		return
	}
	w.status = code
	if code == http.StatusSwitchingProtocols {
		// Sent by Hijack on the hijacked connection, as net/http does:
		// the engine itself never answers 101.
		w.upgrade = w.Header().Clone() // non-nil even when empty
		return
	}
	for k, vs := range w.header {
		for _, v := range vs {
			w.x.AddHeader(k, v)
		}
	}
	_, w.haveType = w.header["Content-Type"]
	w.x.SetStatus(code)
}

// Write sends p as part of the body, after the status (200 unless
// WriteHeader said otherwise). Errors: http.ErrHijacked after Hijack,
// http.ErrBodyNotAllowed for 204 and 304, http.ErrContentLength past a
// declared Content-Length, and the connection's error once the client is
// gone.
func (w *ResponseWriter) Write(p []byte) (int, error) {
	if w.hijacked {
		return 0, http.ErrHijacked
	}
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.upgrade != nil {
		return 0, http.ErrBodyNotAllowed // a 101 has no body; Hijack sends it
	}
	if !w.sniffed && len(p) > 0 {
		w.sniffed = true
		if !w.haveType && bodyAllowed(w.status) {
			w.x.SetHeader("Content-Type", http.DetectContentType(p))
		}
	}
	n, err := w.x.Write(p)
	w.written += int64(n)
	switch {
	case errors.Is(err, conn.ErrBodyNotAllowed):
		err = http.ErrBodyNotAllowed
	case errors.Is(err, conn.ErrContentLength):
		err = http.ErrContentLength
	}
	return n, err
}

// WriteString is Write for a string.
func (w *ResponseWriter) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

// Flush sends the head and what was written so far; for http.Flusher.
func (w *ResponseWriter) Flush() { _ = w.FlushError() }

// FlushError is Flush with its error; http.ResponseController uses it.
func (w *ResponseWriter) FlushError() error {
	if w.hijacked {
		return http.ErrHijacked
	}
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.x.Flush()
}

// Hijack hands the connection over to the caller, as http.Hijacker: what
// the handler wrote so far is sent first, bytes the client already sent
// beyond the request head are in the returned reader, and from then on
// the engine neither reads, writes nor closes the connection. It fails
// with http.ErrNotSupported when the Ctx cannot hijack.
func (w *ResponseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := w.x.(Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	if w.hijacked {
		return nil, nil, http.ErrHijacked
	}
	if w.status != 0 && w.upgrade == nil {
		if err := w.x.Flush(); err != nil {
			return nil, nil, err
		}
	}
	nc, brw, err := h.Hijack()
	if err != nil {
		return nil, nil, err
	}
	w.hijacked = true
	if w.upgrade != nil {
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\n")
		w.upgrade.Write(brw)
		brw.WriteString("\r\n")
		if err := brw.Flush(); err != nil {
			nc.Close()
			return nil, nil, err
		}
	}
	return nc, brw, nil
}

// SetReadDeadline sets the deadline for reading the request body (for
// http.ResponseController); zero means none.
func (w *ResponseWriter) SetReadDeadline(t time.Time) error {
	if d, ok := w.x.(DeadlineSetter); ok {
		return d.SetReadDeadline(t)
	}
	return http.ErrNotSupported
}

// SetWriteDeadline sets the deadline for writing the response (for
// http.ResponseController); zero means none.
func (w *ResponseWriter) SetWriteDeadline(t time.Time) error {
	if d, ok := w.x.(DeadlineSetter); ok {
		return d.SetWriteDeadline(t)
	}
	return http.ErrNotSupported
}

// EnableFullDuplex allows reading the request body after writing the
// response has begun. The engine always allows it, so this only reports
// success.
func (w *ResponseWriter) EnableFullDuplex() error { return nil }

// Finish completes the response after the handler returned: a handler
// that wrote nothing answers 200; one that set 101 but never hijacked
// answers 500 and the connection closes. It does nothing after Hijack.
func (w *ResponseWriter) Finish() {
	switch {
	case w.hijacked:
	case w.status == 0:
		w.WriteHeader(http.StatusOK)
	case w.upgrade != nil:
		w.x.SetStatus(http.StatusInternalServerError)
		w.x.SetClose()
	}
}

// Status returns the status written so far (0 before WriteHeader or the
// first Write).
func (w *ResponseWriter) Status() int { return w.status }

// Written returns the number of body bytes the handler wrote.
func (w *ResponseWriter) Written() int64 { return w.written }

// Hijacked reports whether the connection was hijacked.
func (w *ResponseWriter) Hijacked() bool { return w.hijacked }

func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

var writerPool = sync.Pool{New: func() any { return new(ResponseWriter) }}

// Serve runs h for the request in x, the way net/http's server would: h
// gets the request NewRequest builds, with x.Context() as its context (a
// *conn.Ctx's ends when the handler returns, and when the client hangs
// up; it is used as is, since deriving a child would call its Done and
// start the hang-up watch for every request), and a ResponseWriter over
// x. A request-target that is not a valid URL is answered 400 without
// calling h.
func Serve(h http.Handler, x Ctx) {
	req, err := NewRequest(x, x.Context())
	if err != nil {
		x.SetStatus(http.StatusBadRequest)
		x.SetHeader("Content-Type", "text/plain; charset=utf-8")
		x.SetClose()
		x.WriteString("400 Bad Request: invalid request target\n")
		return
	}
	w := writerPool.Get().(*ResponseWriter)
	w.Reset(x)
	defer func() {
		w.Reset(nil)
		writerPool.Put(w)
	}()
	h.ServeHTTP(w, req)
	w.Finish()
}

var (
	_ http.Flusher  = (*ResponseWriter)(nil)
	_ http.Hijacker = (*ResponseWriter)(nil)
)
