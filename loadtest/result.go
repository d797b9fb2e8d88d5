package loadtest

import (
	"fmt"
	"io"
	"maps"
	"math"
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
	// Status counts responses whose status was outside 2xx and 3xx (as
	// wrk's "Non-2xx or 3xx responses"), or, in a scenario, not the one
	// the step expected. These responses are also measured (latency,
	// Result.Status).
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

// RateShortfall is how far below Rate an open-loop run may fall before
// BelowRate reports it: under 95% of the target, the schedule was not kept.
const RateShortfall = 0.95

// BelowRate reports whether an open-loop run achieved less than
// RateShortfall of its target rate: the server or the generator could not
// keep up, and requests went out late (see SendLagMean). Always false in
// the closed loop.
func (r *Result) BelowRate() bool {
	return r.Rate > 0 && r.Throughput() < RateShortfall*r.Rate
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
	BelowRate    bool             `json:"below_target_rate,omitempty"`
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

// summarize reads the percentiles of h (all zero when h is empty).
func summarize(h *hdrhistogram.Histogram) LatencySummary {
	if h.TotalCount() == 0 {
		return LatencySummary{}
	}
	return LatencySummary{
		Min: h.Min(), Mean: h.Mean(), Stdev: h.StdDev(),
		P50: h.ValueAtPercentile(50), P90: h.ValueAtPercentile(90),
		P99: h.ValueAtPercentile(99), P999: h.ValueAtPercentile(99.9),
		Max: h.Max(),
	}
}

// Summary reduces r to plain numbers.
func (r *Result) Summary() Summary {
	h := r.Latency
	s := Summary{
		Requests:     r.Requests,
		Seconds:      r.Elapsed.Seconds(),
		Throughput:   r.Throughput(),
		Rate:         r.Rate,
		BelowRate:    r.BelowRate(),
		LatencyUS:    summarize(h),
		Status:       map[string]int64{},
		Errors:       r.Errors,
		BytesRead:    r.BytesRead,
		BytesWritten: r.BytesWritten,
		Connects:     r.Connects,
	}
	for _, st := range r.Steps {
		if st.Latency != nil && st.Latency.TotalCount() > 0 {
			l := summarize(st.Latency)
			st.LatencyUS = &l
		}
		s.Steps = append(s.Steps, st)
	}
	if r.Rate > 0 {
		s.SendLagUS = &SendLag{Mean: r.SendLagMean.Microseconds(), Max: r.SendLagMax.Microseconds()}
	}
	for code, n := range r.Status {
		s.Status[fmt.Sprint(code)] = n
	}
	return s
}

// WriteText writes a human-readable summary of r to w: throughput (with a
// warning when an open-loop run fell below RateShortfall of its target),
// latency percentiles and a text histogram, status codes, errors (with a
// warning naming the responses outside 2xx/3xx), bytes, and scenario steps
// with their own latency.
func (r *Result) WriteText(w io.Writer) error {
	s := r.Summary()
	var b strings.Builder
	fmt.Fprintf(&b, "  requests    %d in %.2fs\n", s.Requests, s.Seconds)
	fmt.Fprintf(&b, "  throughput  %.0f req/s", s.Throughput)
	if s.Rate > 0 {
		fmt.Fprintf(&b, " (target %.0f req/s, open loop: latency from intended send time)", s.Rate)
	}
	b.WriteString("\n")
	if s.BelowRate {
		fmt.Fprintf(&b, "  WARNING     achieved %.0f req/s, %.0f%% of the target %.0f req/s: the schedule was not kept (server or generator too slow)\n",
			s.Throughput, 100*s.Throughput/s.Rate, s.Rate)
	}
	if s.SendLagUS != nil {
		fmt.Fprintf(&b, "  send lag    mean %s, max %s behind schedule\n",
			FormatMicros(s.SendLagUS.Mean), FormatMicros(s.SendLagUS.Max))
	}
	l := s.LatencyUS
	fmt.Fprintf(&b, "  latency     p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  (mean %s, stdev %s)\n",
		FormatMicros(l.P50), FormatMicros(l.P90), FormatMicros(l.P99), FormatMicros(l.P999), FormatMicros(l.Max),
		FormatMicros(int64(l.Mean)), FormatMicros(int64(l.Stdev)))
	writeHistogram(&b, r.Latency)
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
	fmt.Fprintf(&b, "  errors      %d (connect %d, read %d, write %d, timeout %d, parse %d, status %d)\n",
		e.Total(), e.Connect, e.Read, e.Write, e.Timeout, e.Parse, e.Status)
	if e.Status > 0 {
		what := "responses outside 2xx/3xx"
		if len(s.Steps) > 0 {
			what = "responses with a status the step did not expect"
		}
		fmt.Fprintf(&b, "  WARNING     %d %s (counted as errors)\n", e.Status, what)
	}
	fmt.Fprintf(&b, "  transfer    %s read, %s written, %d connections opened\n",
		formatBytes(s.BytesRead), formatBytes(s.BytesWritten), s.Connects)
	for _, st := range s.Steps {
		kind := "step "
		if st.Setup {
			kind = "setup"
		}
		fmt.Fprintf(&b, "  %s       %s: %d responses, %d unexpected status", kind, st.Name, st.Requests, st.Bad)
		if l := st.LatencyUS; l != nil {
			fmt.Fprintf(&b, "; p50 %s  p90 %s  p99 %s  max %s",
				FormatMicros(l.P50), FormatMicros(l.P90), FormatMicros(l.P99), FormatMicros(l.Max))
		}
		b.WriteString("\n")
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

// histRows is the number of rows of the text histogram.
const histRows = 10

// writeHistogram draws the latency distribution of h as up to histRows
// rows of geometrically growing latency ranges (from the minimum to the
// maximum), each with its count, share and a bar.
func writeHistogram(b *strings.Builder, h *hdrhistogram.Histogram) {
	total := h.TotalCount()
	if total == 0 {
		return
	}
	lo, hi := float64(max(h.Min(), 1)), float64(max(h.Max(), 1))
	rows := histRows
	if hi <= lo {
		rows = 1
	}
	ratio := math.Pow(hi/lo, 1/float64(rows))
	var counts [histRows]int64
	for _, bar := range h.Distribution() {
		if bar.Count == 0 {
			continue
		}
		i := 0
		if rows > 1 {
			i = int(math.Log(float64(max(bar.From, 1))/lo) / math.Log(ratio))
		}
		counts[min(max(i, 0), rows-1)] += bar.Count
	}
	var most int64
	for _, n := range counts[:rows] {
		most = max(most, n)
	}
	edge := func(i int) string {
		if i == rows {
			return FormatMicros(int64(hi))
		}
		return FormatMicros(int64(math.Round(lo * math.Pow(ratio, float64(i)))))
	}
	b.WriteString("  histogram   latency range, responses, share\n")
	for i, n := range counts[:rows] {
		line := fmt.Sprintf("    %8s – %-8s %10d %5.1f%% %s", edge(i), edge(i+1),
			n, 100*float64(n)/float64(total), strings.Repeat("#", int((40*n+most-1)/most)))
		b.WriteString(strings.TrimRight(line, " "))
		b.WriteString("\n")
	}
}
