package conn

import (
	"context"
	"crypto/tls"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Disconnect detection while a handler runs. A request's context is made
// on the first call of Ctx.Context; the first call of its Done (by the
// handler, or by anything it passed the context to) asks the server's
// poller (Parking.Poller, else Config.WatchHangUps) to report a hang-up of
// the socket (ArmHangUp; EPOLLRDHUP on Linux: the client closed
// or half-closed its side, or the socket failed), and the report cancels
// the context with ErrClientGone as its cause. A handler that never waits
// on its context costs nothing: no registration, no system call. Nor does
// a short request that does: the watch is armed only once the request has
// run hangUpDelay since that first Done (hangUpTimer: one timer per work,
// which looks at the request that asked last), so that a handler passing
// its context to a quick database call pays neither epoll_ctl calls nor
// timer operations per request. A client that leaves is then noticed up
// to hangUpDelay late.
//
// As in net/http, a hang-up is watched for only once the request body has
// been read to its end (at once for a request without a body): before
// that, the client may still be sending it. The watch ends when the
// handler returns, or when it hijacks the connection. The socket stays
// armed for a hang-up then (Conn.hangArmed): a report that comes between
// requests finds no request watched and is dropped, and the next request
// that waits long is watched without a system call. A keep-alive client
// whose requests all wait on a database costs one epoll_ctl, not two per
// request. A park re-arms the socket for reading, which replaces the
// hang-up arm. Without a
// poller (none configured, or not Linux) nothing is watched: a request's
// context ends when a write fails, when the handler returns, or at a
// forced shutdown.
//
// The state lives in the request's context, allocated only for requests
// that ask for one, so that the Conn of a parked connection stays small.

// requestCtx is a request's context: a cancellable child of the
// connection's whose Done arms the hang-up watch. Its mu orders arming,
// which may happen on any goroutine and at any time (even after the
// handler returned), against the end of the request and the poller's
// event.
type requestCtx struct {
	context.Context
	cancel context.CancelCauseFunc
	c      *Conn
	w      *work       // the work serving the request: its hangUp timer
	asked  atomic.Bool // Done was called: the fast path of Done

	mu       sync.Mutex
	bodyDone bool      // the body was read to its end (or failed)
	due      bool      // hangUpDelay has passed since the first Done
	armed    bool      // ArmHangUp is in effect for this request
	ended    bool      // the handler returned or hijacked: never arm again
	askedAt  time.Time // the first Done
}

// hangUpTimer is a work's timer for the hang-up delay, made once and
// shared by every request the work serves. It is not reset when a
// request asks and stopped when it ends: at tens of thousands of requests
// a second that was two timer operations per request (and the reset
// could wake the netpoller with a system call), while a request that
// waits long is the rare case. Instead the timer, once started, runs
// until no request of the work needs it: each time it fires it looks at
// the request that asked last (req), arms its watch if it has run
// hangUpDelay since it asked, or waits out the rest; a request that asks
// while the timer is pending only records when it asked.
type hangUpTimer struct {
	t       atomic.Pointer[time.Timer]
	req     atomic.Pointer[requestCtx] // the running request that asked, nil once it ended
	pending atomic.Bool                // t will fire (or is firing) and look at req
}

// start makes sure the timer will look at req within hangUpDelay: it
// starts it unless it is pending already.
func (t *hangUpTimer) start() {
	if !t.pending.CompareAndSwap(false, true) {
		return // the pending timer will find req
	}
	tm := t.t.Load()
	if tm == nil {
		// Made stopped and stored before it can fire: fire reads t.t.
		tm = time.AfterFunc(time.Hour, t.fire)
		tm.Stop()
		t.t.Store(tm)
	}
	tm.Reset(hangUpDelay)
}

// fire runs when the timer expires: it arms the watch of the request
// that asked if it is due, or sleeps until it is; with nothing to wait
// for, it stops, unless a request asked meanwhile and left it to this
// timer (it saw the timer pending).
func (t *hangUpTimer) fire() {
	r := t.req.Load()
	for {
		if r != nil {
			if left := r.armWhenDue(); left > 0 {
				t.t.Load().Reset(left) // still pending
				return
			}
		}
		t.pending.Store(false)
		next := t.req.Load()
		if next == nil || next == r || !t.pending.CompareAndSwap(false, true) {
			return // nothing new, or its Done started the timer again
		}
		r = next
	}
}

// hangUpDelay is how long a request runs after the first Done of its
// context before the hang-up watch is armed.
const hangUpDelay = 5 * time.Millisecond

// Done returns the channel closed when the request's context ends; its
// first call starts watching the client for a hang-up.
func (r *requestCtx) Done() <-chan struct{} {
	if !r.asked.Load() && r.asked.CompareAndSwap(false, true) {
		r.mu.Lock()
		if !r.ended {
			// The work is this request's until it ends, and ended is
			// set under r.mu: no other request of the work asks now.
			r.askedAt = time.Now()
			ht := &r.w.hangUp
			ht.req.Store(r)
			ht.start()
		}
		r.mu.Unlock()
	}
	return r.Context.Done()
}

// armWhenDue is the timer's look at the request: once hangUpDelay has
// passed since its first Done it arms the watch (now, or once the body
// has been read) and returns 0; before that it returns the time left.
// It returns 0 for a request that ended or is armed: the timer need not
// look at it again.
func (r *requestCtx) armWhenDue() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended || r.due {
		return 0
	}
	if left := hangUpDelay - time.Since(r.askedAt); left > 0 {
		return left
	}
	r.due = true
	r.armLocked()
	return 0
}

