package engine

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/puzpuzpuz/xsync/v3"

	"github.com/microframe/microframe/conn"
)

// TestThreadsBusy: the monitor's test sees goroutines waiting for a thread
// while more spin than there are threads, and none once they stop.
func TestThreadsBusy(t *testing.T) {
	sample := []metrics.Sample{{Name: runnableMetric}}
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 4 * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for !stop.Load() {
				// Spin on the CPU, with no wait that would park.
			}
		})
	}
	busy := false
	for deadline := time.Now().Add(5 * time.Second); !busy && time.Now().Before(deadline); {
		busy = threadsBusy(sample)
		runtime.Gosched()
	}
	stop.Store(true)
	wg.Wait()
	if !busy {
		t.Fatal("threadsBusy never reported busy threads while 4×GOMAXPROCS goroutines spun")
	}
	idle := false
	for deadline := time.Now().Add(5 * time.Second); !idle && time.Now().Before(deadline); {
		idle = !threadsBusy(sample)
		time.Sleep(time.Millisecond)
	}
	if !idle {
		t.Fatal("threadsBusy still reports busy threads after the spinners stopped")
	}
}

// TestBusyTurnAndCap: a pipelining connection keeps going while nobody
// waits, takes conn.DefaultTurn turns while connections queue, and yields at
// its next check while the threads are busy; busy threads also cap the
// drain loops at busyWorkers.
func TestBusyTurnAndCap(t *testing.T) {
	s := &Server{maxWorkers: 256, busyWorkers: 8}
	if got := s.turnFor(); got >= 0 {
		t.Errorf("empty queue: turn %v, want negative (no yield)", got)
	}
	s.ready.push(new(conn.Conn), false)
	if got := s.turnFor(); got != conn.DefaultTurn {
		t.Errorf("queued connection: turn %v, want %v", got, conn.DefaultTurn)
	}
	s.threadsBusy.Store(true)
	if got := s.turnFor(); got != 0 {
		t.Errorf("busy threads: turn %v, want 0", got)
	}
	s.slots.Store(7)
	if !s.acquireSlot() {
		t.Fatal("busy threads: the 8th slot refused")
	}
	if s.acquireSlot() {
		t.Fatal("busy threads: a 9th slot granted above busyWorkers")
	}
	s.threadsBusy.Store(false)
	if !s.acquireSlot() {
		t.Fatal("threads free again: a 9th slot refused below MaxWorkers")
	}
}

// TestAcceptWhileBusy: with the threads busy, a worker's acceptWhileBusy
// takes a connection waiting on the server's listener (the accept loop is
// not running here) and serves it; with none waiting it returns at once; a
// second call within busyAcceptEvery does nothing; a listener the server
// no longer serves on is left alone.
func TestAcceptWhileBusy(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("accepting on workers is Linux only")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s := &Server{Handler: conn.HandlerFunc(func(x *conn.Ctx) { x.WriteString("hi") })}
	if err := s.start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.poller == nil {
		t.Skip("no poller")
	}
	var l net.Listener = ln
	if !s.trackListener(&l, true) { // as Serve does: the listener workers accept from
		t.Fatal("listener refused")
	}
	tracked := true
	untrack := func() {
		if tracked {
			tracked = false
			s.trackListener(&l, false)
		}
	}
	defer untrack()
	s.acceptWhileBusy() // nothing waits: returns at once
	if got := s.accepted.Load(); got != 0 {
		t.Fatalf("accepted %d with no client", got)
	}

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s.lastBusyAccept.Store(nanotime()) // just tried: the next call must wait its turn
	s.acceptWhileBusy()
	if got := s.accepted.Load(); got != 0 {
		t.Fatalf("accepted %d within busyAcceptEvery of the last try", got)
	}
	s.lastBusyAccept.Store(0)
	s.acceptWhileBusy()
	if got := s.accepted.Load(); got != 1 {
		t.Fatalf("accepted %d, want 1", got)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "hi" {
		t.Fatalf("body %q", body)
	}
	untrack() // as when Serve returns: workers no longer accept from it
	c2, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	s.lastBusyAccept.Store(0)
	s.acceptWhileBusy()
	if got := s.accepted.Load(); got != 1 {
		t.Fatalf("accepted %d from a listener Serve no longer runs on, want 1 in all", got)
	}
}

// TestReleaseAfter: a worker without progress is released once the given
// time has passed since the monitor first saw it so, not before: 2 ms
// normally, busyBlockedAfter while the threads are busy.
func TestReleaseAfter(t *testing.T) {
	for _, after := range []time.Duration{blockedAfter, busyBlockedAfter} {
		s := &Server{maxWorkers: 256, maxServing: 8192, busy: xsync.NewMapOf[*worker, struct{}]()}
		w := new(worker)
		w.conn.Store(new(conn.Conn))
		w.state.Store(workerGen | workerServing)
		s.busy.Store(w, struct{}{})
		s.slots.Store(1)
		t0 := time.Now()
		s.releaseBlocked(t0, after) // first sight
		s.releaseBlocked(t0.Add(after-time.Microsecond), after)
		if s.released.Load() != 0 {
			t.Fatalf("after=%v: released before its time", after)
		}
		s.releaseBlocked(t0.Add(after), after)
		if s.released.Load() != 1 || s.blocked.Load() != 1 || w.state.Load()&workerReleased == 0 {
			t.Fatalf("after=%v: not released once its time passed (released %d)", after, s.released.Load())
		}
	}
}
