package conn

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/microframe/microframe/parse"
)

// Ctx is one request and its response on the native path. The connection
// that owns it reuses it for every request: a handler must not keep it, or
// any []byte it returned, after ServeCtx returns.
type Ctx struct {
	c    *Conn
	req  parse.Request
	body body

	// The response.
	status    int
	hdr       []byte    // header lines set by the handler, "Name: value\r\n"
	lines     []hdrLine // where each line of hdr is
	declared  int64     // Content-Length declared by the handler, or -1
	pending   []byte    // body bytes buffered while the head is unsent
	sent      int64     // body bytes sent after the head (identity framing)
	discarded int64     // HEAD: body bytes the handler wrote
	readBuf   []byte
	headSent  bool
	chunked   bool // streaming with the chunked coding
	headReq   bool // the request is HEAD: body bytes are counted, not sent
	hasDate   bool
	abandoned bool // a panic or abort after the head went out: send nothing more
}

// reset prepares x for the request just parsed into x.req.
func (x *Ctx) reset() {
	x.status = 200
	x.hdr = x.hdr[:0]
	x.lines = x.lines[:0]
	x.declared = -1
	x.pending = x.pending[:0]
	x.headSent = false
	x.chunked = false
	x.sent = 0
	x.headReq = string(x.req.Method) == "HEAD"
	x.discarded = 0
	x.hasDate = false
	x.abandoned = false
}

// releaseBuffers returns the pooled buffers of an idle connection.
func (x *Ctx) releaseBuffers() {
	if x.pending != nil {
		putBuf(x.pending)
		x.pending = nil
	}
	if x.readBuf != nil {
		putBuf(x.readBuf)
		x.readBuf = nil
	}
}

// clearRequest forgets the last request head, whose fields (its Headers
// too, beyond their length as well) point into the read buffer; the
// Headers array is kept for the next request.
func (x *Ctx) clearRequest() {
	hs := x.req.Headers[:cap(x.req.Headers)]
	clear(hs)
	x.req = parse.Request{Headers: hs[:0]}
}

// work is the part of a connection needed only while it has work: the
// read and write buffers, the parser and the Ctx with its header index and
// response arena (about 1 KiB together, without the buffers). A connection
// takes one from workPool when Serve starts and gives it back when it
// parks between requests or ends, so that parked connections do not each
// hold one; one parked in the middle of a head keeps it, buffers and all.
// The actor holds one whenever it runs: a Conn's buffer fields are
// c.w.rbuf and so on, and a work goes back to the pool without buffers.
type work struct {
	rbuf     []byte // read buffer; unread bytes are rbuf[r0:r1]
	r0, r1   int
	keep     int    // while a request is served, rbuf[:keep] holds its head: body reads never overwrite it
	retired  []byte // the buffer the current head lives in, when a body read outgrew it; pooled again after the request
	out      []byte // response bytes not yet written to nc
	readFull bool   // the last read of readIdle filled rbuf: the client sends more than a request at a time

	x         Ctx
	parser    parse.Parser
	now       time.Time // read once per request cycle
	headStart time.Time // the head being received began here (zero: none)
	rdl       time.Time // read deadline last set on the connection (zero: unknown)
	wdl       time.Time // write deadline last set on the connection (zero: unknown)
	turnStart time.Time // this run of Serve began serving pipelined requests (zero: not yet); see yieldTurn
	turnReqs  int       // requests since the clock was last looked at

	req *requestCtx          // the current request's context, made on first use; see hangup.go
	tls *tls.ConnectionState // the TLS state, made on first use (a TLS connection never parks)

	// Reading the next request without holding a buffer (idleread.go).
	raw        syscall.RawConn    // the socket's, made on first use
	lazyReadFn func(uintptr) bool // lazyRead bound to this work
	rn         int                // lazyRead leaves its count in rn...
	rerr       error              // ...and its error in rerr
}

var workPool = sync.Pool{New: func() any {
	w := new(work)
	w.lazyReadFn = w.lazyRead
	return w
}}

// takeWork gives c its per-request state, if it has none.
func (c *Conn) takeWork() {
	if c.w != nil {
		return
	}
	w := workPool.Get().(*work)
	w.parser = parse.Parser{Limits: c.cfg.Limits}
	w.now, w.headStart, w.rdl, w.wdl = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	w.x.c = c
	w.x.body.c = c
	w.x.body.dec.Limits = c.cfg.Limits
	c.w, c.x = w, &w.x
}

