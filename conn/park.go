package conn

import (
	"errors"
	"net"
	"syscall"
	"time"

	"github.com/microframe/microframe/internal/poller"
)

// The connection state machine. The state lives in the low byte of
// Conn.state; the bits above count parks, so that a closer acting on a
// parked connection (idle timeout, Shutdown) can never hit a later park of
// the same connection by mistake.
//
//	active  ──(nothing buffered, output flushed)──►  idle
//	idle    ──(bytes arrive)──►  active
//	idle    ──(linger over or refused; armed on the poller)──►  parked
//	parked  ──(poller event; submitted to the pool)──►  idle (resumed by a worker)
//	idle, parked ──(CloseIfIdle, Close, idle timeout)──►  closed
//	active  ──(a partial head stalls; armed)──►  parkedHead
//	parkedHead ──(poller event, or head timeout: submitted)──►  active
//	active, parkedHead ──(Close)──►  closed
//
// Writing the responses of a batch (flushing) is part of active: a
// connection parks only after its output reached the socket.
const (
	stateActive     uint64 = iota // reading a head, running a handler or writing
	stateIdle                     // waiting for the next request, on a goroutine
	stateParked                   // waiting for the next request without a goroutine, armed on the poller
	stateClosed                   // closed; whoever closed a parked connection also finished it
	stateParkedHead               // like parked, in the middle of a head: keeps its buffer and parser

	stateMask uint64 = 0xff
	parkStep  uint64 = 0x100
)

// errParked tells Serve that the connection parked: it belongs to the
// poller now, and the goroutine must not touch it any more.
var errParked = errors.New("conn: parked")

// casState moves the connection from one state to another, keeping the
// park count, and reports whether it was in from.
func (c *Conn) casState(from, to uint64) bool {
	for {
		w := c.state.Load()
		if w&stateMask != from {
			return false
		}
		if c.state.CompareAndSwap(w, w&^stateMask|to) {
			return true
		}
	}
}

// register registers the connection's socket sc with p, once (on the
// first park or hang-up watch), and stores the registration for closers.
// The system poller gets the connection itself as its event handler
// (pollEvents); another Poller gets the method value c.onPollEvent, a
// closure allocated per connection.
func (c *Conn) register(p Poller, sc syscall.Conn) (PollRegistration, error) {
	var r PollRegistration
	var err error
	if sp, ok := p.(*SystemPoller); ok {
		r, err = sp.register(sc, (*pollEvents)(c))
	} else {
		r, err = p.Register(sc, c.onPollEvent)
	}
	if err != nil {
		return nil, err
	}
	c.reg.Store(r)
	return r, nil
}

// pollEvents is a Conn as the system poller's event handler: a pointer
// fits the interface, so registering allocates no closure.
type pollEvents Conn

// OnEvent implements poller.Handler.
func (e *pollEvents) OnEvent(poller.Event) { (*Conn)(e).onPollEvent() }

// registration returns the connection's poller registration, or nil.
func (c *Conn) registration() PollRegistration {
	r, _ := c.reg.Load().(PollRegistration)
	return r
}

// onPollEvent runs on the poller goroutine: a parked connection that
// became readable (or whose peer left) goes back to idle and is handed to
// Parking.Wake. Exactly one wake follows a park: the poller reports once
// per arm, and the compare-and-swap loses to a closer that got there
// first.
func (c *Conn) onPollEvent() {
	c.hangArmed.Store(false) // every arm reports once: this was it
	w := c.state.Load()
	if w&stateMask == stateActive && c.hangUp() {
		return // a running handler's client left (hangup.go)
	}
	if !c.unpark(w) {
		return
	}
	c.cfg.Counters.Parked.Add(-1)
	c.cfg.Park.Wake(c)
}

// unpark takes the connection out of the parked state it was in as w, for
// a worker to resume: a connection waiting for a request resumes its idle
// wait (idle, c.resumed), one in the middle of a head resumes reading it
// (active). It reports false if w is not parked or the connection moved on.
func (c *Conn) unpark(w uint64) bool {
	switch w & stateMask {
	case stateParked:
		if !c.state.CompareAndSwap(w, w&^stateMask|stateIdle) {
			return false
		}
		c.resumed = true // published to the worker by Wake's hand-off
		return true
	case stateParkedHead:
		if !c.state.CompareAndSwap(w, w&^stateMask|stateActive) {
			return false
		}
		c.woke = true // published to the worker by Wake's hand-off
		return true
	}
	return false
}

// MidRequest reports whether the connection is in the middle of a
// request: handed to Parking.Wake with part of a head or body received, or
// yielding its worker between pipelined requests, rather than for a new
// request (a connection that has not run yet is not in the middle of one). A server may run such connections after the
// others: a slow client's next bytes can wait, a new request should not.
// Meaningful between Wake and the next Serve; safe to call from any
// goroutine then.
func (c *Conn) MidRequest() bool {
	return c.state.Load()&stateMask == stateActive && c.started
}

