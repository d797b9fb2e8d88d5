package conn

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/microframe/microframe/parse"
)

// Defaults for the zero fields of Config, applied by Config.WithDefaults.
const (
	// DefaultHeadTimeout is the default Config.HeadTimeout: a whole request
	// head must arrive within it.
	DefaultHeadTimeout = 10 * time.Second
	// DefaultIdleTimeout is the default Config.IdleTimeout: a keep-alive
	// connection may wait this long for its next request.
	DefaultIdleTimeout = 60 * time.Second
	// DefaultBodyTimeout is the default Config.BodyTimeout: a request body
	// must arrive within it, counted from the end of its head.
	DefaultBodyTimeout = 60 * time.Second
	// DefaultWriteTimeout is the default Config.WriteTimeout: each write of
	// buffered response bytes must finish within it.
	DefaultWriteTimeout = 30 * time.Second
	// DefaultMaxDrainBytes is the default Config.MaxDrainBytes: unread body
	// bytes discarded to keep a connection open; a longer rest closes it.
	DefaultMaxDrainBytes = 256 << 10
	// DefaultReadBufferSize is the default Config.ReadBufferSize, the
	// initial read buffer; it grows up to the head limit when a head needs
	// it.
	DefaultReadBufferSize = 4 << 10
	// DefaultResponseBufferBytes is the default Config.ResponseBufferBytes:
	// body bytes buffered before a response switches to streaming.
	DefaultResponseBufferBytes = 64 << 10
	// DefaultBodyBufferBytes is the default Config.BodyBufferBytes: body
	// bytes collected, with the connection parked between them, before
	// the handler runs.
	DefaultBodyBufferBytes = 64 << 10
	// DefaultMinBodyRate is the default Config.MinBodyRate, in bytes per
	// second.
	DefaultMinBodyRate = 240
	// DefaultBodyRateGrace is the default Config.BodyRateGrace.
	DefaultBodyRateGrace = 5 * time.Second
	// DefaultBufferReleaseDelay is the default Config.BufferReleaseDelay: an
	// idle connection keeps its buffers this long, then returns them to the
	// pool (and parks, with Config.Park).
	DefaultBufferReleaseDelay = time.Second
)

