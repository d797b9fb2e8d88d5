package conn

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"sync/atomic"
	"syscall"
	"time"
)

// errClosedIdle is how the actor learns that another goroutine closed it
// while it was idle.
var errClosedIdle = errors.New("conn: closed while idle")

// Conn is one client connection: an actor that owns its buffers and state.
// Serve runs it on one goroutine at a time: its whole life, or, when it
// parks (see Config.Park), until it parks; a wake-up hands it to
// Parking.Wake, and some goroutine calls Serve again. Apart from
// CloseIfIdle, Close and ExpireParked, which other goroutines may call at
// any time, nothing else touches its fields.
type Conn struct {
	nc      net.Conn
	cfg     *Config
	handler Handler
	state   atomic.Uint64 // see park.go: the state machine, and a park count

	// progress changes whenever the actor begins a request or a wait for
	// bytes (Progress); written by the actor, read by anyone.
	progress atomic.Uint64

	// Parking. reg and parkUntil are read by closers of a parked
	// connection; the rest is the actor's.
	reg        atomic.Value // PollRegistration: registered on the first park or hang-up watch, stored once
	parkUntil  atomic.Int64 // unix ns: a parked connection's idle timeout
	acceptedAt monoTime     // the first Serve: the first head's deadline counts from here
	idleEnd    monoTime     // the current idle wait ends here

	// Owned by the actor goroutine. The read and write buffers live in
	// w: a connection parked between requests holds neither.
	w *work // pooled per-request state, held while the connection has work
	x *Ctx  // &w.x: the request being served

	// lingering is the handshake of StopLingering (idleread.go): the
	// actor sets it while it waits for a next request on its goroutine,
	// a stopper moves it on while it cuts that wait short.
	lingering atomic.Uint32

	// hangArmed says that the registration is armed for one hang-up
	// report (ArmHangUp) not delivered yet: a request's watch that ended
	// leaves it armed for the next one (hangup.go). Set by whoever arms
	// a watch (under the request's lock), cleared by a park (ArmRead) and
	// by the poller's event.
	hangArmed atomic.Bool

	// watched is the request whose hang-up the poller watches, for its
	// event (hangup.go); the request itself, made on first use, is
	// w.req.
	watched atomic.Pointer[requestCtx]

	// Flags, kept together so that they pack into two words. The first
	// four belong to parking (read.go, park.go), the rest to the actor.
	parkable   bool // Config.Park is set and its poller can watch this socket
	started    bool // Serve has run before
	resumed    bool // set by a wake: Serve continues the idle wait
	woke       bool // set by a wake in the middle of a request: bytes are expected, read before parking again
	closeAfter bool // close after the current response
	broken     bool // a write failed: nothing more can be sent
	debug      bool // log each request (the logger's Debug level when the connection started)
	idle       bool // counted in Counters.Idle rather than Active
	hijacked   bool // Ctx.Hijack handed the socket over: never read, write or close it again
	userRDL    bool // the handler set the read deadline (Ctx.SetReadDeadline) for this request
	userWDL    bool // the handler set the write deadline (Ctx.SetWriteDeadline) for this request
	bodyDone   bool // the current request's body was read to its end (or failed)
	collecting bool // the current request's body is being collected before its handler runs (bodywait.go)
	servedOne  bool // a request was served on this connection: its next head is timed from the idle wait, not the accept
	one        [1]byte

	// Nothing else: every open connection, parked ones included, holds a
	// Conn, so what is needed only while a request runs lives in work
	// (the read and write buffers, the request's context, the TLS state),
	// and TestConnSizeClass pins the malloc size class.
}

// New returns a connection actor for nc that will serve each of its
// requests with h, under cfg. Call Serve to run it; from then on the
// connection owns nc and closes it when it ends (unless a handler hijacks
// it). cfg must come from Config.WithDefaults, and is shared, read-only,
// by every connection of the server; New panics otherwise, or if h is
// nil.
func New(nc net.Conn, cfg *Config, h Handler) *Conn {
	if cfg == nil || !cfg.ready {
		panic("conn: New needs a Config prepared by Config.WithDefaults")
	}
	if h == nil {
		panic("conn: New with a nil Handler")
	}
	c := &Conn{nc: nc, cfg: cfg, handler: h}
	c.parkable = canPark(cfg, nc)
	c.debug = cfg.Logger.Enabled(cfg.BaseContext, slog.LevelDebug)
	return c
}

