package engine

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/ants/v2"
	"github.com/puzpuzpuz/xsync/v3"

	"github.com/microframe/microframe/conn"
	"github.com/microframe/microframe/parse"
	"github.com/microframe/microframe/ratelog"
)

// DefaultMaxConns is the default limit on open connections, idle
// keep-alive ones included (see Server.MaxConns).
const DefaultMaxConns = 256 * 1024

// ErrServerClosed is returned by Serve and ListenAndServe after Shutdown or
// Close.
var ErrServerClosed = errors.New("engine: server closed")

// Server serves HTTP/1.1 on one or more listeners. Set its fields before the
// first call to Serve or ListenAndServe and do not change them afterwards.
// The zero value of every field but Handler is a usable default.
type Server struct {
	// Addr is the TCP address ListenAndServe listens on ("127.0.0.1:8080").
	// Empty means ":http".
	Addr string
	// Handler answers every request (see conn.Handler for its contract).
	// Use Adapt for a net/http Handler.
	Handler conn.Handler
	// Logger receives connection errors (Info), handler panics (Error) and,
	// at Debug, one line per request. Nil means slog.Default(). Records at
	// Warn and above pass through ratelog.Limit: an identical one (same
	// level, message and "err") is written at most once a second, with
	// the count of those dropped.
	Logger *slog.Logger
	// Limits bound what a client may send; zero fields take parse's
	// defaults (8 KiB request line, 32 KiB head, 100 headers, 10 MiB body).
	Limits parse.Limits
	// HeadTimeout bounds the time to receive a whole request head, counted
	// from its first byte (and, on a new connection, from the accept).
	// Slow clients are cut off with 408. Default 10s.
	HeadTimeout time.Duration
	// IdleTimeout bounds the wait for the next request on a keep-alive
	// connection. Default 60s.
	IdleTimeout time.Duration
	// BodyTimeout bounds the time to receive a request body, counted from
	// the end of its head. Default 60s.
	BodyTimeout time.Duration
	// WriteTimeout bounds each write of response bytes to the client.
	// Default 30s.
	WriteTimeout time.Duration
	// MaxDrainBytes is how much of a body the handler did not read is
	// discarded to keep the connection open; a longer rest closes it.
	// Default 256 KiB.
	MaxDrainBytes int64
	// MaxConns bounds open connections, idle keep-alive ones included. A
	// connection beyond it is answered 503 Service Unavailable with
	// Retry-After and closed, by a few goroutines of their own; while
	// 1,024 refused connections already wait for that answer, further ones
	// are closed at once. Default DefaultMaxConns.
	MaxConns int
	// MaxWorkers bounds the connections that run at once on the parking
	// path (plain TCP on Linux): reading a request, running its handler,
	// writing, or waiting briefly for the next request. An idle
	// connection parks on an epoll poller and holds no goroutine and no
	// buffer. A connection with work while every worker is busy waits in
	// the ready queue, in arrival order, instead of being refused.
	// MaxWorkers bounds running work, not waiting work: a worker whose
	// connection has made no progress for about 2 ms while others queue
	// (its handler waits on a database, a long poll or a WebSocket, or
	// its client neither sends nor reads) stops counting against it, and
	// another worker takes the queue; MaxHandlers bounds those. Default
	// DefaultMaxWorkers. Connections on the goroutine-per-connection path
	// have a goroutine each and are bounded by MaxConns alone.
	MaxWorkers int
	// MaxHandlers is the hard ceiling on connections served at once on
	// the parking path, blocked ones included: each holds a goroutine and
	// its buffers (about 10 to 20 KiB), so it is sized by memory, like
	// MaxConns, not by CPU. While it is reached, a new request is
	// answered 503 Service Unavailable with Retry-After: 1 and its
	// connection closes (Stats.Overloads), without running the handler.
	// Values below MaxWorkers are raised to it. Default
	// DefaultMaxHandlers.
	MaxHandlers int
	// BodyBufferBytes is how much of a request body the engine collects
	// before it runs the handler, on the parking path: a body that has not
	// fully arrived is read into the connection's buffer, the connection
	// parking between its bytes as it does between requests, so a slow
	// upload holds no worker. The handler runs once the body is complete
	// or this much is buffered (the rest then streams as the handler
	// reads it). A request with "Expect: 100-continue" runs its handler
	// at once (the client sends the body only when the handler reads it).
	// Zero means conn.DefaultBodyBufferBytes (64 KiB); negative turns the
	// collection off.
	BodyBufferBytes int
	// MinBodyRate is the slowest a request body may arrive, in bytes per
	// second averaged from the end of its head, once BodyRateGrace has
	// passed; a slower body is cut: 408 Request Timeout if the handler has
	// not started, a read error (os.ErrDeadlineExceeded) in the handler
	// otherwise, and the connection closes (Stats.SlowBodies). Zero means
	// conn.DefaultMinBodyRate (240 bytes/s); negative turns it off.
	MinBodyRate int
	// BodyRateGrace is how long a body may take before MinBodyRate
	// applies. Zero means conn.DefaultBodyRateGrace (5 s).
	BodyRateGrace time.Duration
	// GoroutinePerConn, when true, keeps one goroutine per connection for
	// its whole life, idle or not, as on systems without a poller and for
	// TLS connections (whose buffered state the poller cannot see). Idle
	// connections then cost a goroutine stack each.
	GoroutinePerConn bool
	// ServerName, when set, is sent as the Server header.
	ServerName string
	// BufferReleaseDelay is how long an idle connection keeps its buffers
	// (and, on the parking path, its worker) before returning them and
	// parking. A parking-path connection skips the wait, and parks at
	// once, while connections wait for a worker or more than half the
	// workers are busy. Default 1s.
	BufferReleaseDelay time.Duration
	// TLSConfig is the TLS configuration ServeTLS and ListenAndServeTLS
	// start from (cloned; certificate files given to them are added). Nil
	// means a default configuration. See ServeTLS for ALPN and HTTP/2.
	TLSConfig *tls.Config

	mu        sync.Mutex
	started   bool
	cfg       *conn.Config
	pool      *ants.PoolWithFuncGeneric[net.Conn]
	listeners map[*net.Listener]struct{}
	conns     *connSet
	counters  conn.Counters
	accepted  atomic.Int64
	rejected  atomic.Int64
	draining  atomic.Bool
	closed    atomic.Bool
	baseCtx   context.Context
	cancel    context.CancelFunc
	rejects   chan net.Conn
	rejectWG  sync.WaitGroup
	stopOnce  sync.Once
	maxConns  int64
	inflight  atomic.Int64 // open connections: accepted and not yet finished
	serveWG   sync.WaitGroup
	h2        *h2state           // nil when the handler has no net/http form
	watcher   *conn.SystemPoller // watches running requests when parking is off (watch.go)
	hooks     shutdownHooks      // RegisterOnShutdown (hooks.go)

	// The parking path (workers.go); poller is nil without it.
	poller         *conn.SystemPoller
	workers        *ants.PoolWithFuncGeneric[struct{}]
	ready          runQueue
	slots          atomic.Int64 // drain loops counted as running, at most maxWorkers
	maxWorkers     int64
	maxServing     int64                           // MaxHandlers: drain loops in all, released ones included
	blocked        atomic.Int64                    // drain loops released by the monitor, still serving
	released       atomic.Int64                    // releases so far
	cpuBusy        atomic.Int64                    // monitor ticks that found the threads busy
	threadsBusy    atomic.Bool                     // the monitor's last tick found the threads busy
	lastBusyAccept atomic.Int64                    // nanotime of a worker's last accept while threadsBusy (busyaccept.go)
	busyWorkers    int64                           // the drain loops allowed while threadsBusy
	overloaded     atomic.Bool                     // the ceiling is reached: new requests get 503
	busy           *xsync.MapOf[*worker, struct{}] // workers holding a slot (monitor.go)
	kick           chan struct{}                   // wakes the monitor
	monitorDone    chan struct{}
	sweepStop      chan struct{}
	sweepDone      chan struct{}
}

