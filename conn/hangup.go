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
// run hangUpDelay since it began (its bytes came) and has called Done
// (the sweeper: one timer for the process, which looks at the requests
// that asked), so that a handler passing its context to a quick database
// call pays no epoll_ctl call and no timer operation of its own, only an
// atomic push. A client that leaves is then noticed up to hangUpDelay +
// sweepTick after the request began, or sweepTick after its Done.
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
	asked  atomic.Bool // Done was called: the fast path of Done
	next   *requestCtx // the next request on the sweeper's list; owned by the list

	mu       sync.Mutex
	bodyDone bool      // the body was read to its end (or failed)
	due      bool      // hangUpDelay has passed since began, and Done was called
	armed    bool      // ArmHangUp is in effect for this request
	ended    bool      // the handler returned or hijacked: never arm again
	began    time.Time // when the request began (the work's clock): the delay counts from here
}

// sweeper is the one timer behind every request's hang-up delay, shared
// by all connections of the process. A request whose context was asked
// for Done is pushed onto a lock-free list (add); while the list is not
// empty, the timer fires every sweepTick and sweeps it: it arms the watch
// of each request that has run hangUpDelay since it began, keeps those
// that have not yet, and drops those that ended. Under load this is one
// timer event per tick for the whole server: a timer per request (or per
// connection, restarted by each request that asked) fired about once per
// request once requests queued past the delay, each fire a goroutine.
// When the list is empty the timer stops, so an idle server has none.
type sweeper struct {
	head    atomic.Pointer[requestCtx] // requests to look at, linked by next
	t       atomic.Pointer[time.Timer] // made on first use
	pending atomic.Bool                // t will fire (or is firing) and sweep
	sweeps  atomic.Int64               // sweeps so far, for tests
}

// sweep is the process's sweeper.
var sweep sweeper

const (
	// hangUpDelay is how long a request that called Done on its context
	// runs, from when it began, before the hang-up watch is armed. It was
	// 5 ms. At 50 ms a database request queued behind a busy pool is
	// rarely watched: on /updates?queries=20 at 64 connections (cmd/tfb,
	// requests of 20-30 ms) arming after 5 ms gave the framework handler a
	// p99 of 62-69 ms against 26-31 ms, though an armed watch makes no
	// system call and the poller never woke; without a database there is
	// no such tail (docs/benchmarks.md, "hangUpDelay 5 ms against 50 ms").
	// Work under 50 ms is not worth stopping for a client that left.
	hangUpDelay = 50 * time.Millisecond
	// sweepTick is the time between sweeps while requests wait on the
	// list: a request is armed up to sweepTick after it is due.
	sweepTick = hangUpDelay / 2
)

// add puts r on the list and makes sure a sweep will find it. Each
// request is added once (its first Done).
func (s *sweeper) add(r *requestCtx) {
	s.push(r, r)
	s.start()
}

// push puts the chain first..last (linked by next) at the head of the
// list.
func (s *sweeper) push(first, last *requestCtx) {
	for {
		old := s.head.Load()
		last.next = old
		if s.head.CompareAndSwap(old, first) {
			return
		}
	}
}

// start makes sure the timer will sweep within sweepTick, unless it is
// pending already.
func (s *sweeper) start() {
	if s.pending.Load() || !s.pending.CompareAndSwap(false, true) {
		return // the pending sweep will find the list
	}
	t := s.t.Load()
	if t == nil {
		// Made stopped and stored before it can fire: run reads s.t.
		t = time.AfterFunc(time.Hour, s.run)
		t.Stop()
		s.t.Store(t) // only one start gets here: it holds pending
	}
	t.Reset(sweepTick)
}

// run is the timer's function: it takes the whole list, arms the
// requests that are due, puts back those that are not due yet, and
// starts the timer again if the list is not empty.
func (s *sweeper) run() {
	s.sweeps.Add(1)
	var keep, tail *requestCtx
	for r := s.head.Swap(nil); r != nil; {
		next := r.next
		r.next = nil
		if r.armWhenDue() {
			if keep == nil {
				tail = r
			}
			r.next = keep
			keep = r
		}
		r = next
	}
	if keep != nil {
		s.push(keep, tail)
	}
	s.pending.Store(false)
	if s.head.Load() != nil {
		s.start() // kept requests, or ones added since the swap
	}
}

// Done returns the channel closed when the request's context ends; its
// first call starts watching the client for a hang-up: it puts the
// request on the sweeper's list, which drops it if it has ended by then.
func (r *requestCtx) Done() <-chan struct{} {
	if !r.asked.Load() && r.asked.CompareAndSwap(false, true) {
		sweep.add(r)
	}
	return r.Context.Done()
}

// armWhenDue is the sweeper's look at a request that asked for Done:
// once hangUpDelay has passed since it began it arms the watch (now, or
// once the body has been read). It reports whether the sweeper must look
// again: only while the request runs and is not due yet.
func (r *requestCtx) armWhenDue() (again bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended || r.due {
		return false
	}
	if time.Since(r.began) < hangUpDelay {
		return true
	}
	r.due = true
	r.armLocked()
	return false
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
		began := w.now // read when the request's bytes came
		if began.IsZero() {
			began = time.Now()
		}
		w.req = &requestCtx{Context: ctx, cancel: cancel, c: c, bodyDone: c.bodyDone, began: began}
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
	// If it asked, the next sweep drops it. The socket stays armed
	// (c.hangArmed): see the top of this file.
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
