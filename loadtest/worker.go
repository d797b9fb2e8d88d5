package loadtest

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// worker drives one connection (one virtual user in a scenario). Its
// counters are written only by its own goroutine and read after it ended,
// except measured, which the progress reporter reads while it runs.
type worker struct {
	r  *runner
	id int

	hist     *hdrhistogram.Histogram
	status   [600]int64
	errs     Errors
	measured atomic.Int64

	bytesRead, bytesWritten, connects int64
	lagSum, lagMax, lagN              time.Duration // open loop: how late sends were

	mu   sync.Mutex // guards c against interrupt
	c    net.Conn
	buf  []byte // read buffer; buf[rd:wr] is received and not yet parsed
	rd   int
	wr   int
	p    respParser
	vu   *virtualUser
	wait *time.Timer // open-loop pacing
}

func newWorker(r *runner, id int) *worker {
	w := &worker{r: r, id: id, hist: newHistogram(), buf: make([]byte, r.cfg.ReadBuffer)}
	if r.cfg.Scenario != nil {
		w.vu = newVirtualUser(r.cfg.Scenario, r.setup, r.steps, r.tgt.host)
		w.p.collectCookies = true
	}
	return w
}

// interrupt unblocks the worker's pending read or write; used by stop.
func (w *worker) interrupt() {
	w.mu.Lock()
	if w.c != nil {
		w.c.SetDeadline(time.Unix(1, 0))
	}
	w.mu.Unlock()
}

// loop sends requests until the run is stopped or its budget is spent.
func (w *worker) loop() {
	defer w.closeConn()
	r := w.r
	open := r.cfg.Rate > 0
	var next time.Time
	var interval time.Duration
	if open {
		// Connection i sends at start + (i + n·conns)/rate: the connections
		// interleave, and together they send Rate requests per second.
		interval = time.Duration(float64(r.cfg.Connections) / r.cfg.Rate * float64(time.Second))
		next = r.start.Add(time.Duration(float64(w.id) / r.cfg.Rate * float64(time.Second)))
		w.wait = time.NewTimer(time.Hour)
		defer w.wait.Stop()
	}
	// Connect before claiming the first requests, so that a count bound is
	// spread over all the connections rather than the first to connect.
	if !w.ensureConn() {
		return
	}
	for {
		k := r.claim(r.cfg.Pipeline)
		if k == 0 {
			return
		}
		intended := next
		if open {
			next = next.Add(interval)
			if !w.sleepUntil(intended) {
				return
			}
		}
		if !w.exchange(k, intended, open) {
			return
		}
	}
}

// exchange sends k requests (one batch) and reads their responses,
// recording each. intended is the open-loop send time; in the closed loop
// latency runs from the write. It returns false when the run has stopped.
func (w *worker) exchange(k int, intended time.Time, open bool) bool {
	r := w.r
	if !w.ensureConn() {
		return false
	}
	req, measured, noBody := w.request(k)
	sent := time.Now()
	if !open {
		intended = sent
	} else if !sent.Before(r.measureStart) {
		lag := sent.Sub(intended)
		w.lagSum += lag
		w.lagMax = max(w.lagMax, lag)
		w.lagN++
	}
	if r.cfg.Timeout > 0 {
		w.c.SetDeadline(sent.Add(r.cfg.Timeout))
		if r.stopped.Load() { // stop may have set its deadline before ours
			return false
		}
	}
	if _, err := w.c.Write(req); err != nil {
		w.fail(err, &w.errs.Write, k)
		return true
	}
	w.bytesWritten += int64(len(req))
	for i := range k {
		status, err := w.readResponse(noBody)
		if err != nil {
			w.fail(err, &w.errs.Read, k-i)
			return true
		}
		now := time.Now()
		record := measured && !r.stopped.Load() && !now.Before(r.measureStart)
		us := min(now.Sub(intended).Microseconds(), histHighest)
		ok := status >= 200 && status < 400
		if w.vu != nil {
			if record {
				w.vu.record(us)
			}
			ok = w.vu.response(status, w.p.cookies)
		}
		if !ok {
			w.errs.Status++
		}
		if record {
			w.hist.RecordValue(us)
			w.status[status]++
			w.measured.Add(1)
		}
		if w.p.close {
			w.closeConn()
			if i < k-1 && !r.stopped.Load() {
				w.errs.Read += int64(k - 1 - i) // pipelined requests the server dropped
			}
			return true
		}
		if !ok && w.vu != nil && w.vu.inSetup {
			w.pause()
		}
	}
	return true
}

// request returns the bytes of the next k requests (k > 1 only without a
// scenario), whether they are measured, and whether they are HEAD.
func (w *worker) request(k int) (b []byte, measured, noBody bool) {
	if w.vu != nil {
		return w.vu.request()
	}
	return w.r.batch[:k*w.r.one], true, w.r.noBody
}

