package conn

import (
	"errors"
	"io"
	"time"

	"github.com/microframe/microframe/parse"
)

// Collecting a body before its handler runs. A handler that reads a body
// still on its way would hold its worker for as long as the client takes
// to send it: one byte a second is enough to keep a worker from every
// other client (a slow-POST attack, or just a phone on a bad network). So
// a parkable connection first gathers the body in its read buffer, up to
// Config.BodyBufferBytes, waiting for its bytes as it waits for a head:
// briefly on its goroutine, then parked on the poller (the mid-request
// park of park.go, keeping its buffer and parsed head). The handler runs
// once the body is complete, the buffer holds BodyBufferBytes of it, or
// the client ends its side; its reads are then served from memory.

// errBodyCut tells Serve that the body failed while it was collected and
// the connection must close (after the 408, when one was written).
var errBodyCut = errors.New("conn: request body cut while collected")

// collectBody gathers the body of the request begun by beginRequest, when
// it should be (see above); it returns nil once the handler may run,
// errParked when the connection parked (Serve resumes here when it wakes,
// c.collecting being set), errBodyCut after answering 408 to a body
// that missed its deadline, or errClosedIdle when another goroutine closed
// the connection.
func (c *Conn) collectBody() error {
	b := &c.x.body
	if !c.collecting {
		if !c.parkable || c.cfg.BodyBufferBytes <= 0 || b.err != nil || b.expect || c.overloaded() {
			return nil
		}
		c.collecting = true
		b.scan = parse.ChunkedDecoder{Limits: c.cfg.Limits}
		b.scanned = 0
		b.got = int64(c.w.r1 - c.w.r0) // what came with the head counts toward MinBodyRate
	}
	for {
		if c.bodyCollected() {
			c.collecting = false
			return nil
		}
		dl := b.deadline()
		if !time.Now().Before(dl) {
			c.collecting = false
			return c.cutBody()
		}
		c.growForBody()
		before := c.w.r1
		err := c.readMidRequest(dl)
		if err == errParked || err == errClosedIdle {
			return err // parked (c is the poller's now: touch nothing), or closed meanwhile
		}
		b.got += int64(c.w.r1 - before)
		switch {
		case err == errWaitOver:
			c.collecting = false
			return c.cutBody()
		case err != nil:
			// The client ended its side (or the socket failed) before
			// the body was complete: the handler runs, as on net/http,
			// and its read reports the short body.
			c.collecting = false
			return nil
		}
	}
}

// bodyCollected reports whether the buffer holds the whole body, or as
// much of it as BodyBufferBytes allows (or a chunked framing error, which
// the handler's read will report).
func (c *Conn) bodyCollected() bool {
	b := &c.x.body
	have := c.w.r1 - c.w.r0
	if have >= c.cfg.BodyBufferBytes {
		return true
	}
	if b.framing == parse.Length {
		return int64(have) >= b.remaining
	}
	var scratch [1024]byte
	for c.w.r0+b.scanned < c.w.r1 {
		_, ns, err := b.scan.Decode(scratch[:], c.w.rbuf[c.w.r0+b.scanned:c.w.r1])
		b.scanned += ns
		if err != nil {
			return true // io.EOF: complete; else malformed
		}
		if ns == 0 {
			break
		}
	}
	return false
}

// growForBody makes room after r1 for more of the body: the buffer
// doubles (the parsed head stays valid in the retired one, see pinHead).
func (c *Conn) growForBody() {
	if c.w.r1 < len(c.w.rbuf) {
		return
	}
	nb := c.newReadBuf(2 * len(c.w.rbuf))
	c.w.r1 = copy(nb, c.w.rbuf[:c.w.r1])
	if c.w.retired == nil {
		c.w.retired = c.w.rbuf
	} else {
		putBuf(c.w.rbuf[:0])
	}
	c.w.rbuf = nb
}

// cutBody answers a body that missed its deadline while collected: 408,
// and the connection closes.
func (c *Conn) cutBody() error {
	b := &c.x.body
	c.cfg.Counters.Timeouts.Add(1)
	msg := "request body timeout"
	if b.slow {
		b.tooSlow()
		msg = "request body too slow"
	}
	b.err = io.ErrUnexpectedEOF
	c.unpinHead()
	c.writeError(408, msg)
	return errBodyCut
}
