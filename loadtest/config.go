package loadtest

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"time"
)

// Defaults for zero fields of Config.
const (
	DefaultConnections = 50
	DefaultTimeout     = 2 * time.Second
	DefaultReadBuffer  = 64 << 10
)

// Config describes one load run. The zero value is not runnable: URL and a
// bound (Duration or Requests) are required.
type Config struct {
	// URL is the only target: every connection dials its host and port,
	// and nothing else is ever contacted. It must be http://host[:port]/...
	// or https://host[:port]/... (HTTP/1.1 over TLS; the handshake is part
	// of each connection's dial, not of any request's latency); its path
	// and query are the request target when Scenario is nil.
	URL string
	// TLS, for an https URL, is the client configuration (ServerName
	// defaults to the URL's host; NextProtos is always "http/1.1"). Nil
	// means the system's roots and full verification. Ignored for http.
	TLS *tls.Config
	// Method is the request method; empty means GET.
	Method string
	// Header holds extra request headers. Host is always taken from URL
	// and Content-Length from Body; values given for those are ignored.
	Header http.Header
	// Body is sent with every request (with a Content-Length header).
	Body []byte

	// Connections is the number of keep-alive connections, each driven by
	// its own goroutine; in a scenario each is one virtual user. Zero
	// means DefaultConnections. Each connection holds a latency histogram
	// of about 170 KB and a read buffer of ReadBuffer bytes.
	Connections int
	// Pipeline is how many requests a connection writes at once before
	// reading their responses (HTTP/1.1 pipelining, as in the TechEmpower
	// plaintext test). Each response's latency is measured from the write
	// of its batch. Zero or one means no pipelining. It must be 1 in
	// open-loop mode and in scenarios.
	Pipeline int
	// Rate, when positive, switches to open-loop mode: Rate requests per
	// second in total, spread evenly over the connections, each request
	// scheduled at a fixed time whether or not the previous one has been
	// answered. Latency is measured from that intended time, so a stalled
	// server shows as many slow requests rather than one (no coordinated
	// omission). A connection that falls behind sends at once, still
	// measured from the intended time. Zero means closed loop: each
	// connection sends its next request (batch) as soon as the previous
	// one was answered.
	Rate float64

	// Duration bounds the measured part of the run. Requests bounds the
	// number of requests sent (those lost to errors included; a failed
	// dial uses up one). At least one must be set; with both, the run ends
	// at whichever comes first.
	Duration time.Duration
	Requests int64
	// Warmup, if set, runs the same load for this long before measuring;
	// nothing that completes during the warmup is recorded.
	Warmup time.Duration
	// Timeout bounds the wait for a connection and for each response (or
	// batch of pipelined responses). A request that times out is counted
	// in Errors.Timeout and its connection is closed and re-dialled. Zero
	// means DefaultTimeout; negative means no timeout.
	Timeout time.Duration

	// Scenario, when set, replaces the single request: each connection is
	// a virtual user that runs Scenario.Setup once and then Scenario.Steps
	// over and over, with its own cookie jar. Method, Header and Body are
	// then ignored.
	Scenario *Scenario

	// ReadBuffer is the per-connection read buffer size, which is also the
	// largest response head accepted. Zero means DefaultReadBuffer.
	ReadBuffer int

	// Progress, if set, is called about every ProgressInterval (default 1s)
	// from a goroutine of its own with the responses measured so far and
	// the measured time elapsed. It must return quickly.
	Progress         func(requests int64, elapsed time.Duration)
	ProgressInterval time.Duration
}

// withDefaults fills zero fields and checks the rest.
func (c Config) withDefaults() (Config, error) {
	if c.Method == "" {
		c.Method = "GET"
	}
	if c.Connections == 0 {
		c.Connections = DefaultConnections
	}
	if c.Pipeline == 0 {
		c.Pipeline = 1
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.ReadBuffer == 0 {
		c.ReadBuffer = DefaultReadBuffer
	}
	if c.ProgressInterval <= 0 {
		c.ProgressInterval = time.Second
	}
	switch {
	case c.Connections < 0:
		return c, fmt.Errorf("%w: Connections %d < 0", ErrBadConfig, c.Connections)
	case c.Pipeline < 0 || c.Pipeline > 1024:
		return c, fmt.Errorf("%w: Pipeline %d is not in 1..1024", ErrBadConfig, c.Pipeline)
	case c.Rate < 0:
		return c, fmt.Errorf("%w: Rate %g < 0", ErrBadConfig, c.Rate)
	case c.Rate > 0 && c.Pipeline > 1:
		return c, fmt.Errorf("%w: open-loop mode (Rate) does not pipeline", ErrBadConfig)
	case c.Scenario != nil && c.Pipeline > 1:
		return c, fmt.Errorf("%w: scenarios do not pipeline", ErrBadConfig)
	case c.Duration < 0 || c.Requests < 0 || c.Warmup < 0:
		return c, fmt.Errorf("%w: negative Duration, Requests or Warmup", ErrBadConfig)
	case c.Duration == 0 && c.Requests == 0:
		return c, ErrNoBound
	case c.ReadBuffer < 512:
		return c, fmt.Errorf("%w: ReadBuffer %d < 512", ErrBadConfig, c.ReadBuffer)
	}
	return c, checkRequest(c.Method, c.Header)
}
