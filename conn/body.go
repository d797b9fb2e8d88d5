package conn

import (
	"errors"
	"io"
	"time"

	"github.com/microframe/microframe/parse"
)

// body reads one request body from the connection's buffer and socket,
// undoing its framing. It belongs to the connection's actor.
type body struct {
	c         *Conn
	framing   parse.Framing
	remaining int64 // Length framing: bytes still to come
	dec       parse.ChunkedDecoder
	err       error     // sticky: io.EOF once complete, or the failure
	expect    bool      // the client waits for "100 Continue" we have not sent
	headAt    time.Time // when the head was read: the body timeout counts from here
	timeout   time.Duration
	rate      int64         // MinBodyRate, bytes per second (<= 0: off)
	grace     time.Duration // BodyRateGrace
	got       int64         // body bytes read from the socket (and collected) so far
	slow      bool          // the deadline last armed was MinBodyRate's, not BodyTimeout's

	// While the body is collected before the handler runs (bodywait.go):
	// a decoder that scans the chunked bytes buffered so far for the end
	// of the body, and how far it got past c.w.r0.
	scan    parse.ChunkedDecoder
	scanned int
}

var continueLine = []byte("HTTP/1.1 100 Continue\r\n\r\n")

// start prepares b for the body of req, whose head was read at now.
func (b *body) start(req *parse.Request, now time.Time, cfg *Config) {
	b.framing = req.Framing
	b.remaining = req.ContentLength
	b.err = nil
	b.expect = req.ExpectContinue
	b.headAt, b.timeout = now, cfg.BodyTimeout
	b.rate, b.grace, b.got, b.slow = int64(cfg.MinBodyRate), cfg.BodyRateGrace, 0, false
	switch {
	case req.Framing == parse.Chunked:
		b.dec.Reset()
	case req.Framing == parse.NoBody || req.ContentLength == 0:
		b.err = io.EOF
		b.expect = false
	}
}