// start builds the shared configuration and the pool, once.
func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return ErrServerClosed
	}
	if s.started {
		return nil
	}
	if s.Handler == nil {
		return errors.New("engine: Server.Handler is nil")
	}
	s.baseCtx, s.cancel = context.WithCancel(context.Background())
	s.cfg = conn.Config{
		Limits:             s.Limits,
		HeadTimeout:        s.HeadTimeout,
		IdleTimeout:        s.IdleTimeout,
		BodyTimeout:        s.BodyTimeout,
		WriteTimeout:       s.WriteTimeout,
		MaxDrainBytes:      s.MaxDrainBytes,
		BodyBufferBytes:    s.BodyBufferBytes,
		MinBodyRate:        s.MinBodyRate,
		BodyRateGrace:      s.BodyRateGrace,
		BufferReleaseDelay: s.BufferReleaseDelay,
		ServerName:         s.ServerName,
		Logger:             ratelog.Limit(s.Logger), // a flood repeats its errors
		BaseContext:        s.baseCtx,
		Counters:           &s.counters,
		Draining:           &s.draining,
		Finished:           s.connFinished,
	}.WithDefaults()
	size := s.MaxConns
	if size <= 0 {
		size = DefaultMaxConns
	}
	s.maxConns = int64(size)
	s.conns = new(connSet)
	s.busy = xsync.NewMapOf[*worker, struct{}]()
	if !s.startParking() {
		s.startWatching()
	}
	pool, err := ants.NewPoolWithFuncGeneric(size, s.serveConn, s.poolOptions(10*time.Second)...)
	if err != nil {
		s.stopPollers()
		return err
	}
	s.pool = pool
	if err := s.initH2(); err != nil {
		s.stopPollers()
		return err
	}
	s.listeners = make(map[*net.Listener]struct{})
	s.rejects = make(chan net.Conn, rejectQueue)
	for range rejectWorkers {
		s.rejectWG.Add(1)
		go s.rejectLoop()
	}
	s.started = true
	return nil
}

