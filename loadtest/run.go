package loadtest

import (
	"context"
	"crypto/tls"
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Latency histogram geometry: microseconds from 1 µs to 1000 s with three
// significant digits (0.1% resolution). Longer latencies are recorded as
// the maximum. One histogram takes about 170 KB; there is one per
// connection, merged when the run ends.
const (
	histLowest  = 1
	histHighest = 1_000_000_000
	histDigits  = 3
)

func newHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(histLowest, histHighest, histDigits)
}

// runner is the state shared by the connections of one run.
type runner struct {
	cfg    Config
	tgt    target
	tls    *tls.Config // https: the client configuration; nil for http
	batch  []byte      // the request repeated Pipeline times (single-URL mode)
	one    int         // length of one request in batch
	noBody bool        // the request is HEAD

	setup, steps []preparedStep // scenario mode

	limited   bool         // Requests bounds the run
	remaining atomic.Int64 // requests still to send when limited
	stopped   atomic.Bool
	ctx       context.Context // cancelled by stop; dials use it
	cancel    context.CancelFunc
	stopCh    <-chan struct{} // ctx.Done()
	stopOnce  sync.Once
	stopAt    atomic.Int64 // UnixNano when stop was called

	start        time.Time // load starts (warmup included)
	measureStart time.Time // recording starts
	workers      []*worker
}

// Run generates the load described by cfg against cfg.URL and returns what
// it measured. It returns when the duration has passed, the request count
// has been sent and answered (or failed), or ctx is done, whichever comes
// first; requests in flight at that moment are abandoned and not counted.
//
// Run returns an error only for an invalid configuration (ErrBadURL,
// ErrScheme, ErrBadHeaderValue, ErrNoBound, ErrBadConfig), before any
// connection is made. Failures during the run (refused connections,
// timeouts, malformed responses) are counted in Result.Errors; a target
// that cannot be reached at all gives a Result with zero requests and
// Errors.Connect > 0.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	r := &runner{cfg: cfg}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	defer r.cancel()
	r.stopCh = r.ctx.Done()
	if r.tgt, err = parseTarget(cfg.URL); err != nil {
		return nil, err
	}
	if r.tgt.tls {
		r.tls = &tls.Config{ServerName: r.tgt.url.Hostname(), NextProtos: []string{"http/1.1"}}
		if cfg.TLS != nil {
			r.tls = cfg.TLS.Clone()
			if r.tls.ServerName == "" {
				r.tls.ServerName = r.tgt.url.Hostname()
			}
			r.tls.NextProtos = []string{"http/1.1"}
		}
	}
	if cfg.Scenario != nil {
		if r.setup, r.steps, err = cfg.Scenario.prepare(r.tgt); err != nil {
			return nil, err
		}
	} else {
		one := appendRequest(nil, cfg.Method, r.tgt.url, r.tgt.host, cfg.Header, "", cfg.Body)
		r.one = len(one)
		r.batch = make([]byte, 0, len(one)*cfg.Pipeline)
		for range cfg.Pipeline {
			r.batch = append(r.batch, one...)
		}
		r.noBody = cfg.Method == "HEAD"
	}
	if cfg.Requests > 0 {
		r.limited = true
		r.remaining.Store(cfg.Requests)
	}

	r.workers = make([]*worker, cfg.Connections)
	for i := range r.workers {
		r.workers[i] = newWorker(r, i)
	}

	r.start = time.Now()
	r.measureStart = r.start.Add(cfg.Warmup)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	if cfg.Duration > 0 {
		runCtx, cancel = context.WithDeadline(runCtx, r.measureStart.Add(cfg.Duration))
		defer cancel()
	}

	var wg sync.WaitGroup
	for _, w := range r.workers {
		wg.Go(w.loop)
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()

	var pwg sync.WaitGroup
	if cfg.Progress != nil {
		pwg.Go(func() { r.progress(finished) })
	}

	select {
	case <-runCtx.Done():
		r.stop()
		<-finished
	case <-finished:
		r.stop()
	}
	pwg.Wait()
	return r.result(), nil
}

// stop ends the run: no new request is sent, and reads in flight are
// interrupted through their connection's deadline.
func (r *runner) stop() {
	r.stopOnce.Do(func() {
		r.stopAt.Store(time.Now().UnixNano())
		r.stopped.Store(true)
		r.cancel()
		for _, w := range r.workers {
			w.interrupt()
		}
	})
}

// progress calls cfg.Progress until the workers are finished.
func (r *runner) progress(finished <-chan struct{}) {
	t := time.NewTicker(r.cfg.ProgressInterval)
	defer t.Stop()
	for {
		select {
		case <-finished:
			return
		case now := <-t.C:
			if now.Before(r.measureStart) {
				continue
			}
			var n int64
			for _, w := range r.workers {
				n += w.measured.Load()
			}
			r.cfg.Progress(n, now.Sub(r.measureStart))
		}
	}
}

// claim takes up to k requests from the run's budget and returns how many
// it got; 0 means the run is over for this connection.
func (r *runner) claim(k int) int {
	if r.stopped.Load() {
		return 0
	}
	if !r.limited {
		return k
	}
	left := r.remaining.Add(int64(-k))
	if left >= 0 {
		return k
	}
	if got := int64(k) + left; got > 0 {
		return int(got)
	}
	return 0
}

// result merges what the workers recorded. It is called after they ended.
func (r *runner) result() *Result {
	end := time.Unix(0, r.stopAt.Load())
	res := &Result{
		Start:   r.measureStart,
		Elapsed: end.Sub(r.measureStart),
		Latency: newHistogram(),
		Status:  map[int]int64{},
		Rate:    r.cfg.Rate,
	}
	if res.Elapsed < 0 {
		res.Elapsed = 0
	}
	if r.cfg.Scenario != nil {
		for _, st := range r.setup {
			res.Steps = append(res.Steps, StepResult{Name: st.name, Setup: true})
		}
		for _, st := range r.steps {
			res.Steps = append(res.Steps, StepResult{Name: st.name, Latency: newStepHistogram()})
		}
	}
	var lagSum, lagN time.Duration
	for _, w := range r.workers {
		lagSum += w.lagSum
		lagN += w.lagN
		res.SendLagMax = max(res.SendLagMax, w.lagMax)
		res.Latency.Merge(w.hist)
		res.Requests += w.measured.Load()
		res.BytesRead += w.bytesRead
		res.BytesWritten += w.bytesWritten
		res.Connects += w.connects
		res.Errors.add(w.errs)
		for code, n := range w.status {
			if n > 0 {
				res.Status[code] += n
			}
		}
		if vu := w.vu; vu != nil {
			all := append(append([]StepResult(nil), vu.setupRes...), vu.stepsRes...)
			for i := range all {
				res.Steps[i].Requests += all[i].Requests
				res.Steps[i].Bad += all[i].Bad
				if all[i].Latency != nil {
					res.Steps[i].Latency.Merge(all[i].Latency)
				}
			}
		}
	}
	if lagN > 0 {
		res.SendLagMean = lagSum / lagN
	}
	return res
}
