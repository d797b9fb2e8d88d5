package conn

import (
	"io"
	"os"
	"runtime"
	"syscall"
	"time"
)

// A connection that waits for its next request keeps its goroutine for
// BufferReleaseDelay (less when workers are scarce) before it parks: a
// busy client's next request comes sooner than that. After a burst of
// new clients that each made one request, hundreds of connections wait
// so at once, and a read buffer each would be most of what the burst
// leaves resident. So the actor gives its read buffer back when nothing
// is buffered (readHead, before waitIdle), waits for the socket to be
// readable without one, and takes one from the pool only then.

// readIdle reads the first bytes of the next request into the read
// buffer. With a buffer already there it is a plain read; without one,
// it reads into a buffer taken from the pool for the read, given back
// when the read finds nothing, and waits for the socket without it (see
// lazyRead). It returns like net.Conn's Read.
func (c *Conn) readIdle() (n int, err error) {
	w := c.w
	defer func() { w.readFull = n > 0 && n == len(w.rbuf) }()
	if w.rbuf != nil {
		return c.nc.Read(w.rbuf)
	}
	raw := c.rawConn()
	if raw == nil {
		w.rbuf = c.newReadBuf(c.cfg.ReadBufferSize)
		return c.nc.Read(w.rbuf)
	}
	w.rn, w.rerr = 0, nil
	c.lingering.Store(lingerWait)
	err = raw.Read(w.lazyReadFn)
	c.endLinger()
	n, rerr := w.rn, w.rerr
	w.rerr = nil
	if err != nil {
		return 0, err // the deadline passed (or StopLingering moved it), or the socket was closed
	}
	return n, rerr
}

// lazyRead is the callback of readIdle's RawConn.Read: it reads into the
// read buffer, taken from the pool if there is none, and on EAGAIN gives
// the buffer back and asks for a wait. Its first call always reads, even
// when the last read drained the socket: RawConn.Read forgets a readiness
// event that came before it was called (edge-triggered netpoller), so
// bytes that arrived since the last read must be looked for, or the wait
// would sleep on them until its deadline. It is bound once per work
// (work.lazyReadFn), so that a read allocates nothing.
func (w *work) lazyRead(fd uintptr) bool {
	b := w.rbuf
	if b == nil {
		b = getBuf(w.x.c.cfg.ReadBufferSize)
		b = b[:cap(b)]
	}
	for {
		n, err := syscall.Read(int(fd), b)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			if w.rbuf == nil {
				putBuf(b[:0]) // nothing to read: wait without it
			}
			return false
		}
		w.rbuf = b
		switch {
		case err != nil:
			w.rn, w.rerr = 0, os.NewSyscallError("read", err)
		case n == 0:
			w.rn, w.rerr = 0, io.EOF
		default:
			w.rn = n
		}
		return true
	}
}

// The states of Conn.lingering: StopLingering moves the read deadline of
// a connection that waits in readIdle only between lingerWait and
// lingerStopped, and the actor, once its wait is over, waits for a
// stopper that is between the two.
const (
	notLingering   uint32 = iota
	lingerWait            // the actor waits for its next request in readIdle
	lingerStopping        // a stopper is moving the read deadline
	lingerStopped         // the read deadline is aLongTimeAgo
)

// aLongTimeAgo is the read deadline that ends a wait at once.
var aLongTimeAgo = time.Unix(1, 0)

// StopLingering ends the wait of a connection that waits on its goroutine
// for its next request (for BufferReleaseDelay, with no buffer but its
// per-request state and its goroutine), as if its linger were over: a
// parkable connection parks at once and its goroutine is free. It reports
// whether the connection was waiting so (or was stopped so already, and
// has yet to leave its wait); any other connection (running a request,
// parked, waiting for the rest of a request) is left alone. A
// server calls it when goroutines are scarce, rather than count such a
// wait as blocked work. Safe to call from any goroutine, at any time.
func (c *Conn) StopLingering() bool {
	if !c.lingering.CompareAndSwap(lingerWait, lingerStopping) {
		v := c.lingering.Load()
		return v == lingerStopping || v == lingerStopped // stopped already, and about to park
	}
	c.nc.SetReadDeadline(aLongTimeAgo)
	c.lingering.Store(lingerStopped)
	return true
}

// endLinger ends readIdle's wait: when StopLingering moved the read
// deadline, the actor's record of it (work.rdl) says so, and the next
// read sets its own.
func (c *Conn) endLinger() {
	for !c.lingering.CompareAndSwap(lingerWait, notLingering) {
		if c.lingering.CompareAndSwap(lingerStopped, notLingering) {
			c.w.rdl = aLongTimeAgo
			return
		}
		runtime.Gosched() // a stopper is between its two steps: a moment
	}
}

// rawConn returns the socket's RawConn (made once per work), or nil for
// a socket without one (TLS, or a test's pipe).
func (c *Conn) rawConn() syscall.RawConn {
	w := c.w
	if w.raw == nil {
		sc, ok := c.nc.(syscall.Conn)
		if !ok {
			return nil
		}
		raw, err := sc.SyscallConn()
		if err != nil {
			return nil
		}
		w.raw = raw
	}
	return w.raw
}

// releaseReadBuf gives the read buffer back before the actor waits for
// the next request with nothing buffered and no head pinned (readIdle
// takes one again once bytes are there).
func (c *Conn) releaseReadBuf() {
	w := c.w
	if w.rbuf == nil || w.r0 != w.r1 || w.keep != 0 || w.retired != nil {
		return
	}
	w.dropReadBuf()
}