// CloseIfIdle closes the connection if it is waiting for its next request
// (parked or not) and reports whether it did. A connection in the middle
// of a request is left alone. A parked connection is finished on the
// calling goroutine (Config.Finished runs before CloseIfIdle returns); an
// idle one by its own goroutine, which sees the socket closed. Safe to
// call from any goroutine.
func (c *Conn) CloseIfIdle() bool {
	if c.casState(stateIdle, stateClosed) {
		c.nc.Close()
		return true
	}
	if c.casState(stateParked, stateClosed) {
		c.finishParked()
		return true
	}
	return false // active, closed, or parked in the middle of a head
}

// Close closes the connection at once, whatever it is doing; a handler in
// progress sees its writes fail. A parked connection is finished on the
// calling goroutine. A hijacked connection belongs to whoever hijacked it
// and is left alone. Safe to call from any goroutine, more than once.
func (c *Conn) Close() error {
	for {
		w := c.state.Load()
		if w&stateMask == stateHijacked {
			return nil
		}
		if w&stateMask == stateClosed {
			return c.nc.Close()
		}
		if c.state.CompareAndSwap(w, w&^stateMask|stateClosed) {
			if st := w & stateMask; st == stateParked || st == stateParkedHead {
				c.finishParked()
				return nil
			}
			return c.nc.Close()
		}
	}
}

// Serve runs the connection until the client leaves, an error or timeout
// ends it, the server drains, or it parks. When it ends, Serve closes nc
// (unless a handler hijacked it) and calls Config.Finished before
// returning; when it parks, Serve returns at once and the connection
// belongs to the poller, which hands it to Parking.Wake when its next
// bytes arrive (call Serve again then). Serve must not be called again
// after the connection ended, nor by two goroutines at once. It never
// panics: a handler panic is recovered, logged and answered with 500.
func (c *Conn) Serve() {
	if !c.started {
		c.started = true
		c.acceptedAt = monoNow()
		c.cfg.Counters.Active.Add(1)
	}
	c.takeWork()
	c.w.turnStart, c.w.turnReqs = time.Time{}, 0
	parked := false
	defer func() {
		if !parked {
			c.finish(recover())
		}
	}()
	for {
		if !c.collecting {
			if err := c.readHead(); err != nil {
				if err == errParked {
					parked = true // c is the poller's now: touch nothing
					return
				}
				c.headError(err)
				return
			}
			c.beginRequest()
		}
		if err := c.collectBody(); err != nil {
			if err == errParked {
				parked = true
				return
			}
			c.flush() // the 408, if the body was cut
			return
		}
		c.serveRequest()
		if c.hijacked {
			return
		}
		if c.closeAfter || c.broken {
			c.flush()
			return
		}
		if c.yieldTurn() {
			parked = true // queued again: another worker may run it at once
			c.cfg.Counters.Yields.Add(1)
			c.cfg.Park.Wake(c)
			// The Go scheduler knows nothing of turns: goroutines it made
			// runnable (the accept loop, a worker whose client just sent
			// bytes) would wait behind busy workers for their time slices.
			runtime.Gosched()
			return
		}
	}
}

// A client that pipelines without pause keeps its connection busy on one
// worker for as long as it sends: fair to nobody while others wait for a
// worker. So a connection that has served requests for DefaultTurn in one
// run, with more of them buffered, gives its worker up when others wait
// (Parking.Linger says 0, or Parking.Turn says how long a turn is) and
// queues again through Parking.Wake, as one in the middle of a request,
// behind the connections starting one. The clock is read every
// yieldCheckEvery requests.
const yieldCheckEvery = 16

// DefaultTurn is how long a connection that pipelines without pause
// keeps its worker while others wait for one, when Parking.Turn is nil;
// a server's Parking.Turn may answer it too.
const DefaultTurn = 2 * time.Millisecond

// yieldTurn reports whether the connection should give up its worker
// between two requests (see DefaultTurn).
func (c *Conn) yieldTurn() bool {
	if !c.parkable || c.w.r1 == c.w.r0 {
		return false // nothing buffered: it will wait, and park, by itself
	}
	w := c.w
	if w.turnReqs++; w.turnReqs < yieldCheckEvery {
		return false
	}
	w.turnReqs = 0
	now := time.Now()
	if w.turnStart.IsZero() {
		w.turnStart = now
		return false
	}
	if turn := c.cfg.Park.Turn; turn != nil {
		d := turn()
		return d >= 0 && now.Sub(w.turnStart) >= d
	}
	return now.Sub(w.turnStart) >= DefaultTurn && c.cfg.Park.Linger != nil && c.cfg.Park.Linger() <= 0
}

