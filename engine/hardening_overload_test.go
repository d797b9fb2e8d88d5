package engine_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/microframe/microframe/conn"
	"github.com/microframe/microframe/engine"
)

// Overload: the pool serves at most MaxConns connections, idle keep-alive
// ones included. Every connection beyond it must be refused with a prompt
// 503 (so that a load balancer can send the client elsewhere), the accept
// loop must keep accepting, the goroutine count must not grow with the
// refused connections, and the server must serve again once the load is
// gone. Clients that are refused and then neither read nor close must not
// delay the refusal of the others.

// promptness bounds the time from dial to a complete 503. A refusal may
// take rejectLinger (20 ms) of one of the 4 reject workers, and a client
// of refuseMany can find the 20 clients' refusals ahead of it: 20 ms × (20
// / 4 + 1) = 120 ms. About 4× that, for -race on a loaded 2-core machine
// (the slowest seen there was under 100 ms); a stalled accept loop or a
// refusal queue blocked by hostile clients takes far longer.
const promptness = 500 * time.Millisecond

// refusal is what one refused client saw.
type refusal struct {
	status     int
	retryAfter string
	took       time.Duration
	err        error
}

// expectRefusal dials addr, sends a request and reads the answer.
func expectRefusal(addr string) refusal {
	start := time.Now()
	nc, err := net.DialTimeout("tcp", addr, 2*promptness)
	if err != nil {
		return refusal{err: err}
	}
	defer nc.Close()
	nc.SetDeadline(start.Add(2 * promptness))
	if _, err := nc.Write([]byte(get("/plaintext"))); err != nil {
		return refusal{err: err, took: time.Since(start)}
	}
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	if err != nil {
		return refusal{err: err, took: time.Since(start)}
	}
	drainBody(resp)
	return refusal{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), took: time.Since(start)}
}

// refuseMany runs n refusals over workers client goroutines and checks
// that each got a prompt 503. With orClosed, a connection closed at once
// without a response also counts as a prompt refusal (the refusal queue
// was full). It returns the slowest refusal and how many were closes.
func refuseMany(t *testing.T, addr string, n, workers int, orClosed bool) (worst time.Duration, closes int) {
	t.Helper()
	var next atomic.Int64
	var mu sync.Mutex
	var failures []string
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				r := expectRefusal(addr)
				mu.Lock()
				worst = max(worst, r.took)
				if orClosed && r.status == 0 && (isClosedErr(r.err) || errors.Is(r.err, io.ErrUnexpectedEOF)) && r.took <= promptness {
					closes++
				} else if r.err != nil || r.status != http.StatusServiceUnavailable || r.retryAfter == "" || r.took > promptness {
					failures = append(failures, fmt.Sprintf("%d Retry-After=%q after %v: %v", r.status, r.retryAfter, r.took, r.err))
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Errorf("%d of %d refused clients were not refused promptly (503 with Retry-After); first: %s", len(failures), n, failures[0])
	}
	return worst, closes
}

// sampleGoroutines records the peak goroutine count until stop is closed.
func sampleGoroutines(stop <-chan struct{}) (peak func() int) {
	var p atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			p.Store(max(p.Load(), int64(runtime.NumGoroutine())))
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() int { <-done; return int(p.Load()) }
}

// openHostile opens n connections that will never send, read or close
// (until the test does).
func openHostile(t *testing.T, addr string, n int) []net.Conn {
	t.Helper()
	conns := make([]net.Conn, 0, n)
	for range n {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			closeAll(conns)
			t.Fatal(err)
		}
		conns = append(conns, nc)
	}
	return conns
}

func TestHardeningOverload(t *testing.T) {
	pool := scale.overloadPool
	srv := &engine.Server{Handler: conn.HandlerFunc(testNative), MaxConns: pool}
	addr := startServer(t, srv)

	// Fill the pool with idle keep-alive connections.
	type held struct {
		nc net.Conn
		br *bufio.Reader
	}
	var conns []held
	for range pool {
		nc, br := dial(t, addr)
		getOK(t, nc, br, "/plaintext", 5*time.Second)
		conns = append(conns, held{nc, br})
	}
	if !waitFor(2*time.Second, func() bool { return srv.Stats().Idle == int64(pool) }) {
		t.Fatalf("pool not full of idle connections: %+v", srv.Stats())
	}

	// Refuse overloadExtra connections from 20 client goroutines.
	const workers = 20
	g0 := runtime.NumGoroutine()
	stop := make(chan struct{})
	peak := sampleGoroutines(stop)
	worst, _ := refuseMany(t, addr, scale.overloadExtra, workers, false)
	close(stop)
	// The server added no goroutine per refused connection: beyond the
	// clients and the sampler, at most the reject workers and slack.
	if p := peak(); p > g0+workers+1+8 {
		t.Errorf("goroutines peaked at %d (%d before, %d client goroutines): refusals are not bounded", p, g0, workers)
	}
	t.Logf("%d refusals, slowest %v; %d connections held", scale.overloadExtra, worst, pool)
	if got := srv.Stats().Rejected; got < int64(scale.overloadExtra) {
		t.Errorf("Rejected = %d, want at least %d", got, scale.overloadExtra)
	}

	// The held connections are still served while the server refuses others.
	for _, h := range conns[:3] {
		getOK(t, h.nc, h.br, "/plaintext", 5*time.Second)
	}

	// Refused clients that never read nor close must not hold up the
	// refusal of well-behaved ones.
	hostile := openHostile(t, addr, scale.hostileRejects)
	worst, _ = refuseMany(t, addr, workers, workers, false)
	t.Logf("with %d hostile refused clients: slowest refusal %v", len(hostile), worst)
	closeAll(hostile)

	// A flood larger than the refusal queue: the connections it cannot
	// hold are closed at once. Every client is still refused promptly, by
	// a 503 or a close, and the 503s come back once the flood is over.
	hostile = openHostile(t, addr, scale.floodRejects)
	worst, closes := refuseMany(t, addr, workers, workers, true)
	t.Logf("with %d hostile clients flooding the refusal queue: slowest refusal %v, %d of %d closed without a 503",
		len(hostile), worst, closes, workers)
	closeAll(hostile)
	refuseMany(t, addr, workers, workers, false)

	// Recovery: once the held connections leave, the pool serves again,
	// all of it at once.
	for _, h := range conns {
		h.nc.Close()
	}
	// A held connection may be parked (no goroutine) when its client
	// leaves: until the poller wakes it and it finishes, it still holds
	// its MaxConns slot, so no goroutine left is not enough. A connection
	// stops counting as idle or active just before it gives its slot
	// back, on the goroutine that serves it.
	gone := func() bool {
		st := srv.Stats()
		return connGoroutines() == 0 && st.Active == 0 && st.Idle == 0
	}
	if !waitFor(5*time.Second, gone) {
		st := srv.Stats()
		t.Fatalf("%d connections still served (%d active, %d idle) after every client left", connGoroutines(), st.Active, st.Idle)
	}
	var wg sync.WaitGroup
	errs := make(chan error, pool)
	for range pool {
		wg.Go(func() {
			nc, err := net.DialTimeout("tcp", addr, promptness)
			if err != nil {
				errs <- err
				return
			}
			defer nc.Close()
			nc.SetDeadline(time.Now().Add(5 * time.Second))
			nc.Write([]byte(get("/plaintext")))
			resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
			if err == nil && resp.StatusCode != 200 {
				err = fmt.Errorf("status %d", resp.StatusCode)
			}
			if err != nil {
				errs <- fmt.Errorf("after the load: %v", err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
