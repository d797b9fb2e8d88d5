package engine

import (
	"math/bits"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"

	"github.com/microframe/microframe/conn"
)

// DefaultMaxHandlers is the default ceiling on connections served at once
// on the parking path, blocked ones included (see Server.MaxHandlers).
const DefaultMaxHandlers = 8192

// Workers bound running work, not waiting work. MaxWorkers drain loops
// count as running; a worker whose connection has made no progress (no new
// request, no new wait for bytes) for blockedAfter while connections wait
// in the ready queue is blocked — in a handler that waits on a database, a
// long poll, a WebSocket loop, or on a client that neither sends nor reads
// — and is released: it stops counting against MaxWorkers and another
// drain loop takes the queue. This is the Go runtime's sysmon handing a P
// to another thread while one sits in a system call, done at the level of
// connections. A released worker that finishes with its connection takes
// a slot again, or leaves.
//
// The monitor runs only while the queue is not empty and no slot is free
// (submit wakes it); it then looks every monitorTick, so a handler that
// waits delays the queue by at most about blockedAfter + monitorTick.
//
// A worker that makes no progress may also be runnable but not running:
// with every thread busy (clients pipelining thousands of requests, a
// CPU-heavy handler), workers wait for the Go scheduler's time slices,
// and releasing them would start more drain loops to compete for the same
// CPU, each of which soon looks stuck in turn: the fresh clients the
// release was for would wait longer, not shorter. So on a tick on which
// the runtime has at least GOMAXPROCS goroutines runnable but not running
// (a backlog on every thread; Stats.CPUBusyTicks), a worker is released
// only after busyBlockedAfter without progress. Drain loops are then
// capped at busyWorkers, each taking short turns, so a worker that waits
// that long is not waiting for CPU: it is blocked all the same (a write
// to a client that does not read, a handler's wait), and must not hold
// one of the few drain loops while connections queue.
//
// Busy threads also shorten the turn of connections that pipeline
// without pause (turnFor): every goroutine the runtime readies, the
// accept loop's included, waits behind the running ones for as long as
// each of them keeps its thread, so while the backlog lasts each gives its
// worker and thread up after a few requests instead of after
// conn.DefaultTurn.
const (
	monitorTick  = time.Millisecond
	blockedAfter = 2 * time.Millisecond
	overloadWait = 10 * time.Millisecond

	busyBlockedAfter = 10 * time.Millisecond
)

// runnableMetric counts the goroutines ready to run that wait for a thread.
const runnableMetric = "/sched/goroutines/runnable:goroutines"

// turnFor is conn.Parking.Turn: how long a pipelining connection keeps
// its worker. Nobody waits while the ready queue is empty (-1); while it is
// not, conn.DefaultTurn, or no time at all (a yield at its next check) while
// the monitor finds every thread busy.
func (s *Server) turnFor() time.Duration {
	switch {
	case s.ready.len() == 0:
		return -1
	case s.threadsBusy.Load():
		return 0
	}
	return conn.DefaultTurn
}

// threadsBusy reports whether every thread has goroutines waiting for it;
// sample is the caller's, for runnableMetric (reading it costs about
// 200 ns and does not stop the world).
func threadsBusy(sample []metrics.Sample) bool {
	metrics.Read(sample)
	v := sample[0].Value
	return v.Kind() == metrics.KindUint64 && v.Uint64() >= uint64(runtime.GOMAXPROCS(0))
}

// worker is one drain loop's record. state holds the number of
// connections it has begun to serve (above bit 2), whether it is serving
// one now (bit 0), and whether the monitor released it during that one
// (bit 1); only the worker changes it, but for the monitor's
// compare-and-swap that sets the released bit, which cannot succeed once
// the worker moved on. The seen fields are the monitor's own.
type worker struct {
	state atomic.Uint64
	conn  atomic.Pointer[conn.Conn]

	seenState    uint64
	seenProgress uint64
	seenAt       time.Time
}

// workerPool recycles worker records, so that a burst of short drain
// loops leaves no garbage. A record keeps its state word (and so its serve
// count) across uses: a compare-and-swap by the monitor on a word it read
// during an earlier use can never succeed.
var workerPool = sync.Pool{New: func() any { return new(worker) }}

const (
	workerServing  uint64 = 1
	workerReleased uint64 = 2
	workerGen      uint64 = 4
)

// serve runs c until it parks or ends and reports whether the monitor
// released the worker meanwhile.
func (w *worker) serve(c *conn.Conn) bool {
	gen := w.state.Load()&^(workerGen-1) + workerGen
	w.conn.Store(c)
	w.state.Store(gen | workerServing)
	c.Serve()
	released := w.state.Swap(gen)&workerReleased != 0
	w.conn.Store(nil)
	return released
}

