package engine_test

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/microframe/microframe/conn"
	"github.com/microframe/microframe/engine"
)

// TestLingeringIsNotBlocked: a connection that waits on its worker for
// its next request (BufferReleaseDelay, here a minute) while others queue
// for a worker is made to park (conn.Conn.StopLingering) rather than
// counted as blocked work and released, which would start a drain loop
// in its place while it goes on waiting, goroutine and all.
func TestLingeringIsNotBlocked(t *testing.T) {
	const n, workers = 40, 8
	srv := &engine.Server{Handler: conn.HandlerFunc(testNative), MaxWorkers: workers, BufferReleaseDelay: time.Minute}
	addr := startServer(t, srv)
	if !srv.Parking() {
		t.Skip("the goroutine-per-connection path does not park")
	}
	conns := make([]net.Conn, n)
	for i := range conns {
		nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(30 * time.Second))
		conns[i] = nc
	}
	ask := func(i int, nc net.Conn) {
		nc.Write([]byte(get(fmt.Sprintf("/seq?%d", i))))
		buf := make([]byte, 512)
		if _, err := nc.Read(buf); err != nil {
			t.Error(err)
		}
	}
	// The first few ask while workers are plentiful: they linger.
	for i, nc := range conns[:workers] {
		ask(i, nc)
	}
	var wg sync.WaitGroup
	for i, nc := range conns[workers:] {
		wg.Go(func() { ask(workers+i, nc) })
	}
	wg.Wait()
	// The last connections served, with nobody queued behind them, may
	// linger: as many as take the full BufferReleaseDelay (MaxWorkers/2).
	// The first ones, which began to linger before the queue formed, must
	// have parked once others queued; released instead, they would still
	// hold their goroutines.
	if !waitFor(5*time.Second, func() bool { return srv.Stats().Parked >= n-workers/2 }) {
		t.Fatalf("stats %+v: connections that lingered while others queued did not park", srv.Stats())
	}
	// Nor are their workers released (a few may be, on a loaded machine,
	// for a worker descheduled in the middle of a request).
	if st := srv.Stats(); st.Releases > 2 {
		t.Errorf("stats %+v: %d workers released, for connections that only waited for their next request", st, st.Releases)
	}
}