// CanPark reports whether a connection over nc can park (Config.Park): nc
// must be a plain TCP or Unix socket, whose unread bytes all sit in the
// kernel where the poller sees them. A TLS connection (or any wrapper
// that may buffer bytes of its own) cannot; it keeps its goroutine while
// idle. A server uses it to choose how to schedule a new connection.
func CanPark(nc net.Conn) bool {
	switch nc.(type) {
	case *net.TCPConn, *net.UnixConn:
		return true
	}
	return false
}

// canPark reports whether a connection over nc may park: the server
// parks connections and the socket is one its poller can watch.
func canPark(cfg *Config, nc net.Conn) bool {
	return cfg.Park != nil && CanPark(nc)
}

// park gives up the connection's goroutine and arms the poller. Idle (not
// head), it must have nothing buffered and gives its buffers and work back
// too; in the middle of a head it keeps them. until is when its wait
// times out. park returns errParked when the connection now belongs to the
// poller, or another error if it was closed meanwhile (the caller then
// finishes it). If the poller refuses the socket it returns nil, and the
// connection waits on its goroutine from then on.
func (c *Conn) park(until time.Time, head bool) error {
	from, to := stateIdle, stateParked
	if head {
		from, to = stateActive, stateParkedHead
	}
	r := c.registration()
	if r == nil {
		var err error
		if r, err = c.register(c.cfg.Park.Poller, c.nc.(syscall.Conn)); err != nil {
			c.parkable = false
			return nil
		}
	}
	if !head {
		c.releaseBuffers()
		c.putWork()
		// A deadline still ahead (the write timeout of the last response,
		// a head timeout) keeps a timer in the runtime's heap for as long
		// as it runs: a parked connection needs none (the sweep enforces
		// until), and a resumed one sets its own (its work is new).
		c.nc.SetDeadline(time.Time{})
	} else {
		c.shrinkReadBuf() // a slow client's few bytes need no 4 KiB while it is away
	}
	c.parkUntil.Store(until.UnixNano())
	// Parked before armed: an event that fires at once (bytes already
	// there) must find the connection parked, or the wake-up is lost.
	for {
		w := c.state.Load()
		if w&stateMask != from {
			// Closed meanwhile: the actor finishes the connection, and
			// holds work whenever it runs.
			c.takeWork()
			return errClosedIdle
		}
		if c.state.CompareAndSwap(w, (w&^stateMask|to)+parkStep) {
			break
		}
	}
	c.cfg.Counters.Parked.Add(1)
	if !head {
		c.cfg.Counters.IdleReleases.Add(1)
	}
	c.hangArmed.Store(false) // ArmRead replaces a hang-up arm
	if err := r.ArmRead(); err != nil {
		// No event will come. Take the connection back unless a closer
		// already did (then it is the closer's to finish).
		if !c.casState(to, from) {
			return errParked
		}
		c.cfg.Counters.Parked.Add(-1)
		c.parkable = false
		c.takeWork()
		return nil
	}
	return errParked
}

// ExpireParked ends the wait of a parked connection whose timeout has
// passed by now, and reports whether it did. A connection waiting for its
// next request (IdleTimeout, or HeadTimeout from the accept before its
// first request) is closed and finished on the calling goroutine; one in
// the middle of a head (HeadTimeout) is handed to Parking.Wake, to answer
// 408 on a worker. A connection that is not parked, or whose timeout has
// not passed, is left alone. The server calls it from a periodic sweep
// over its connections, so parked connections need no timer each; it is
// safe to call from any goroutine, at any time.
func (c *Conn) ExpireParked(now time.Time) bool {
	w := c.state.Load()
	st := w & stateMask
	if st != stateParked && st != stateParkedHead || now.UnixNano() < c.parkUntil.Load() {
		return false
	}
	if st == stateParkedHead {
		if !c.unpark(w) {
			return false
		}
		c.cfg.Counters.Parked.Add(-1)
		c.cfg.Park.Wake(c)
		return true
	}
	if !c.state.CompareAndSwap(w, w&^stateMask|stateClosed) {
		return false
	}
	c.finishParked()
	return true
}

// finishParked releases a parked connection on the goroutine that closed
// it: the actor is gone, so nobody else will.
func (c *Conn) finishParked() {
	cnt := c.cfg.Counters
	cnt.Parked.Add(-1)
	if c.idle {
		cnt.Idle.Add(-1)
	} else {
		cnt.Active.Add(-1) // parked in the middle of a head
	}
	c.releaseBuffers()
	c.putWork()
	c.closeSocket()
	if c.cfg.Finished != nil {
		c.cfg.Finished(c)
	}
}

// closeSocket removes the socket from the poller, then closes it.
func (c *Conn) closeSocket() {
	if r := c.registration(); r != nil {
		r.Deregister()
	}
	c.nc.Close()
}
