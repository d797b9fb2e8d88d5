package conn

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/microframe/microframe/parse"
)

// Connection states, as seen by other goroutines through Conn.CloseIfIdle.
const (
	stateActive   int32 = iota // reading a head, running a handler or writing
	stateIdle                  // waiting for the first byte of the next request
	stateClosed                // closed by CloseIfIdle or Close; the actor is leaving
	stateHijacked              // handed over by Ctx.Hijack: the engine no longer touches the socket
)

// errClosedIdle is how the actor learns that another goroutine closed it
// while it was idle.
var errClosedIdle = errors.New("conn: closed while idle")

// Conn is one client connection: an actor that owns its buffers and state.
// Serve runs its whole life on one goroutine; apart from CloseIfIdle and
// Close, which other goroutines may call at any time, nothing else touches
// its fields.
type Conn struct {
	nc      net.Conn
	cfg     *Config
	handler Handler
	state   atomic.Int32

	// Owned by the actor goroutine.
	rbuf       []byte // read buffer; unread bytes are rbuf[r0:r1]
	r0, r1     int
	out        []byte // response bytes not yet written to nc
	parser     parse.Parser
	x          Ctx       // the request being served
	now        time.Time // read once per request cycle
	rdl        time.Time // read deadline currently set on nc
	wdl        time.Time // write deadline currently set on nc
	closeAfter bool      // close after the current response
	broken     bool      // a write failed: nothing more can be sent
	served     int       // requests served on this connection
	debug      bool      // log each request (the logger's Debug level when the connection started)
	idle       bool      // counted in Counters.Idle rather than Active
	hijacked   bool      // Ctx.Hijack handed the socket over: never read, write or close it again
	userRDL    bool      // the handler set the read deadline (Ctx.SetReadDeadline) for this request
	userWDL    bool      // the handler set the write deadline (Ctx.SetWriteDeadline) for this request
	one        [1]byte

	connCtx    context.Context
	connCancel context.CancelFunc
	reqCtx     context.Context // the current request's, made on first use
	reqCancel  context.CancelFunc
	tlsState   *tls.ConnectionState
}

// New returns a connection actor for nc that will serve h under cfg (built
// with Config.WithDefaults). Call Serve to run it.
func New(nc net.Conn, cfg *Config, h Handler) *Conn {
	c := &Conn{nc: nc, cfg: cfg, handler: h}
	c.parser.Limits = cfg.Limits
	c.debug = cfg.Logger.Enabled(cfg.BaseContext, slog.LevelDebug)
	c.x.c = c
	c.x.body.c = c
	c.x.body.dec.Limits = cfg.Limits
	return c
}

// CloseIfIdle closes the connection if it is waiting for its next request
// and reports whether it did. A connection in the middle of a request is
// left alone. Safe to call from any goroutine.
func (c *Conn) CloseIfIdle() bool {
	if c.state.CompareAndSwap(stateIdle, stateClosed) {
		c.nc.Close()
		return true
	}
	return false
}

// Close closes the connection at once, whatever it is doing; a handler in
// progress sees its writes fail. A hijacked connection belongs to whoever
// hijacked it and is left alone. Safe to call from any goroutine.
func (c *Conn) Close() error {
	for {
		s := c.state.Load()
		if s == stateHijacked {
			return nil
		}
		if c.state.CompareAndSwap(s, stateClosed) {
			return c.nc.Close()
		}
	}
}

// Serve runs the connection until the client leaves, an error or timeout
// ends it, or the server drains. It closes nc before returning and never
// panics (a handler panic is recovered, logged and answered with 500).
func (c *Conn) Serve() {
	cnt := c.cfg.Counters
	cnt.Active.Add(1)
	defer c.finish()
	for {
		if err := c.readHead(); err != nil {
			c.headError(err)
			return
		}
		c.serveRequest()
		if c.hijacked {
			return
		}
		if c.closeAfter || c.broken {
			c.flush()
			return
		}
	}
}

// finish releases everything the connection holds.
func (c *Conn) finish() {
	if r := recover(); r != nil {
		c.cfg.Counters.Panics.Add(1)
		c.cfg.Logger.Error("conn: internal panic", "remote", c.nc.RemoteAddr().String(), "panic", r)
	}
	// Which counter holds this connection is the actor's own record: the
	// state may have been switched to closed by CloseIfIdle meanwhile.
	if c.idle {
		c.cfg.Counters.Idle.Add(-1)
	} else {
		c.cfg.Counters.Active.Add(-1)
	}
	if !c.hijacked {
		c.state.Store(stateClosed)
		c.nc.Close()
	}
	if c.connCancel != nil {
		c.connCancel()
	}
	c.releaseBuffers()
	c.x.releaseBuffers()
}

// releaseBuffers returns the read and write buffers to their pools. Only
// called when no request bytes are buffered and all output was written.
func (c *Conn) releaseBuffers() {
	if c.rbuf != nil {
		putBuf(c.rbuf[:0])
		c.rbuf = nil
		// The last request's fields point into rbuf, its Headers too
		// (beyond their length as well): left alone, they would keep the
		// released buffer alive for as long as the connection idles.
		hs := c.x.req.Headers[:cap(c.x.req.Headers)]
		clear(hs)
		c.x.req = parse.Request{Headers: hs[:0]}
	}
	if c.out != nil {
		putBuf(c.out)
		c.out = nil
	}
	c.r0, c.r1 = 0, 0
}

// context returns the connection's context, creating it on first use.
func (c *Conn) context() context.Context {
	if c.connCtx == nil {
		c.connCtx, c.connCancel = context.WithCancel(c.cfg.BaseContext)
		if c.broken {
			c.connCancel() // a write already failed: the client is gone
		}
	}
	return c.connCtx
}

// requestContext returns the current request's context, creating it on
// first use: a child of the connection's, cancelled when the handler
// returns.
func (c *Conn) requestContext() context.Context {
	if c.reqCtx == nil {
		c.reqCtx, c.reqCancel = context.WithCancel(c.context())
	}
	return c.reqCtx
}

// endRequest cancels the request's context, if one was made.
func (c *Conn) endRequest() {
	if c.reqCancel != nil {
		c.reqCancel()
		c.reqCtx, c.reqCancel = nil, nil
	}
}

// isTimeout reports whether err is a deadline expiry.
func isTimeout(err error) bool {
	return errors.Is(err, os.ErrDeadlineExceeded)
}

// isEOF reports whether err means the client went away.
func isEOF(err error) bool {
	return err == io.EOF || errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