// putWork returns c's per-request state to the pool, its buffers
// released; nothing may be buffered and no request in progress.
func (c *Conn) putWork() {
	w := c.w
	if w == nil {
		return
	}
	c.releaseBuffers() // a pooled work holds no buffers
	w.x.releaseBuffers()
	w.x.clearRequest()
	w.x.c, w.x.body.c = nil, nil
	if w.req != nil {
		// Only a connection that ends in the middle of a request (an
		// internal panic) still has one: nothing will answer it.
		w.req.cancel(context.Canceled)
	}
	w.req, w.tls, w.raw = nil, nil, nil
	c.w, c.x = nil, nil
	workPool.Put(w)
}

// Request returns the parsed request head. Its byte slices point into the
// connection's read buffer and are valid until the handler returns.
func (x *Ctx) Request() *parse.Request { return &x.req }

// Method returns the request method ("GET"); valid until the handler returns.
func (x *Ctx) Method() []byte { return x.req.Method }

// Path returns the request path, still percent-encoded; valid until the
// handler returns.
func (x *Ctx) Path() []byte { return x.req.Path }

// Header returns the first value of the request header name (compared
// case-insensitively), or nil when absent. Valid until the handler returns.
func (x *Ctx) Header(name string) []byte { return x.req.Header(name) }

// Body returns the request body with its framing removed. Reads return
// io.EOF at its end; a *parse.Error for a malformed or oversized body
// (parse.ErrBadChunk, parse.ErrBodyTooLarge, ...); io.ErrUnexpectedEOF when
// the client closed early; os.ErrDeadlineExceeded when the body timeout
// passed. Any such error closes the connection after the response. The
// first Read sends "100 Continue" when the client asked for it and no
// response was sent yet. A body left unread is discarded after the handler
// returns (up to MaxDrainBytes, else the connection closes).
func (x *Ctx) Body() io.Reader { return &x.body }

// maxBodyReserve bounds the buffer ReadBody reserves from Content-Length
// before any body byte has arrived.
const maxBodyReserve = 16 << 10

// ReadBody reads the whole body into a buffer owned by the connection,
// valid until the handler returns. Errors are those of Body.
func (x *Ctx) ReadBody() ([]byte, error) {
	buf := x.readBuf[:0]
	// Size the buffer for a declared length, but reserve no more than
	// maxBodyReserve up front: a client that announces megabytes and
	// sends nothing must not cost megabytes. Past it the buffer grows with
	// what actually arrives.
	if want := min(x.req.ContentLength, maxBodyReserve); x.req.Framing == parse.Length && int64(cap(buf)) < want {
		putBuf(buf)
		buf = getBuf(int(want))
	}
	for {
		if len(buf) == cap(buf) {
			nb := getBuf(2*cap(buf) + 1)
			nb = append(nb, buf...)
			putBuf(buf)
			buf = nb
		}
		n, err := x.body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			x.readBuf = buf
			return buf, nil
		}
		if err != nil {
			x.readBuf = buf
			return buf, err
		}
	}
}

// RemoteAddr returns the client's network address.
func (x *Ctx) RemoteAddr() net.Addr { return x.c.nc.RemoteAddr() }

// LocalAddr returns the server's address the client connected to.
func (x *Ctx) LocalAddr() net.Addr { return x.c.nc.LocalAddr() }

// TLS returns the TLS connection state, or nil when the connection is not
// TLS. The handshake has completed by the time a handler runs.
func (x *Ctx) TLS() *tls.ConnectionState {
	w := x.c.w
	if w.tls == nil {
		if tc, ok := x.c.nc.(*tls.Conn); ok {
			st := tc.ConnectionState()
			w.tls = &st
		}
	}
	return w.tls
}

// Context returns the request's context. It is cancelled when the handler
// returns; when the client closes or half-closes the connection while the
// handler runs, once the request body has been read to its end (the cause,
// context.Cause, is ErrClientGone; noticed through the server's poller,
// so on Linux and not with GoroutinePerConn; watching starts once a
// request that called the context's Done has run 50 ms since its bytes
// came, so a handler that never waits on it, or only briefly, pays
// nothing, and a client that leaves is noticed up to 75 ms after the
// request began, or 25 ms after Done); as soon as a write to
// the client fails; and when the
// server's base context is cancelled (a forced shutdown).
func (x *Ctx) Context() context.Context { return x.c.requestContext() }

// Logger returns the server's logger.
func (x *Ctx) Logger() *slog.Logger { return x.c.cfg.Logger }

// KeepAlive reports whether the connection will stay open after this
// response (so far: the client, the server's draining state and the
// response may still close it).
func (x *Ctx) KeepAlive() bool { return !x.c.closeAfter }

// SetClose makes the connection close after this response, which then
// carries "Connection: close".
func (x *Ctx) SetClose() { x.c.closeAfter = true }
