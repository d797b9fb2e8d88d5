package loadtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

func TestOpenLoopHoldsRate(t *testing.T) {
	s := newRawServer(t, okResponse).start()
	const rate, d = 400.0, 500 * time.Millisecond
	res, err := Run(context.Background(), Config{URL: s.URL(), Connections: 4, Rate: rate, Duration: d})
	if err != nil {
		t.Fatal(err)
	}
	// Never more than the schedule allows. On a busy machine the run can
	// end late with its last due requests unsent, hence the loose floor.
	most := rate*res.Elapsed.Seconds() + 4
	least := 0.7 * rate * d.Seconds()
	if got := float64(res.Requests); got < least || got > most {
		t.Fatalf("sent %v requests at %v/s over %v, want %v to %v", got, rate, res.Elapsed, least, most)
	}
	if res.Rate != rate || res.Errors.Total() != 0 {
		t.Fatalf("rate %v, errors %+v", res.Rate, res.Errors)
	}
}

// stallServer answers at once, except that the first request after
// stallAfter freezes the whole server for stall: every request that is
// in flight or arrives during the freeze waits for its end.
func stallServer(t *testing.T, stallAfter, stall time.Duration) *httptest.Server {
	var once sync.Once
	var mu sync.Mutex
	var until time.Time
	begin := time.Now()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if time.Since(begin) > stallAfter {
			once.Do(func() {
				mu.Lock()
				until = time.Now().Add(stall)
				mu.Unlock()
			})
		}
		mu.Lock()
		wait := time.Until(until)
		mu.Unlock()
		if wait > 0 {
			time.Sleep(wait)
		}
		w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestCoordinatedOmission freezes the server once for 500ms under a fixed
// request rate. Every request due during the freeze was delayed by it, so
// the open-loop histogram must hold many slow samples, spread from the
// stall length down, and a p99 near the stall. The closed loop, which
// stops sending while it waits, records only one slow sample per
// connection: the stall it hides is the point of the comparison.
func TestCoordinatedOmission(t *testing.T) {
	const (
		rate  = 400.0
		conns = 4
		stall = 500 * time.Millisecond
	)
	run := func(open bool) *Result {
		srv := stallServer(t, 200*time.Millisecond, stall)
		cfg := Config{URL: srv.URL, Connections: conns, Duration: 1500 * time.Millisecond}
		if open {
			cfg.Rate = rate
		}
		res, err := Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if res.Errors.Total() != 0 {
			t.Fatalf("errors %+v", res.Errors)
		}
		return res
	}

	open := run(true)
	// About rate·stall = 200 requests were due during the freeze; their
	// latencies fall evenly from 500ms to 0, so about half are ≥ 250ms.
	slow := countAtLeast(open, 250_000)
	if slow < 60 {
		t.Fatalf("open loop: %d samples ≥ 250ms of %d; the stall was hidden", slow, open.Requests)
	}
	if p99 := open.Percentile(99); p99 < 400*time.Millisecond {
		t.Fatalf("open loop p99 = %v, want ≥ 400ms to reflect a 500ms stall", p99)
	}
	if max := open.Percentile(100); max < stall-20*time.Millisecond || max > stall+time.Second { // loose above: a busy machine adds delay
		t.Fatalf("open loop max = %v, want about %v", max, stall)
	}

	// Allow one more per connection for a stall of the (shared) machine.
	closed := run(false)
	if n := countAtLeast(closed, 250_000); n > 2*conns {
		t.Fatalf("closed loop: %d samples ≥ 250ms, want about one per connection (%d)", n, conns)
	}
	t.Logf("samples ≥ 250ms: open loop %d of %d, closed loop %d of %d",
		slow, open.Requests, countAtLeast(closed, 250_000), closed.Requests)
}
