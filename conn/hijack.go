package conn

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"time"
)

// stateHijacked is the state (see park.go) of a connection handed over by
// Ctx.Hijack: nobody in the engine closes it any more.
const stateHijacked uint64 = stateParkedHead + 1

// Hijack hands the connection over to the handler, for a protocol that
// is not HTTP/1.1 from here on (a WebSocket after its 101 response, a
// CONNECT tunnel). What the handler wrote so far is sent first (a response
// that already streams is left unterminated), then the engine lets go: it
// no longer reads, writes, times out or closes the connection, and the
// caller must close it. Bytes the client sent after the request head and
// the engine already read come first out of the returned reader; the
// writer writes to the connection. Deadlines are cleared.
//
// After Hijack, Write, Flush and body reads on x fail with ErrHijacked.
// Hijack fails with ErrHijacked when called twice, and with ErrConnClosed
// when the connection already failed or is being closed (a forced
// shutdown).
func (x *Ctx) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c := x.c
	switch {
	case c.hijacked:
		return nil, nil, ErrHijacked
	case c.broken || x.abandoned:
		return nil, nil, ErrConnClosed
	}
	if x.headSent || len(x.pending) > 0 {
		if err := x.Flush(); err != nil {
			return nil, nil, err
		}
	} else if err := c.flush(); err != nil {
		return nil, nil, err
	}
	if !c.casState(stateActive, stateHijacked) {
		return nil, nil, ErrConnClosed
	}
	c.stopWatch()
	if r := c.registration(); r != nil {
		// The poller must not report on a socket that is no longer ours.
		// (Nothing reads the registration after this: the hijacked
		// connection is never closed, parked or watched again.)
		r.Deregister()
	}
	c.hijacked = true
	c.closeAfter = true
	c.nc.SetDeadline(time.Time{})
	var r io.Reader = c.nc
	if c.w.r1 > c.w.r0 {
		r = io.MultiReader(bytes.NewReader(bytes.Clone(c.w.rbuf[c.w.r0:c.w.r1])), c.nc)
		c.w.r0 = c.w.r1
	}
	return c.nc, bufio.NewReadWriter(bufio.NewReader(r), bufio.NewWriter(c.nc)), nil
}

// SetReadDeadline sets the deadline for reads of the request body,
// replacing Config.BodyTimeout for the rest of this request; the zero time
// means no deadline. It is what http.ResponseController.SetReadDeadline
// calls through the engine's adapter.
func (x *Ctx) SetReadDeadline(t time.Time) error {
	c := x.c
	if c.hijacked {
		return ErrHijacked
	}
	c.userRDL = true
	c.w.rdl = t
	return c.nc.SetReadDeadline(t)
}

// SetWriteDeadline sets the deadline for writes of this response,
// replacing Config.WriteTimeout until the handler returns; the zero time
// means no deadline.
func (x *Ctx) SetWriteDeadline(t time.Time) error {
	c := x.c
	if c.hijacked {
		return ErrHijacked
	}
	c.userWDL = true
	c.w.wdl = t
	return c.nc.SetWriteDeadline(t)
}
