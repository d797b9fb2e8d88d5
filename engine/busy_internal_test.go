package engine

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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
// waits, takes turnQuantum turns while connections queue, and yields at
// its next check while the threads are busy; busy threads also cap the
// drain loops at busyWorkers.
func TestBusyTurnAndCap(t *testing.T) {
	s := &Server{maxWorkers: 256, busyWorkers: 8}
	if got := s.turnFor(); got >= 0 {
		t.Errorf("empty queue: turn %v, want negative (no yield)", got)
	}
	s.ready.push(new(conn.Conn), false)
	if got := s.turnFor(); got != turnQuantum {
		t.Errorf("queued connection: turn %v, want %v", got, turnQuantum)
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