// Config is how a server runs its connections. One Config is shared,
// read-only, by every connection of a server: build it once, pass the
// result of WithDefaults to New, and do not change it while connections
// run.
type Config struct {
	// Limits bound what a client may send (request line, head, header
	// count, body, chunk lines); zero fields take parse.Limits' defaults.
	// A request over a head limit is answered with the parser's status
	// (414, 431, 413...) and the connection closes.
	Limits parse.Limits
	// HeadTimeout bounds the arrival of a whole request head, counted from
	// its first byte (for a connection's first request, from its first
	// Serve). A client that takes longer gets 408 and the connection
	// closes. Zero means DefaultHeadTimeout.
	HeadTimeout time.Duration
	// IdleTimeout bounds the wait for the next request on a keep-alive
	// connection; past it the connection closes quietly. (A new
	// connection's first request is bounded by HeadTimeout instead.) Zero
	// means DefaultIdleTimeout.
	IdleTimeout time.Duration
	// BodyTimeout bounds the arrival of a request body, counted from the
	// end of its head: a body read past it fails with
	// os.ErrDeadlineExceeded and the connection closes after the response.
	// Ctx.SetReadDeadline replaces it for one request. Zero means
	// DefaultBodyTimeout.
	BodyTimeout time.Duration
	// WriteTimeout bounds each write of buffered response bytes to the
	// socket. A write past it fails: the connection is broken, later
	// writes return ErrConnClosed, and it closes. Ctx.SetWriteDeadline
	// replaces it for one request. Zero means DefaultWriteTimeout.
	WriteTimeout time.Duration
	// MaxDrainBytes is how much of a request body the handler left unread
	// is read and discarded to keep the connection open; a longer rest
	// closes the connection after the response. Zero means
	// DefaultMaxDrainBytes.
	MaxDrainBytes int64
	// BodyBufferBytes is how much of a request body a parkable connection
	// (see Parking) collects in its read buffer before the handler runs:
	// while the body has not fully arrived, the connection waits for its
	// bytes as it waits for a head, parking between them, so that a slow
	// upload holds no goroutine. The handler runs once the body is
	// complete or this much of it is buffered; the rest streams as the
	// handler reads. A request with "Expect: 100-continue" is not
	// collected (its client sends the body only once the handler reads
	// it). A client that leaves mid-body closes the connection without
	// the handler running. Zero means DefaultBodyBufferBytes; negative
	// turns collection off.
	BodyBufferBytes int
	// MinBodyRate is the slowest a request body may arrive, in bytes per
	// second counted from the end of its head, once BodyRateGrace has
	// passed. A body that falls behind is cut: while it is collected the
	// client gets 408 Request Timeout; in a handler's read, the read
	// fails with an error wrapping os.ErrDeadlineExceeded; either way
	// the connection closes after the response. Each cut counts in
	// Counters.SlowBodies and logs at Warn. Zero means DefaultMinBodyRate;
	// negative turns the check off (BodyTimeout still applies).
	MinBodyRate int
	// BodyRateGrace is how long a body may take before MinBodyRate
	// applies. Zero means DefaultBodyRateGrace.
	BodyRateGrace time.Duration
	// ReadBufferSize is the initial size of a connection's read buffer,
	// taken from a pool when the connection has bytes to read; it grows on
	// demand up to what Limits allow for a head. Zero means
	// DefaultReadBufferSize.
	ReadBufferSize int
	// ResponseBufferBytes is how many response body bytes are buffered
	// before the head is sent: a handler that writes less and returns gets
	// a Content-Length; a longer body (or Ctx.Flush) streams, chunked on
	// HTTP/1.1 unless the handler declared a length. Zero means
	// DefaultResponseBufferBytes.
	ResponseBufferBytes int
	// BufferReleaseDelay is how long an idle connection keeps its buffers
	// (and, with Park, its goroutine) waiting for its next request before
	// it returns them to the pool (and parks). Zero means
	// DefaultBufferReleaseDelay.
	BufferReleaseDelay time.Duration
	// ServerName, when set, is sent as the Server header of every
	// response.
	ServerName string
	// Logger receives one line per connection error (Info), handler panics
	// (Error) and, at Debug, one line per request. Nil means
	// slog.Default().
	Logger *slog.Logger
	// BaseContext is the parent of every request's context
	// (Ctx.Context); cancelling it cancels them all. Nil means
	// context.Background().
	BaseContext context.Context
	// Counters, when set, receives the connections' statistics, updated
	// atomically; a server shares one among its connections and reads it
	// at any time. Nil means a fresh Counters nobody reads.
	Counters *Counters
	// Draining, when set and true, makes every response sent from then on
	// carry "Connection: close" and its connection close after it, and an
	// idle connection that wakes close instead of waiting for another
	// request (graceful shutdown; CloseIfIdle closes the others). Nil
	// means never.
	Draining *atomic.Bool

	// Overloaded, when set and true, makes every request whose head
	// arrives from then on be answered 503 Service Unavailable with
	// "Retry-After: 1", without running the handler, and its connection
	// close after it (Counters.Overloads). A server sets it while it
	// serves as many connections as it allows. Nil means never.
	Overloaded *atomic.Bool

	// Park, when set, makes idle connections over plain sockets (see
	// CanPark) give up their goroutine: see Parking. Its poller also
	// watches running requests for a client hang-up, and WatchHangUps is
	// then not used. Nil means a connection keeps its goroutine from its
	// first Serve to its end.
	Park *Parking
	// WatchHangUps, when set and Park is not, is a poller used only to
	// notice that a client hung up while its handler waits on the
	// request's context (see Ctx.Context): a request that called Done on
	// that context and still runs 50 ms after it began has the socket (for TLS, the
	// TCP connection underneath) watched for a hang-up (ArmHangUp, which
	// stays in effect for the next requests' watches), and the event
	// cancels the context with ErrClientGone. Connections never park on
	// it. Nil (and no Park)
	// means a request's context ends only when a write fails, when the
	// handler returns, or when BaseContext ends.
	WatchHangUps Poller
	// Finished, when set, is called once per connection when it is done
	// (socket closed, buffers released; a hijacked connection only left
	// to its hijacker), on whichever goroutine finished it: the one in
	// Serve, or, for a parked connection, the one that called Close,
	// CloseIfIdle or ExpireParked. It must not block for long.
	Finished func(c *Conn)

	ready bool // set by WithDefaults
}

