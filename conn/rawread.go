package conn

import (
	"io"
	"os"
	"syscall"
)

// Reading the next request of a keep-alive client. The obvious loop
// (write the response, then Read) spends one system call per request on
// a read that almost always fails with EAGAIN: the client has not even
// received the response yet, let alone sent its next request. Go's
// net.Conn only waits on its netpoller after such a failed read. On a
// machine where a system call is dear (a virtual machine: loopback
// keep-alive here is about 80% kernel time) that wasted read is a large
// share of the cost of a small request, so the actor waits for readiness
// first and reads once, through syscall.RawConn.
//
// That is safe only when the last read left the socket drained: Go's
// netpoller is edge-triggered, so bytes that a read did not take (it
// filled its buffer) raise no new event and a wait would sleep on them.
// Every socket read of the actor goes through Conn.read, which records
// whether it filled its buffer (work.full); a full read, or not knowing
// (a fresh work), means read first, as net.Conn does. A readiness event
// that was already consumed by a read (bytes arrived while the actor
// ran) only makes the wait return at once and the read try again: the
// cost of the old way, never a lost wake-up.

// read reads from the socket into p, recording whether the read filled p
// (then the socket may hold more bytes, and the next wait must read first).
func (c *Conn) read(p []byte) (int, error) {
	n, err := c.nc.Read(p)
	c.w.full = n == len(p)
	return n, err
}

// readWhenReady reads like read, but waits for the socket to be readable
// before its first system call when the last read drained it. It falls
// back to read for a socket without a RawConn (TLS, or a test's pipe).
func (c *Conn) readWhenReady(p []byte) (int, error) {
	w := c.w
	if w.full || len(p) == 0 {
		return c.read(p)
	}
	if w.raw == nil {
		sc, ok := c.nc.(syscall.Conn)
		if !ok {
			return c.read(p)
		}
		raw, err := sc.SyscallConn()
		if err != nil {
			return c.read(p)
		}
		w.raw = raw
	}
	w.rp, w.rn, w.rerr, w.rwaited = p, 0, nil, false
	err := w.raw.Read(w.rawReadFn)
	n, rerr := w.rn, w.rerr
	w.rp, w.rerr = nil, nil
	if err != nil {
		return 0, err // the deadline passed, or the socket was closed
	}
	w.full = n == len(p)
	return n, rerr
}

// rawRead is the callback of readWhenReady's RawConn.Read: its first call
// asks for a wait (false), every later one reads. It is bound once per
// work (work.rawReadFn), so that a read allocates nothing.
func (w *work) rawRead(fd uintptr) bool {
	if !w.rwaited {
		w.rwaited = true
		return false
	}
	for {
		n, err := syscall.Read(int(fd), w.rp)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return false // a stale readiness event: wait again
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
