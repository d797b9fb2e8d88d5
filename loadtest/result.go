package loadtest

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Errors counts requests that got no usable response, by cause.
type Errors struct {
	// Connect counts failed dials (refused, unreachable, dial timeout).
	Connect int64 `json:"connect"`
	// Write counts requests whose write failed.
	Write int64 `json:"write"`
	// Read counts requests whose response never came because the
	// connection failed or was closed by the server first.
	Read int64 `json:"read"`
	// Timeout counts requests not answered within Config.Timeout.
	Timeout int64 `json:"timeout"`
	// Parse counts malformed responses.
	Parse int64 `json:"parse"`
	// Status counts scenario responses whose status was not the one the
	// step expected. These responses are also measured.
	Status int64 `json:"status"`
}

// Total is the sum of all counts.
func (e Errors) Total() int64 {
	return e.Connect + e.Write + e.Read + e.Timeout + e.Parse + e.Status
}

func (e *Errors) add(o Errors) {
	e.Connect += o.Connect
	e.Write += o.Write
	e.Read += o.Read
	e.Timeout += o.Timeout
	e.Parse += o.Parse
	e.Status += o.Status
}

// Result is what one Run measured. Only responses that completed after the
// warmup and before the end of the run are counted.
type Result struct {
	Start   time.Time     // when measuring began (after the warmup)
	Elapsed time.Duration // measured wall time
	// Requests is the number of responses measured.
	Requests int64
	// Latency holds each measured response's latency in microseconds:
	// from the write of its request (closed loop; for a pipelined batch,
	// the write of the batch) or from its intended send time (open loop)
	// to the moment its last byte was parsed.
	Latency *hdrhistogram.Histogram
	// Status counts measured responses by status code.
	Status map[int]int64
	Errors Errors
	// BytesRead and BytesWritten count raw bytes on the wire, warmup
	// included.
	BytesRead, BytesWritten int64
	// Connects is the number of connections opened; above Connections it
	// shows the server closing keep-alive connections.
	Connects int64
	// Rate is the configured open-loop rate, or 0 for a closed loop.
	Rate float64
	// SendLagMean and SendLagMax tell, in the open loop, how late requests
	// were written compared with their intended send times: waiting for a
	// slow server, or the generator itself being short of CPU. Latencies
	// include this lag; a large one on a healthy server means the
	// generator, not the server, was the bottleneck.
	SendLagMean, SendLagMax time.Duration
	// Steps holds per-step counts of a scenario run, Setup steps first.
	Steps []StepResult
}

