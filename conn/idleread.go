package conn

import (
	"io"
	"os"
	"syscall"
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
// buffer. With a buffer already there it is readWhenReady; without one,
// it reads into a buffer taken from the pool for the read, given back
// when the read finds nothing, and waits for the socket without it (see
// lazyRead). It returns like readWhenReady.
func (c *Conn) readIdle() (int, error) {
	w := c.w
	if w.rbuf != nil {
		return c.readWhenReady(w.rbuf)
	}
	raw := c.rawConn()
	if raw == nil {
		w.rbuf = c.newReadBuf(c.cfg.ReadBufferSize)
		return c.read(w.rbuf)
	}
	w.rn, w.rerr = 0, nil
	err := raw.Read(w.lazyReadFn)
	n, rerr := w.rn, w.rerr
	w.rerr = nil
	if err != nil {
		return 0, err // the deadline passed, or the socket was closed
	}
	w.full = n == len(w.rbuf)
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
	putBuf(w.rbuf[:0])
	w.rbuf = nil
	w.r0, w.r1 = 0, 0
}