// Read implements io.Reader over the decoded body.
func (b *body) Read(p []byte) (int, error) {
	if b.c.hijacked {
		return 0, ErrHijacked
	}
	if b.err != nil {
		return 0, b.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if b.expect {
		b.expect = false
		if !b.c.x.headSent {
			b.c.w.out = append(b.c.w.out, continueLine...)
			if err := b.c.flush(); err != nil {
				return 0, b.fail(err)
			}
		}
	}
	if b.framing == parse.Length {
		return b.readLength(p)
	}
	return b.readChunked(p)
}

func (b *body) readLength(p []byte) (int, error) {
	c := b.c
	if int64(len(p)) > b.remaining {
		p = p[:b.remaining]
	}
	var n int
	if c.w.r1 > c.w.r0 {
		n = copy(p, c.w.rbuf[c.w.r0:c.w.r1])
		c.w.r0 += n
	} else {
		if err := b.prepareRead(); err != nil {
			return 0, b.fail(err)
		}
		var err error
		if len(p) >= minBufClass {
			n, err = c.nc.Read(p) // large reads skip the buffer
			b.got += int64(n)
		} else {
			c.w.r0, c.w.r1 = c.w.keep, c.w.keep // past the head the handler may still read
			if err = c.makeRoom(); err == nil {
				var m int
				m, err = c.nc.Read(c.w.rbuf[c.w.r1:])
				c.w.r1 += m
				b.got += int64(m)
				n = copy(p, c.w.rbuf[c.w.r0:c.w.r1])
				c.w.r0 += n
			}
		}
		if n == 0 {
			if err == nil {
				return 0, nil
			}
			return 0, b.fail(err)
		}
	}
	b.remaining -= int64(n)
	if b.remaining == 0 {
		b.err = io.EOF
		c.bodyEnded()
		return n, io.EOF
	}
	return n, nil
}

func (b *body) readChunked(p []byte) (int, error) {
	c := b.c
	for {
		if c.w.r1 > c.w.r0 {
			nd, ns, err := b.dec.Decode(p, c.w.rbuf[c.w.r0:c.w.r1])
			c.w.r0 += ns
			if err == io.EOF {
				b.err = io.EOF
				c.bodyEnded()
				return nd, io.EOF
			}
			if err != nil {
				return nd, b.fail(err)
			}
			if nd > 0 {
				return nd, nil
			}
			if ns > 0 && c.w.r1 > c.w.r0 {
				continue // consumed framing only; more input waits
			}
		}
		if err := b.prepareRead(); err != nil {
			return 0, b.fail(err)
		}
		if err := c.makeRoom(); err != nil {
			return 0, b.fail(parse.ErrBadChunk)
		}
		n, err := c.nc.Read(c.w.rbuf[c.w.r1:])
		c.w.r1 += n
		b.got += int64(n)
		if n == 0 && err != nil {
			return 0, b.fail(err)
		}
	}
}

// prepareRead runs before every socket read of the body: it writes out any
// pending response bytes (the client may be waiting for them) and arms the
// body deadline.
func (b *body) prepareRead() error {
	c := b.c
	if len(c.w.out) > 0 {
		if err := c.flush(); err != nil {
			return err
		}
	}
	if !c.userRDL {
		c.setReadDeadline(b.deadline())
	}
	return nil
}

// deadline returns when the body must have arrived, as far as it has:
// BodyTimeout after the head, or sooner if it falls behind MinBodyRate
// (then b.slow is set).
func (b *body) deadline() time.Time {
	dl := b.headAt.Add(b.timeout)
	b.slow = false
	if b.rate > 0 {
		// got bytes buy got/rate seconds beyond the grace period.
		if t := b.headAt.Add(b.grace + time.Duration(b.got*int64(time.Second)/b.rate)); t.Before(dl) {
			dl, b.slow = t, true
		}
	}
	return dl
}

// tooSlow counts and logs a body cut for falling behind MinBodyRate.
func (b *body) tooSlow() {
	c := b.c
	c.cfg.Counters.SlowBodies.Add(1)
	c.cfg.Logger.Warn("conn: request body too slow", "remote", c.nc.RemoteAddr().String(),
		"received", b.got, "min_rate", b.rate)
}

// fail records a body error: the rest of the stream can no longer be
// trusted to start a new request, so the connection closes after the
// response.
func (b *body) fail(err error) error {
	c := b.c
	var pe *parse.Error
	switch {
	case errors.As(err, &pe):
		c.cfg.Counters.BodyErrors.Add(1)
	case isTimeout(err):
		c.cfg.Counters.Timeouts.Add(1)
		if b.slow && !c.userRDL {
			b.tooSlow()
		}
	case err == io.EOF:
		err = io.ErrUnexpectedEOF
		c.cfg.Counters.BodyErrors.Add(1)
	}
	b.err = err
	c.closeAfter = true
	c.bodyEnded()
	return err
}

// drainable reports whether what is left of the body may be discarded to
// keep the connection: false when the client waits for a "100 Continue" we
// never sent, or when more than MaxDrainBytes of a Content-Length body is
// left. (A chunked body's size is unknown until drained.)
func (b *body) drainable() bool {
	if b.err != nil {
		return true
	}
	return !b.expect && !(b.framing == parse.Length && b.remaining > b.c.cfg.MaxDrainBytes)
}

// drain discards what the handler left unread so that the next request
// starts at the right byte. A body larger than MaxDrainBytes, or one the
// client will only send after "100 Continue", closes the connection
// instead.
func (b *body) drain() {
	c := b.c
	if b.err != nil {
		return
	}
	if !b.drainable() {
		c.closeAfter = true
		return
	}
	limit := c.cfg.MaxDrainBytes
	var scratch [1024]byte
	var total int64
	for b.err == nil {
		n, _ := b.Read(scratch[:])
		total += int64(n)
		if total > limit {
			c.closeAfter = true
			return
		}
	}
}