// Throughput is measured responses per second of elapsed time.
func (r *Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Percentile returns the latency below or at which pct percent of the
// measured responses fell (pct in [0, 100]); 0 when nothing was measured.
func (r *Result) Percentile(pct float64) time.Duration {
	return time.Duration(r.Latency.ValueAtPercentile(pct)) * time.Microsecond
}

// Summary is a Result reduced to plain numbers, for JSON output and tables.
type Summary struct {
	Requests     int64            `json:"requests"`
	Seconds      float64          `json:"seconds"`
	Throughput   float64          `json:"requests_per_sec"`
	Rate         float64          `json:"target_rate,omitempty"`
	SendLagUS    *SendLag         `json:"send_lag_us,omitempty"`
	LatencyUS    LatencySummary   `json:"latency_us"`
	Status       map[string]int64 `json:"status"`
	Errors       Errors           `json:"errors"`
	BytesRead    int64            `json:"bytes_read"`
	BytesWritten int64            `json:"bytes_written"`
	Connects     int64            `json:"connects"`
	Steps        []StepResult     `json:"steps,omitempty"`
}

// SendLag is Result.SendLagMean and SendLagMax in microseconds.
type SendLag struct {
	Mean int64 `json:"mean"`
	Max  int64 `json:"max"`
}

// LatencySummary holds latency percentiles in microseconds.
type LatencySummary struct {
	Min   int64   `json:"min"`
	Mean  float64 `json:"mean"`
	P50   int64   `json:"p50"`
	P90   int64   `json:"p90"`
	P99   int64   `json:"p99"`
	P999  int64   `json:"p99_9"`
	Max   int64   `json:"max"`
	Stdev float64 `json:"stdev"`
}

// Summary reduces r to plain numbers.
func (r *Result) Summary() Summary {
	h := r.Latency
	s := Summary{
		Requests:   r.Requests,
		Seconds:    r.Elapsed.Seconds(),
		Throughput: r.Throughput(),
		Rate:       r.Rate,
		LatencyUS: LatencySummary{
			Min: h.Min(), Mean: h.Mean(), Stdev: h.StdDev(),
			P50: h.ValueAtPercentile(50), P90: h.ValueAtPercentile(90),
			P99: h.ValueAtPercentile(99), P999: h.ValueAtPercentile(99.9),
			Max: h.Max(),
		},
		Status:       map[string]int64{},
		Errors:       r.Errors,
		BytesRead:    r.BytesRead,
		BytesWritten: r.BytesWritten,
		Connects:     r.Connects,
		Steps:        r.Steps,
	}
	if h.TotalCount() == 0 {
		s.LatencyUS.Max = 0
	}
	if r.Rate > 0 {
		s.SendLagUS = &SendLag{Mean: r.SendLagMean.Microseconds(), Max: r.SendLagMax.Microseconds()}
	}
	for code, n := range r.Status {
		s.Status[fmt.Sprint(code)] = n
	}
	return s
}

// WriteText writes a human-readable summary of r to w: throughput, latency
// percentiles, status codes, errors, bytes, and scenario steps.
func (r *Result) WriteText(w io.Writer) error {
	s := r.Summary()
	var b strings.Builder
	fmt.Fprintf(&b, "  requests    %d in %.2fs\n", s.Requests, s.Seconds)
	fmt.Fprintf(&b, "  throughput  %.0f req/s", s.Throughput)
	if s.Rate > 0 {
		fmt.Fprintf(&b, " (target %.0f req/s, open loop: latency from intended send time)", s.Rate)
	}
	b.WriteString("\n")
	if s.SendLagUS != nil {
		fmt.Fprintf(&b, "  send lag    mean %s, max %s behind schedule\n",
			FormatMicros(s.SendLagUS.Mean), FormatMicros(s.SendLagUS.Max))
	}
	l := s.LatencyUS
	fmt.Fprintf(&b, "  latency     p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  (mean %s, stdev %s)\n",
		FormatMicros(l.P50), FormatMicros(l.P90), FormatMicros(l.P99), FormatMicros(l.P999), FormatMicros(l.Max),
		FormatMicros(int64(l.Mean)), FormatMicros(int64(l.Stdev)))
	codes := slices.Sorted(maps.Keys(r.Status))
	b.WriteString("  status     ")
	if len(codes) == 0 {
		b.WriteString(" none")
	}
	for _, c := range codes {
		fmt.Fprintf(&b, " %d: %d", c, r.Status[c])
	}
	b.WriteString("\n")
	e := s.Errors
	fmt.Fprintf(&b, "  errors      %d (connect %d, read %d, write %d, timeout %d, parse %d, unexpected status %d)\n",
		e.Total(), e.Connect, e.Read, e.Write, e.Timeout, e.Parse, e.Status)
	fmt.Fprintf(&b, "  transfer    %s read, %s written, %d connections opened\n",
		formatBytes(s.BytesRead), formatBytes(s.BytesWritten), s.Connects)
	for _, st := range s.Steps {
		kind := "step "
		if st.Setup {
			kind = "setup"
		}
		fmt.Fprintf(&b, "  %s       %s: %d responses, %d unexpected status\n", kind, st.Name, st.Requests, st.Bad)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// FormatMicros formats a latency in microseconds compactly: "87µs",
// "1.25ms", "2.50s".
func FormatMicros(us int64) string {
	switch {
	case us < 1000:
		return fmt.Sprintf("%dµs", us)
	case us < 1_000_000:
		return fmt.Sprintf("%.2fms", float64(us)/1e3)
	default:
		return fmt.Sprintf("%.2fs", float64(us)/1e6)
	}
}

func formatBytes(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%dB", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1fKiB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1fMiB", float64(n)/(1<<20))
	default:
		return fmt.Sprintf("%.2fGiB", float64(n)/(1<<30))
	}
}