// Parking is Config.Park: what lets an idle connection over a plain socket
// hold no goroutine and no buffer. After Config.BufferReleaseDelay (or
// what Linger allows) without a byte, the connection returns its buffers
// and per-request state to their pools, registers its socket with Poller
// (once) and arms it, and its goroutine leaves Serve. When the socket
// becomes readable, or the client leaves, Wake is handed the connection;
// some goroutine must then call its Serve, which resumes where it parked.
// A connection whose head stalls halfway parks the same way, keeping its
// read buffer and parser. Nothing times a parked connection out by itself:
// the server calls ExpireParked from a periodic sweep.
type Parking struct {
	// Poller watches parked sockets; required. See Poller for the
	// guarantees it must give.
	Poller Poller
	// Wake receives a parked connection whose socket became readable (or
	// whose peer left), one in the middle of a head or body whose deadline
	// passed (from ExpireParked), and one that yields its worker to
	// others (with more pipelined requests buffered, it has served for a
	// while and Linger says connections wait; see Conn.MidRequest). It is
	// called on the poller's goroutine, ExpireParked's, or the yielding
	// connection's own, exactly once per park or yield, as the caller's
	// last act on the connection; it must not block, and must make some
	// goroutine call c.Serve soon. Required.
	Wake func(c *Conn)
	// Linger, when set, is asked each time a parkable connection waits for
	// bytes (its next request, or the rest of a head): how long it may
	// keep its goroutine first, which is cheap for a client that sends
	// again soon, before it parks. The wait is capped at
	// Config.BufferReleaseDelay; 0 parks at once (a goroutine is needed
	// elsewhere). Nil means Config.BufferReleaseDelay.
	Linger func() time.Duration
	// Turn, when set, is asked every few requests while a connection
	// serves pipelined requests without pause, more of them buffered: once
	// it has served for Turn's answer in this run, it gives its worker up
	// (through Wake) and yields the thread (runtime.Gosched), so that
	// connections and goroutines waiting meanwhile run first. A negative
	// answer means nobody waits: keep going. Nil means a DefaultTurn
	// turn whenever Linger answers 0.
	Turn func() time.Duration
}

// WithDefaults returns a copy of cfg with every zero field set to its
// default, ready for New. It panics if Park is set without its Poller or
// Wake.
func (cfg Config) WithDefaults() *Config {
	if p := cfg.Park; p != nil && (p.Poller == nil || p.Wake == nil) {
		panic("conn: Config.Park needs both Poller and Wake")
	}
	cfg.Limits = cfg.Limits.WithDefaults()
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.HeadTimeout, DefaultHeadTimeout)
	def(&cfg.IdleTimeout, DefaultIdleTimeout)
	def(&cfg.BodyTimeout, DefaultBodyTimeout)
	def(&cfg.WriteTimeout, DefaultWriteTimeout)
	def(&cfg.BufferReleaseDelay, DefaultBufferReleaseDelay)
	if cfg.MaxDrainBytes <= 0 {
		cfg.MaxDrainBytes = DefaultMaxDrainBytes
	}
	if cfg.BodyBufferBytes == 0 {
		cfg.BodyBufferBytes = DefaultBodyBufferBytes
	}
	if cfg.MinBodyRate == 0 {
		cfg.MinBodyRate = DefaultMinBodyRate
	}
	def(&cfg.BodyRateGrace, DefaultBodyRateGrace)
	if cfg.ReadBufferSize <= 0 {
		cfg.ReadBufferSize = DefaultReadBufferSize
	}
	if cfg.ResponseBufferBytes <= 0 {
		cfg.ResponseBufferBytes = DefaultResponseBufferBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.BaseContext == nil {
		cfg.BaseContext = context.Background()
	}
	if cfg.Counters == nil {
		cfg.Counters = new(Counters)
	}
	if cfg.Draining == nil {
		cfg.Draining = new(atomic.Bool)
	}
	cfg.ready = true
	return &cfg
}

// watchPoller is the poller that watches running requests for a hang-up,
// or nil.
func (cfg *Config) watchPoller() Poller {
	if cfg.Park != nil {
		return cfg.Park.Poller
	}
	return cfg.WatchHangUps
}

// Counters are the statistics of a server's connections (Config.Counters).
// Every field is updated atomically and may be read at any time; a
// snapshot of several fields is not atomic as a whole.
type Counters struct {
	Active       atomic.Int64 // connections reading or serving a request now (a parked half head included)
	Idle         atomic.Int64 // connections waiting for their next request, parked ones included
	Parked       atomic.Int64 // connections parked on the poller, holding no goroutine
	Requests     atomic.Int64 // requests whose handler returned
	ParseErrors  atomic.Int64 // requests refused by the parser (4xx/5xx, connection closed)
	BodyErrors   atomic.Int64 // request bodies with a framing error or over the limit
	Timeouts     atomic.Int64 // connections cut off by the head, body or write timeout
	WriteErrors  atomic.Int64 // writes that failed (client gone)
	Panics       atomic.Int64 // handler panics recovered
	IdleReleases atomic.Int64 // times an idle connection returned its buffers to the pool (parks included)
	HangUps      atomic.Int64 // request contexts cancelled because the client hung up while the handler ran
	SlowBodies   atomic.Int64 // request bodies cut for arriving slower than MinBodyRate
	Overloads    atomic.Int64 // requests answered 503 because Overloaded was set
	Yields       atomic.Int64 // times a pipelining connection gave its worker up to others (see Parking.Wake)
}