// ListenAndServe listens on s.Addr and serves until Shutdown or Close,
// which make it return ErrServerClosed.
func (s *Server) ListenAndServe() error {
	addr := s.Addr
	if addr == "" {
		addr = ":http"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(l)
}

// Serve accepts connections on l and serves each on a pool goroutine. It
// returns ErrServerClosed after Shutdown or Close, or the listener's error
// if accepting fails for another reason (temporary errors such as running
// out of file descriptors are retried with backoff). Serve closes l.
// For HTTPS, pass tls.NewListener(l, config).
func (s *Server) Serve(l net.Listener) error {
	if err := s.start(); err != nil {
		l.Close()
		return err
	}
	if !s.trackListener(&l, true) {
		l.Close()
		return ErrServerClosed
	}
	defer s.trackListener(&l, false)
	defer l.Close()
	var backoff time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.draining.Load() || s.closed.Load() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || isTemporary(err) {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.cfg.Logger.Warn("engine: accept error; retrying", "err", err, "delay", backoff)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		s.admit(nc)
	}
}

// admit takes a connection just accepted: it is refused with 503 above
// MaxConns, else queued for a worker (parking path) or given a pool
// goroutine.
func (s *Server) admit(nc net.Conn) {
	s.accepted.Add(1)
	if s.inflight.Add(1) > s.maxConns {
		s.inflight.Add(-1)
		s.reject(nc)
		return
	}
	if s.parks(nc) {
		c := conn.New(nc, s.cfg, s.Handler)
		s.conns.add(c)
		s.submit(c, false)
		return
	}
	if err := s.pool.Invoke(nc); err != nil {
		s.inflight.Add(-1)
		s.reject(nc)
	}
}

// trackListener adds or removes l; it refuses to add after shutdown began.
func (s *Server) trackListener(l *net.Listener, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		if s.draining.Load() || s.closed.Load() {
			return false
		}
		s.listeners[l] = struct{}{}
		s.serveWG.Add(1)
	} else {
		delete(s.listeners, l)
		s.serveWG.Done()
	}
	return true
}