// Progress returns a number that changes each time the connection begins
// a request or a wait for bytes (its next request, the rest of a head or
// body). A server that reads the same number twice, some time apart,
// while the connection runs on one of its goroutines knows the connection
// is stuck in one request or one wait: its handler waits (on a database,
// a long poll, a WebSocket), or its client neither sends nor reads. Safe
// to call from any goroutine.
func (c *Conn) Progress() uint64 { return c.progress.Load() }

// finish releases everything the connection holds; r is a recovered panic
// or nil.
func (c *Conn) finish(r any) {
	if r != nil {
		c.cfg.Counters.Panics.Add(1)
		c.cfg.Logger.Error("conn: internal panic", "remote", c.nc.RemoteAddr().String(), "panic", r)
	}
	// Which counter holds this connection is the actor's own record: the
	// state may have been switched to closed by CloseIfIdle meanwhile.
	if !c.hijacked {
		c.state.Store(c.state.Load()&^stateMask | stateClosed)
	}
	if c.idle {
		c.cfg.Counters.Idle.Add(-1)
	} else {
		c.cfg.Counters.Active.Add(-1)
	}
	if !c.hijacked {
		c.closeSocket()
	}
	c.releaseBuffers()
	c.putWork()
	if c.cfg.Finished != nil {
		c.cfg.Finished(c)
	}
}

// releaseBuffers returns the read and write buffers to their pools. Only
// called when no request bytes are buffered and all output was written. A
// connection without work (parked between requests) holds none.
func (c *Conn) releaseBuffers() {
	w := c.w
	if w == nil {
		return
	}
	c.unpinHead()
	if w.rbuf != nil {
		w.dropReadBuf()
	}
	w.r0, w.r1 = 0, 0
	if w.out != nil {
		putBuf(w.out)
		w.out = nil
	}
}

// dropReadBuf gives the read buffer back, with whatever it still holds.
func (w *work) dropReadBuf() {
	putBuf(w.rbuf[:0])
	w.rbuf = nil
	w.r0, w.r1 = 0, 0
	// The last request's fields point into the buffer: left alone, they
	// would keep it alive once the pool lets it go (while the connection
	// idles, or keeps its work: TLS, goroutine per connection).
	w.x.clearRequest()
}

// releaseOut gives the output buffer back to its pool once everything in
// it was written and the actor is about to wait for the client: a
// connection that waits (lingering for its next request, or for the rest
// of a head) keeps only its read buffer, so a burst of connections that
// each made one request holds half the buffers, and the next response
// takes one from the pool again (no allocation). readHead skips it when
// the last read filled the read buffer (work.readFull): the client is
// pipelining, its next batch is already there, and a buffer given back
// after every batch had to grow again by appends for the next one (1,000
// clients pipelining without reading: fresh clients waited 2 to 15 ms
// instead of 1 to 3, the server busy the longer).
func (c *Conn) releaseOut() {
	if w := c.w; w.out != nil && len(w.out) == 0 {
		putBuf(w.out)
		w.out = nil
	}
}

// pinHead protects the head just parsed, whose fields are slices of rbuf,
// while its request is served: body reads compact and refill the buffer
// only past it, and a buffer the body outgrows stays out of the pool until
// unpinHead.
func (c *Conn) pinHead() { c.w.keep = c.w.r0 }

// unpinHead ends pinHead's protection once nothing reads the head any more.
func (c *Conn) unpinHead() {
	c.w.keep = 0
	if c.w.retired != nil {
		putBuf(c.w.retired[:0])
		c.w.retired = nil
	}
}

// monoTime is a time.Time in 8 bytes instead of 24: nanoseconds since
// monoEpoch, read when the package was initialised. Unlike UnixNano it
// keeps the monotonic clock, so a deadline computed from it does not move
// when the wall clock is set.
type monoTime int64

var monoEpoch = time.Now()

// monoNow returns the current time as a monoTime.
func monoNow() monoTime { return monoTime(time.Since(monoEpoch)) }

// monoOf returns t as a monoTime; t should carry a monotonic reading
// (from time.Now, or derived from one).
func monoOf(t time.Time) monoTime { return monoTime(t.Sub(monoEpoch)) }

// time returns t as a time.Time, with its monotonic reading.
func (t monoTime) time() time.Time { return monoEpoch.Add(time.Duration(t)) }

// isTimeout reports whether err is a deadline expiry.
func isTimeout(err error) bool {
	return errors.Is(err, os.ErrDeadlineExceeded)
}

// isEOF reports whether err means the client went away.
func isEOF(err error) bool {
	return err == io.EOF || errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