// armLocked arms the poller if the watch was asked for, the body is read
// and the request still runs; r.mu is held.
func (r *requestCtx) armLocked() {
	if r.armed || r.ended || !r.bodyDone || !r.due {
		return
	}
	c := r.c
	reg := c.registration()
	if reg == nil {
		p := c.cfg.watchPoller()
		sc := watchable(p, c.nc)
		if sc == nil {
			return
		}
		var err error
		if reg, err = c.register(p, sc); err != nil {
			return
		}
	}
	c.watched.Store(r)
	if c.hangArmed.Load() {
		r.armed = true // armed by an earlier request, not reported since
		return
	}
	// Marked before the system call: the report, which clears the mark,
	// may come as soon as the socket is armed.
	c.hangArmed.Store(true)
	if reg.ArmHangUp() == nil {
		r.armed = true
	} else {
		c.hangArmed.Store(false)
	}
}

// requestContext returns the current request's context, creating it on
// first use: a child of the server's base context, already cancelled if
// a write to the client failed.
func (c *Conn) requestContext() context.Context {
	w := c.w
	if w.req == nil {
		ctx, cancel := context.WithCancelCause(c.cfg.BaseContext)
		w.req = &requestCtx{Context: ctx, cancel: cancel, c: c, w: w, bodyDone: c.bodyDone}
		if c.broken {
			cancel(context.Canceled) // the client is gone
		}
	}
	return w.req
}

// cancelRequest cancels the current request's context, if one was made,
// because a write to the client failed: work done for it can stop now.
func (c *Conn) cancelRequest() {
	if w := c.w; w != nil && w.req != nil {
		w.req.cancel(context.Canceled)
	}
}

// bodyEnded is called by the actor when the body was read to its end or
// failed: a watch that was waiting for it starts now.
func (c *Conn) bodyEnded() {
	c.bodyDone = true
	if r := c.w.req; r != nil {
		r.mu.Lock()
		r.bodyDone = true
		r.armLocked()
		r.mu.Unlock()
	}
}

// stopWatch ends the watch of the current request (the handler returned,
// or hijacked the connection).
func (c *Conn) stopWatch() {
	if c.w == nil || c.w.req == nil {
		return
	}
	r := c.w.req
	r.mu.Lock()
	r.ended = true
	// If it asked, the work's timer (if pending) now finds nothing and
	// stops. The socket stays armed (c.hangArmed): see the top of this file.
	r.w.hangUp.req.CompareAndSwap(r, nil)
	r.armed = false
	r.mu.Unlock()
	c.watched.CompareAndSwap(r, nil)
}

// endRequest stops the watch and cancels the request's context, if one
// was made.
func (c *Conn) endRequest() {
	if c.w == nil || c.w.req == nil {
		return
	}
	r := c.w.req
	c.stopWatch()
	c.w.req = nil
	r.cancel(context.Canceled)
}

// hangUp runs on the poller goroutine for an event on an active
// connection: it cancels the watched request's context. It reports false
// when no request was watched.
func (c *Conn) hangUp() bool {
	r := c.watched.Load()
	if r == nil {
		return false
	}
	r.mu.Lock()
	fire := r.armed && !r.ended
	r.armed = false
	r.mu.Unlock()
	if !fire {
		return false
	}
	c.cfg.Counters.HangUps.Add(1)
	r.cancel(ErrClientGone)
	return true
}

// watchable returns the socket p can watch for nc (for TLS, the TCP
// connection underneath), or nil when there is none or no poller.
func watchable(p Poller, nc any) syscall.Conn {
	if p == nil {
		return nil
	}
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	sc, _ := nc.(syscall.Conn)
	return sc
}
