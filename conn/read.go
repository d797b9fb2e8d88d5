package conn

import (
	"errors"
	"time"
)

var (
	errDraining    = errors.New("conn: server is shutting down")
	errHeadTooBig  = errors.New("conn: read buffer limit reached")
	errHeadTimeout = errors.New("conn: request head timeout")
)

// readHead reads until the next request head is parsed into c.x.req. It
// first parses what is already buffered (pipelined requests need no read at
// all); before it blocks on the network it writes out every response
// produced so far, so a batch of pipelined requests is answered with one
// write.
func (c *Conn) readHead() error {
	for {
		if c.w.r1 > c.w.r0 {
			n, err := c.w.parser.Parse(c.w.rbuf[c.w.r0:c.w.r1], &c.x.req)
			if err != nil {
				return err
			}
			if n > 0 {
				c.w.r0 += n
				c.w.headStart = time.Time{}
				return nil
			}
			if c.w.headStart.IsZero() {
				c.w.headStart = time.Now()
			}
		}
		if len(c.w.out) > 0 {
			if err := c.flush(); err != nil {
				return err
			}
			if !c.w.readFull {
				c.releaseOut()
			}
		}
		if c.w.r0 == c.w.r1 {
			c.releaseReadBuf()
			if err := c.waitIdle(); err != nil {
				return err
			}
			c.w.headStart = c.w.now
			if !c.servedOne {
				// A new connection's first head must be complete within
				// HeadTimeout of the accept, not of its first byte: else
				// a client could wait in silence for almost the whole
				// timeout, then trickle its head for another one.
				c.w.headStart = c.acceptedAt.time()
			}
			continue
		}
		// A partial head: the rest must arrive before the head deadline.
		// A parkable connection waits for it as for a next request: for
		// BufferReleaseDelay (or not at all when workers are scarce), then
		// parks, keeping its buffer and parser, so that slow clients do
		// not hold workers.
		if err := c.makeRoom(); err != nil {
			return err
		}
		headEnd := c.w.headStart.Add(c.cfg.HeadTimeout)
		if err := c.readMidRequest(headEnd); err != nil {
			if err == errWaitOver {
				return errHeadTimeout
			}
			return err
		}
	}
}

// errWaitOver is readMidRequest's word that the deadline passed.
var errWaitOver = errors.New("conn: mid-request deadline passed")

// readMidRequest waits for more of a head or body, until dl, and appends
// what arrives to rbuf[r1:], which must have room. A parkable connection
// waits on its goroutine for midLinger, then parks until bytes come, its
// buffer and parser kept (errParked: Serve must return; a wake-up resumes
// the caller). It returns nil when bytes came (or the poller refused to
// park: the caller asks again), errWaitOver once dl has passed, and the
// socket's error otherwise.
func (c *Conn) readMidRequest(dl time.Time) error {
	c.progress.Add(1)
	now := time.Now()
	rdl := dl
	if c.parkable {
		linger := c.midLinger()
		if linger <= 0 && now.Before(dl) {
			if err := c.park(dl, true); err != nil {
				return err
			}
			linger = c.cfg.BufferReleaseDelay // the poller refused
		}
		if t := now.Add(linger); t.Before(rdl) {
			rdl = t
		}
	}
	c.setReadDeadline(rdl)
	n, err := c.nc.Read(c.w.rbuf[c.w.r1:])
	c.w.r1 += n
	if n > 0 || err == nil {
		return nil
	}
	if !isTimeout(err) {
		return err
	}
	if !c.parkable || !time.Now().Before(dl) {
		return errWaitOver
	}
	return c.park(dl, true)
}

// waitIdle waits for the first bytes of the next request with nothing
// buffered. The connection counts as idle meanwhile, so that Shutdown may
// close it. It keeps its goroutine and buffers for BufferReleaseDelay (the
// next request of a busy client comes sooner); then a parkable connection
// parks (errParked: the goroutine must leave), and any other returns its
// buffers to the pool and waits on a one-byte read until the idle timeout.
// A parkable connection that Parking.Linger refuses parks at once. Serve
// called after a wake-up comes back here (c.resumed) and reads.
func (c *Conn) waitIdle() error {
	cnt := c.cfg.Counters
	now := time.Now()
	if !c.resumed {
		c.w.r0, c.w.r1 = 0, 0
		if !c.casState(stateActive, stateIdle) {
			return errClosedIdle
		}
		cnt.Active.Add(-1)
		cnt.Idle.Add(1)
		c.idle = true
		timeout := c.cfg.IdleTimeout
		start := now
		if !c.servedOne {
			timeout = c.cfg.HeadTimeout // a new client should speak promptly
			start = c.acceptedAt.time()
		}
		c.idleEnd = monoOf(start.Add(timeout))
	}
	idleEnd := c.idleEnd.time()
	resumed := c.resumed
	c.resumed = false
	c.progress.Add(1)
	if c.cfg.Draining.Load() {
		return errDraining
	}
	linger := c.linger()
	if linger <= 0 {
		if resumed {
			linger = time.Millisecond // bytes are expected: read, but do not wait long
		} else if err := c.park(idleEnd, false); err != nil {
			return err
		} else {
			linger = c.cfg.BufferReleaseDelay // the poller refused: wait here
		}
	}
	dl := now.Add(linger)
	if idleEnd.Before(dl) {
		dl = idleEnd
	}
	c.setIdleDeadline(dl, linger/8)
	n, err := c.readIdle() // takes a read buffer once bytes are there
	if n == 0 && isTimeout(err) && time.Now().Before(idleEnd) {
		if c.parkable {
			if err := c.park(idleEnd, false); err != nil {
				return err
			}
		}
		// Quiet client: wait without buffers.
		c.releaseBuffers()
		c.x.releaseBuffers()
		cnt.IdleReleases.Add(1)
		c.setReadDeadline(idleEnd)
		n, err = c.nc.Read(c.one[:])
		if n > 0 {
			c.w.rbuf = c.newReadBuf(c.cfg.ReadBufferSize)
			c.w.rbuf[0] = c.one[0]
		}
	}
	if n == 0 {
		if err == nil {
			err = errClosedIdle
		}
		return err
	}
	c.w.r1 = n
	c.w.now = time.Now()
	if !c.casState(stateIdle, stateActive) {
		return errClosedIdle
	}
	cnt.Idle.Add(-1)
	cnt.Active.Add(1)
	c.idle = false
	return nil
}