// poolOptions are the options of the engine's goroutine pools: Invoke
// fails at once rather than wait, goroutines idle for expiry exit, and a
// panic that escapes (none should) is logged.
func (s *Server) poolOptions(expiry time.Duration) []ants.Option {
	return []ants.Option{
		ants.WithNonblocking(true),
		ants.WithExpiryDuration(expiry),
		ants.WithPanicHandler(func(v any) { s.cfg.Logger.Error("engine: worker panic", "panic", v) }),
	}
}

// serveConn runs one connection for its whole life on a pool goroutine
// (the goroutine-per-connection path).
func (s *Server) serveConn(nc net.Conn) {
	if tc, ok := nc.(*tls.Conn); ok && s.serveTLS(tc) {
		s.inflight.Add(-1)
		return
	}
	c := conn.New(nc, s.cfg, s.Handler)
	s.conns.add(c)
	c.Serve()
}

// connFinished is conn.Config.Finished: it forgets a connection that is
// done, on whichever goroutine finished it.
func (s *Server) connFinished(c *conn.Conn) {
	s.conns.remove(c)
	s.inflight.Add(-1)
}

// Stats is a snapshot of a server's counters.
type Stats struct {
	Accepted     int64 // connections accepted
	Rejected     int64 // connections refused with 503 (MaxConns open already)
	Active       int64 // connections reading or answering a request now (parked in the middle of one included)
	Idle         int64 // connections waiting for their next request, parked ones included
	Parked       int64 // connections parked on the poller (no goroutine): idle, or in the middle of a head or body
	Requests     int64 // requests answered
	ParseErrors  int64 // requests refused by the parser
	BodyErrors   int64 // request bodies with framing errors
	Timeouts     int64 // connections cut off by a timeout
	WriteErrors  int64 // failed writes (client gone)
	Panics       int64 // handler panics recovered
	IdleReleases int64 // buffer releases by idle connections
	HangUps      int64 // request contexts cancelled because the client hung up mid-request
	SlowBodies   int64 // request bodies cut for arriving slower than MinBodyRate
	Overloads    int64 // requests answered 503 because MaxHandlers connections were being served
	Yields       int64 // times a pipelining connection gave its worker up to waiting ones after its turn

	// The parking path's scheduler (zero on the goroutine-per-connection
	// path): Running + Blocked connections are on a worker now.
	Running      int64         // workers counted against MaxWorkers
	Blocked      int64         // workers released from MaxWorkers' count, their connection stuck in one request or wait
	Queued       int64         // connections waiting in the ready queue for a worker
	Releases     int64         // times a blocked worker was released so far
	QueueWaitP99 time.Duration // 99th percentile of the ready-queue wait over the last full second (bucket upper bound)
	CPUBusyTicks int64         // monitor ticks that released nothing because every thread was busy (workers waiting for CPU, not blocked)
}

// Stats returns a snapshot of the server's counters. Each field is read
// atomically; the snapshot as a whole is not (counters move while it is
// taken). Safe to call at any time from any goroutine.
func (s *Server) Stats() Stats {
	c := &s.counters
	return Stats{
		Accepted:     s.accepted.Load(),
		Rejected:     s.rejected.Load(),
		Active:       c.Active.Load(),
		Idle:         c.Idle.Load(),
		Parked:       c.Parked.Load(),
		Requests:     c.Requests.Load(),
		ParseErrors:  c.ParseErrors.Load(),
		BodyErrors:   c.BodyErrors.Load(),
		Timeouts:     c.Timeouts.Load(),
		WriteErrors:  c.WriteErrors.Load(),
		Panics:       c.Panics.Load(),
		IdleReleases: c.IdleReleases.Load(),
		HangUps:      c.HangUps.Load(),
		SlowBodies:   c.SlowBodies.Load(),
		Overloads:    c.Overloads.Load(),
		Yields:       c.Yields.Load(),
		Running:      s.slots.Load(),
		Blocked:      s.blocked.Load(),
		Queued:       int64(s.ready.len()),
		Releases:     s.released.Load(),
		QueueWaitP99: time.Duration(s.ready.wait.p99.Load()),
		CPUBusyTicks: s.cpuBusy.Load(),
	}
}
