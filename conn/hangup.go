package conn

import (
	"context"
	"crypto/tls"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/microframe/microframe/internal/poller"
)

// Disconnect detection while a handler runs. A request's context is made
// on the first call of Ctx.Context; the first call of its Done (by the
// handler, or by anything it passed the context to) asks the server's
// poller to report a hang-up of the socket (EPOLLRDHUP: the client closed
// or half-closed its side, or the socket failed), and the report cancels
// the context with ErrClientGone as its cause. A handler that never waits
// on its context costs nothing: no registration, no system call.
//
// As in net/http, a hang-up is watched for only once the request body has
// been read to its end (at once for a request without a body): before
// that, the client may still be sending it. The watch ends when the
// handler returns (Disarm), or when it hijacks the connection. Connections
// the poller cannot watch (no poller: not Linux, or GoroutinePerConn) are
// not watched: their context ends when a write fails, when the handler
// returns, or at a forced shutdown.

// hangState is the watch of one connection. mu orders arming against the
// end of the request: Done may be called from any goroutine, at any time,
// even after the handler returned.
type hangState struct {
	mu       sync.Mutex
	wanted   atomic.Bool // Done was called during the current request
	bodyDone atomic.Bool // the current request's body was read to its end (or failed)
	armed    bool        // under mu: ArmHangUp is in effect for cur
	cur      *requestCtx // under mu: the request being watched; nil between requests
}

// requestCtx is a request's context: a cancellable child of the
// connection's whose Done arms the hang-up watch.
type requestCtx struct {
	context.Context
	cancel context.CancelCauseFunc
	c      *Conn
	asked  atomic.Bool // Done was called
}

// Done returns the channel closed when the request's context ends; its
// first call starts watching the client for a hang-up.
func (r *requestCtx) Done() <-chan struct{} {
	if !r.asked.Load() && r.asked.CompareAndSwap(false, true) {
		r.c.wantHangUp(r)
	}
	return r.Context.Done()
}

// requestContext returns the current request's context, creating it on
// first use.
func (c *Conn) requestContext() context.Context {
	if c.req == nil {
		ctx, cancel := context.WithCancelCause(c.context())
		r := &requestCtx{Context: ctx, cancel: cancel, c: c}
		c.hang.mu.Lock()
		c.hang.cur = r
		c.hang.mu.Unlock()
		c.req = r
	}
	return c.req
}

// startRequest resets the watch for a new request; bodyDone says whether
// the request has no body left to read.
func (c *Conn) startRequest(bodyDone bool) {
	c.hang.wanted.Store(false)
	c.hang.bodyDone.Store(bodyDone)
}

// endRequest stops the watch and cancels the request's context, if one
// was made.
func (c *Conn) endRequest() {
	r := c.req
	if r == nil {
		return
	}
	c.req = nil
	c.stopWatch()
	r.cancel(context.Canceled)
}

// stopWatch ends the watch of the current request (the handler returned,
// or hijacked the connection).
func (c *Conn) stopWatch() {
	h := &c.hang
	h.mu.Lock()
	h.cur = nil
	if h.armed {
		h.armed = false
		if r := c.reg.Load(); r != nil {
			r.Disarm()
		}
	}
	h.mu.Unlock()
}

// wantHangUp is called by the first Done of r, on any goroutine.
func (c *Conn) wantHangUp(r *requestCtx) {
	h := &c.hang
	h.wanted.Store(true)
	if h.bodyDone.Load() {
		c.armHangUp()
	}
}

// bodyEnded is called by the actor when the body was read to its end or
// failed: a watch that was waiting for it starts now.
func (c *Conn) bodyEnded() {
	h := &c.hang
	h.bodyDone.Store(true)
	if h.wanted.Load() {
		c.armHangUp()
	}
}

// armHangUp arms the poller for the current request, once. Both the
// goroutine that called Done and the actor (at the end of the body) may
// get here; mu makes it once, and never after the request ended.
func (c *Conn) armHangUp() {
	h := &c.hang
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.armed || h.cur == nil {
		return
	}
	r := c.reg.Load()
	if r == nil {
		sc := watchable(c.cfg, c.nc)
		if sc == nil {
			return
		}
		var err error
		if r, err = c.cfg.Poller.Register(sc, (*pollHandler)(c)); err != nil {
			return
		}
		c.reg.Store(r)
	}
	if r.ArmHangUp() == nil {
		h.armed = true
	}
}

// hangUp runs on the poller goroutine when an armed watch fires: it
// cancels the watched request's context. It reports false when no request
// is watched (the event is then a parked connection's).
func (c *Conn) hangUp() bool {
	h := &c.hang
	h.mu.Lock()
	r := h.cur
	watching := h.armed
	h.armed = false
	h.mu.Unlock()
	if !watching || r == nil {
		return false
	}
	c.cfg.Counters.HangUps.Add(1)
	r.cancel(ErrClientGone)
	return true
}

// watchable returns the socket the poller can watch for nc (for TLS, the
// TCP connection underneath), or nil.
func watchable(cfg *Config, nc any) syscall.Conn {
	if cfg.Poller == nil {
		return nil
	}
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	sc, _ := nc.(syscall.Conn)
	return sc
}

var _ poller.Handler = (*pollHandler)(nil)