// midRequestLinger caps the wait on the goroutine for the rest of a head
// or body that has stopped arriving. A client that pauses mid-request is
// usually a slow one (a bad network, or an attacker trickling bytes):
// holding a worker for it buys little, and a thousand of them would hold
// a thousand goroutines. The bytes of a fast client that came in two
// segments arrive well within it.
const midRequestLinger = 2 * time.Millisecond

// midLinger is linger for the rest of a head or body: at most
// midRequestLinger, and, right after a wake-up, never 0 (the bytes that
// woke the connection are read before it may park again; parking first
// would only be woken again at once, for as long as workers are scarce).
func (c *Conn) midLinger() time.Duration {
	d := min(c.linger(), midRequestLinger)
	if c.woke {
		c.woke = false
		d = max(d, time.Millisecond)
	}
	return d
}

// linger returns how long the connection may keep its goroutine waiting
// for bytes before it parks: BufferReleaseDelay, or less (0: park at once)
// when Parking.Linger says workers are scarce. Only parkable connections
// ask; the others always wait BufferReleaseDelay before they release
// their buffers.
func (c *Conn) linger() time.Duration {
	d := c.cfg.BufferReleaseDelay
	if c.parkable && c.cfg.Park.Linger != nil {
		d = min(d, c.cfg.Park.Linger())
	}
	return d
}

// newReadBuf returns a pooled buffer of at least n bytes, sliced to its
// full capacity.
func (c *Conn) newReadBuf(n int) []byte {
	b := getBuf(n)
	return b[:cap(b)]
}

// makeRoom makes sure rbuf has free space after r1: it allocates the
// buffer, moves unread bytes to the front (to just past the pinned head
// while a request is served), or doubles the buffer, up to twice the head
// limit (a head or chunk line larger than that was refused by the parser
// already).
func (c *Conn) makeRoom() error {
	if c.w.rbuf == nil {
		c.w.rbuf = c.newReadBuf(c.cfg.ReadBufferSize)
	}
	// A buffer shrunk while the connection was parked (shrink.go) grows
	// back to full size before the next read: read into a few hundred
	// bytes, a client that sends a lot at once (pipelining) cost a read
	// and a parse round per few requests (1,000 clients pipelining
	// without reading: fresh clients waited 20 ms instead of 1).
	small := len(c.w.rbuf) < c.cfg.ReadBufferSize
	if c.w.r1 < len(c.w.rbuf) && !small {
		return nil
	}
	if c.w.r0 > c.w.keep && !small {
		c.w.r1 = c.w.keep + copy(c.w.rbuf[c.w.keep:], c.w.rbuf[c.w.r0:c.w.r1])
		c.w.r0 = c.w.keep
		return nil
	}
	if len(c.w.rbuf) >= 2*c.cfg.Limits.MaxHeaderBytes+c.cfg.ReadBufferSize {
		return errHeadTooBig
	}
	nb := c.newReadBuf(max(2*len(c.w.rbuf), c.cfg.ReadBufferSize))
	c.w.r1 = copy(nb, c.w.rbuf[:c.w.r1])
	if c.w.keep > 0 && c.w.retired == nil {
		c.w.retired = c.w.rbuf // the pinned head's fields still point here
	} else {
		putBuf(c.w.rbuf[:0])
	}
	c.w.rbuf = nb
	return nil
}

// setReadDeadline sets the read deadline unless it is already t.
func (c *Conn) setReadDeadline(t time.Time) {
	if !t.Equal(c.w.rdl) {
		c.nc.SetReadDeadline(t)
		c.w.rdl = t
	}
}

// setIdleDeadline sets a deadline that moves forward with every request.
// Resetting it costs a timer update, so a current deadline that is at most
// slack earlier than t (and still ahead) is kept: the wait ends up to slack
// sooner, never later.
func (c *Conn) setIdleDeadline(t time.Time, slack time.Duration) {
	if !c.w.rdl.After(t) && t.Sub(c.w.rdl) <= slack {
		return
	}
	c.setReadDeadline(t)
}

// setWriteDeadline arms the write timeout for a write starting now, with
// the same slack rule as setIdleDeadline.
func (c *Conn) setWriteDeadline(now time.Time) {
	if c.userWDL {
		return // the handler's own deadline holds until it returns
	}
	t := now.Add(c.cfg.WriteTimeout)
	if !c.w.wdl.After(t) && t.Sub(c.w.wdl) <= c.cfg.WriteTimeout/8 {
		return
	}
	c.nc.SetWriteDeadline(t)
	c.w.wdl = t
}
