package conn

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/microframe/microframe/internal/poller"
	"github.com/microframe/microframe/parse"
)

// Defaults for every zero field of Config.
const (
	DefaultHeadTimeout         = 10 * time.Second // a whole request head must arrive within this
	DefaultIdleTimeout         = 60 * time.Second // a keep-alive connection may wait this long for its next request
	DefaultBodyTimeout         = 60 * time.Second // a request body must arrive within this, counted from the end of its head
	DefaultWriteTimeout        = 30 * time.Second // each write of buffered response bytes must finish within this
	DefaultMaxDrainBytes       = 256 << 10        // unread body bytes discarded to keep a connection alive; more closes it
	DefaultReadBufferSize      = 4 << 10          // initial read buffer; grows up to the head limit when a head needs it
	DefaultResponseBufferBytes = 64 << 10         // body bytes buffered before a response switches to streaming
	DefaultBufferReleaseDelay  = time.Second      // an idle connection keeps its buffers this long, then returns them to the pool
)

// Config is shared, read-only, by every connection of a server. Build it
// once with WithDefaults and do not change it while connections run.
type Config struct {
	Limits              parse.Limits
	HeadTimeout         time.Duration
	IdleTimeout         time.Duration
	BodyTimeout         time.Duration
	WriteTimeout        time.Duration
	MaxDrainBytes       int64
	ReadBufferSize      int
	ResponseBufferBytes int
	BufferReleaseDelay  time.Duration
	// ServerName, when set, is sent as the Server header of every response.
	ServerName string
	// Logger receives one line per connection error (Info) and one per
	// request (Debug). Nil means slog.Default().
	Logger *slog.Logger
	// BaseContext is the parent of every connection's context; cancelling
	// it cancels them all. Nil means context.Background().
	BaseContext context.Context
	// Counters, when set, is updated with atomic operations.
	Counters *Counters
	// Draining, when set and true, makes connections close instead of
	// waiting for another request (graceful shutdown).
	Draining *atomic.Bool

	// Poller, when set together with Wake, lets an idle connection over a
	// plain socket (see CanPark: TCP or Unix, not TLS) park: after
	// BufferReleaseDelay without a request, it returns its buffers, arms
	// the poller and its goroutine leaves Serve. Without it, an idle
	// connection keeps its goroutine until its next request.
	Poller *poller.Poller
	// Wake receives a parked connection whose socket became readable (or
	// whose peer left), on the poller's goroutine. It must not block, and
	// must make some goroutine call the connection's Serve soon.
	Wake func(c *Conn)
	// Linger, when set, is asked each time a parkable connection waits for
	// bytes (its next request, or the rest of a head): how long it may keep
	// its goroutine first, which is cheap for a client that sends again
	// soon, before it parks. The wait is capped at BufferReleaseDelay; 0
	// parks at once (a worker is needed elsewhere). Nil means
	// BufferReleaseDelay.
	Linger func() time.Duration
	// Finished, when set, is called once per connection when it is done
	// (socket closed, buffers released), on whichever goroutine finished it.
	Finished func(c *Conn)
}

// WithDefaults returns a copy of cfg with every zero field set to its default.
func (cfg Config) WithDefaults() *Config {
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
	return &cfg
}

// Counters are the per-connection statistics a server aggregates. Every
// field is updated atomically and may be read at any time.
type Counters struct {
	Active       atomic.Int64 // connections serving a request now
	Idle         atomic.Int64 // connections waiting for their next request, parked ones included
	Parked       atomic.Int64 // idle connections parked on the poller, holding no goroutine
	Requests     atomic.Int64 // requests whose handler returned
	ParseErrors  atomic.Int64 // requests refused by the parser (4xx/5xx, connection closed)
	BodyErrors   atomic.Int64 // request bodies with a framing error or over the limit
	Timeouts     atomic.Int64 // connections cut off by the head, body or write timeout
	WriteErrors  atomic.Int64 // writes that failed (client gone)
	Panics       atomic.Int64 // handler panics recovered
	IdleReleases atomic.Int64 // times an idle connection returned its buffers to the pool (parks included)
	HangUps      atomic.Int64 // request contexts cancelled because the client hung up while the handler ran
}