// readResponse reads one whole response from the connection, reusing the
// read buffer, and returns its status code.
func (w *worker) readResponse(noBody bool) (int, error) {
	w.p.reset(noBody)
	for {
		if w.rd < w.wr {
			n, done, err := w.p.feed(w.buf[w.rd:w.wr])
			w.rd += n
			if err != nil {
				return 0, err
			}
			if done {
				return w.p.status, nil
			}
		}
		if w.rd == w.wr {
			w.rd, w.wr = 0, 0
		} else if w.wr == len(w.buf) {
			if w.rd == 0 {
				return 0, ErrHeadTooLarge
			}
			w.wr = copy(w.buf, w.buf[w.rd:w.wr])
			w.rd = 0
		}
		n, err := w.c.Read(w.buf[w.wr:])
		w.wr += n
		w.bytesRead += int64(n)
		if err != nil {
			if n > 0 {
				continue // parse what arrived; the error comes back on the next read
			}
			if err == io.EOF && w.p.eof() {
				return w.p.status, nil
			}
			if err == io.EOF && !w.p.inProgress() && w.rd == w.wr {
				return 0, errClosedIdle
			}
			return 0, err
		}
	}
}

// errClosedIdle is a keep-alive connection the server closed between
// responses. Counted as a read error if a request was waiting on it.
var errClosedIdle = errors.New("loadtest: server closed the connection")

// fail counts err (unless the run is stopping), abandons the connection and
// tells the virtual user. lost is how many requests of the batch failed.
func (w *worker) fail(err error, kind *int64, lost int) {
	w.closeConn()
	if w.vu != nil {
		w.vu.failed()
	}
	if w.r.stopped.Load() {
		return
	}
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		w.errs.Timeout += int64(lost)
	case isParseError(err):
		w.errs.Parse += int64(lost)
	default:
		*kind += int64(lost)
	}
	if w.vu != nil && w.vu.inSetup {
		w.pause()
	}
}

func isParseError(err error) bool {
	for _, e := range []error{ErrBadStatusLine, ErrBadHeader, ErrBadContentLength, ErrBadChunk, ErrHeadTooLarge, ErrUpgrade} {
		if err == e {
			return true
		}
	}
	return false
}

// ensureConn dials if the worker has no connection. It retries failed dials
// (counting each in Errors.Connect, pausing between them) until it succeeds,
// the run stops or a count bound is used up, and reports whether it has a
// connection.
func (w *worker) ensureConn() bool {
	if w.c != nil {
		return true
	}
	r := w.r
	d := net.Dialer{}
	if r.cfg.Timeout > 0 {
		d.Timeout = r.cfg.Timeout
	}
	for !r.stopped.Load() {
		c, err := d.DialContext(r.ctx, "tcp", r.tgt.addr)
		if err == nil && r.tls != nil {
			c, err = handshake(r.ctx, c, r.tls, r.cfg.Timeout)
		}
		if err == nil {
			w.mu.Lock()
			w.c = c
			w.mu.Unlock()
			if r.stopped.Load() { // stopped while dialling: interrupt may have missed c
				return false
			}
			w.connects++
			w.rd, w.wr = 0, 0
			return true
		}
		if r.stopped.Load() {
			return false
		}
		w.errs.Connect++
		// A failed dial uses up one request of a count bound, so that a
		// count-bound run against an unreachable target still ends.
		if r.limited && r.claim(1) == 0 {
			return false
		}
		w.pause()
	}
	return false
}

// handshake runs the TLS client handshake on c within timeout (if
// positive), closing c when it fails.
func handshake(ctx context.Context, c net.Conn, cfg *tls.Config, timeout time.Duration) (net.Conn, error) {
	tc := tls.Client(c, cfg)
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	if err := tc.HandshakeContext(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return tc, nil
}

// pause waits a little (or until the run stops) so that a target that
// refuses connections, or a failing scenario setup, is not hammered.
func (w *worker) pause() {
	t := time.NewTimer(10 * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
	case <-w.r.stopCh:
	}
}

// sleepUntil waits for the intended send time t. It returns false if the
// run stopped first, or if t falls after the end of the run.
func (w *worker) sleepUntil(t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return !w.r.stopped.Load()
	}
	w.wait.Reset(d)
	select {
	case <-w.wait.C:
		return !w.r.stopped.Load()
	case <-w.r.stopCh:
		return false
	}
}

func (w *worker) closeConn() {
	w.mu.Lock()
	if w.c != nil {
		w.c.Close()
		w.c = nil
	}
	w.mu.Unlock()
	w.rd, w.wr = 0, 0
}