// monitor waits to be kicked, then releases blocked workers every
// monitorTick for as long as connections wait in the ready queue.
func (s *Server) monitor() {
	defer close(s.monitorDone)
	for {
		select {
		case <-s.sweepStop:
			return
		case <-s.kick:
		}
		t := time.NewTicker(monitorTick)
		runnable := []metrics.Sample{{Name: runnableMetric}}
		for s.ready.len() > 0 {
			select {
			case <-s.sweepStop:
				t.Stop()
				return
			case now := <-t.C:
				busy := threadsBusy(runnable)
				s.threadsBusy.Store(busy)
				after := blockedAfter
				if busy {
					s.cpuBusy.Add(1)
					after = busyBlockedAfter
				}
				s.releaseBlocked(now, after)
			}
		}
		s.threadsBusy.Store(false)
		t.Stop()
	}
}

// releaseBlocked releases every busy worker whose connection has made no
// progress for blockedAfter, while the ceiling allows, and starts a drain
// loop in the place of each. At the ceiling (Overloaded set), requests that
// reach a worker are answered 503 at once; if every worker is stuck all
// the same, one drain loop beyond MaxWorkers is started per tick while the
// oldest connection has waited overloadWait, so that waiting clients get
// their 503 rather than wait for a handler to finish.
func (s *Server) releaseBlocked(now time.Time, after time.Duration) {
	defer func() {
		if s.overloaded.Load() && s.ready.oldest() > overloadWait {
			s.slots.Add(1) // above MaxWorkers: given back when the loop ends
			if err := s.workers.Invoke(struct{}{}); err != nil {
				go s.drain()
			}
		}
	}()
	s.busy.Range(func(w *worker, _ struct{}) bool {
		st := w.state.Load()
		c := w.conn.Load()
		if st&workerServing == 0 || c == nil {
			return true
		}
		p := c.Progress()
		if st != w.seenState || p != w.seenProgress {
			w.seenState, w.seenProgress, w.seenAt = st, p, now
			return true
		}
		if now.Sub(w.seenAt) < after {
			return true
		}
		if c.StopLingering() {
			return true // it was waiting for a next request: it parks, and its worker moves on
		}
		if s.blocked.Load()+s.maxWorkers >= s.maxServing {
			return true
		}
		if !w.state.CompareAndSwap(st, st|workerReleased) {
			return true // it finished with c meanwhile
		}
		s.busy.Delete(w)
		s.blocked.Add(1)
		s.released.Add(1)
		s.slots.Add(-1)
		s.updateOverload()
		if s.ready.len() > 0 {
			s.startDrain()
		}
		return true
	})
}

// updateOverload sets the flag that makes connections answer new requests
// with 503 (conn.Config.Overloaded): every drain loop the ceiling allows is
// running, and no more can be released.
func (s *Server) updateOverload() {
	over := s.blocked.Load()+s.maxWorkers >= s.maxServing
	if s.overloaded.Load() != over {
		s.overloaded.Store(over)
	}
}

// epoch is the origin of nanotime.
var epoch = time.Now()

// nanotime returns monotonic nanoseconds since the process started.
func nanotime() int64 { return int64(time.Since(epoch)) }

// waitHistogram counts ready-queue waits in power-of-two buckets of
// microseconds, over intervals of about a second; p99 is the 99th
// percentile of the last closed interval (an upper bound: the top of its
// bucket).
type waitHistogram struct {
	cur      [32]atomic.Int64 // bucket i: waits below 2^i µs (the last: longer)
	p99      atomic.Int64     // nanoseconds, the last closed interval's
	openedAt time.Time        // the sweeper's own
}

// record adds one wait of ns nanoseconds.
func (h *waitHistogram) record(ns int64) {
	i := min(bits.Len64(uint64(max(ns, 0))/1000), len(h.cur)-1)
	h.cur[i].Add(1)
}

// rotate closes the interval if a second has passed since it opened.
func (h *waitHistogram) rotate(now time.Time) {
	if now.Sub(h.openedAt) < time.Second {
		return
	}
	h.openedAt = now
	var counts [len(h.cur)]int64
	var total int64
	for i := range h.cur {
		counts[i] = h.cur[i].Swap(0)
		total += counts[i]
	}
	if total == 0 {
		h.p99.Store(0)
		return
	}
	need := total - total/100 // the count at or below p99
	var seen int64
	for i, n := range counts {
		seen += n
		if seen >= need {
			h.p99.Store(int64(time.Microsecond) << i)
			return
		}
	}
}
