package engine

import (
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/ants/v2"

	"github.com/microframe/microframe/conn"
)

// DefaultMaxWorkers is the default number of connections served at once
// on the parking path (see Server.MaxWorkers).
const DefaultMaxWorkers = 256

// testGoroutinePerConn, set by the tests (export_test.go) from the
// environment, makes every server behave as if GoroutinePerConn were set,
// so that one test suite covers both paths.
var testGoroutinePerConn bool

// The parking path. A connection that can park (a plain socket on Linux)
// runs on a worker only while it has work. Runnable connections (new ones,
// and parked ones the poller woke) go through the ready queue, which grows
// as needed so that adding never blocks (a connection is in it at most
// once, so it never holds more than MaxConns); at most MaxWorkers drain
// loops take connections from it, each on a pool goroutine, and run them
// until they park or finish.

// startParking opens the poller, the worker pool and the monitor; it
// reports false if the system has no poller (the server then keeps one
// goroutine per connection).
func (s *Server) startParking() bool {
	if s.GoroutinePerConn || testGoroutinePerConn {
		return false
	}
	p, err := conn.OpenPoller()
	if err != nil {
		s.cfg.Logger.Debug("engine: no poller; one goroutine per connection", "err", err)
		return false
	}
	s.busyWorkers = int64(max(4, 4*runtime.GOMAXPROCS(0)))
	s.maxWorkers = int64(s.MaxWorkers)
	if s.maxWorkers <= 0 {
		s.maxWorkers = DefaultMaxWorkers
	}
	s.maxServing = int64(s.MaxHandlers)
	if s.maxServing <= 0 {
		s.maxServing = DefaultMaxHandlers
	}
	s.maxServing = max(s.maxServing, s.maxWorkers)
	// The pool holds every drain loop, blocked ones included: MaxWorkers
	// of them counted as running, the rest released by the monitor.
	workers, err := ants.NewPoolWithFuncGeneric(int(s.maxServing), func(struct{}) { s.drain() }, s.poolOptions(2*time.Second)...)
	if err != nil {
		p.Close()
		return false
	}
	s.poller = p
	s.workers = workers
	cfg := *s.cfg
	cfg.Park = &conn.Parking{Poller: p, Wake: s.wake, Linger: s.lingerFor, Turn: s.turnFor}
	cfg.Overloaded = &s.overloaded
	s.cfg = cfg.WithDefaults()
	s.sweepStop = make(chan struct{})
	s.sweepDone = make(chan struct{})
	s.monitorDone = make(chan struct{})
	s.kick = make(chan struct{}, 1)
	go s.sweep(sweepInterval(s.cfg.IdleTimeout, s.cfg.HeadTimeout))
	go s.monitor()
	return true
}

// parks reports whether nc goes the parking path.
func (s *Server) parks(nc net.Conn) bool {
	return s.poller != nil && conn.CanPark(nc)
}

// wake is conn.Parking.Wake: it queues a connection the poller (or the
// sweep) woke, after the others if it is in the middle of a request.
func (s *Server) wake(c *conn.Conn) {
	mid := c.MidRequest()
	s.submit(c, mid)
	if mid && s.threadsBusy.Load() {
		s.acceptWhileBusy() // a worker giving its turn up (busyaccept.go)
	}
}

// submit queues a runnable connection and makes sure a drain loop will
// take it. It never blocks: the queue grows as needed, and a connection
// is in it at most once. When every worker is taken it wakes the
// monitor, which frees workers stuck on one request (monitor.go).
func (s *Server) submit(c *conn.Conn, mid bool) {
	s.ready.push(c, mid)
	if !s.startDrain() {
		select {
		case s.kick <- struct{}{}:
		default:
		}
	}
}

// startDrain starts a drain loop if one of the MaxWorkers slots is free,
// and reports whether it did.
func (s *Server) startDrain() bool {
	if !s.acquireSlot() {
		return false
	}
	if err := s.workers.Invoke(struct{}{}); err != nil {
		// The pool has no goroutine to spare this instant (one that
		// left a drain loop is on its way back): use a fresh one.
		go s.drain()
	}
	return true
}

// acquireSlot takes one of the drain-loop slots if one is free: MaxWorkers
// of them, or busyWorkers while every thread is busy.
func (s *Server) acquireSlot() bool {
	for {
		n := s.slots.Load()
		if n >= s.maxWorkers || s.threadsBusy.Load() && n >= s.busyWorkers {
			return false
		}
		if s.slots.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// drain runs queued connections until the queue is empty, holding one
// slot. After giving the slot back it looks at the queue once more: a
// connection queued while every slot was taken relies on that look.
//
// While it serves a connection its worker record is in s.busy, where the
// monitor looks for workers stuck on one request. A worker the monitor
// released no longer holds a slot: when its connection lets go it takes a
// slot again to go on draining, or leaves.
func (s *Server) drain() {
	w := workerPool.Get().(*worker)
	s.busy.Store(w, struct{}{})
	for {
		c := s.ready.pop()
		if c == nil {
			s.busy.Delete(w)
			s.slots.Add(-1)
			if s.ready.len() == 0 || !s.acquireSlot() {
				workerPool.Put(w)
				return
			}
			s.busy.Store(w, struct{}{})
			continue
		}
		if !w.serve(c) {
			if s.threadsBusy.Load() && s.slots.Load() > s.busyWorkers {
				// Too many drain loops for the CPU: leave (the others
				// drain the queue), as in the idle case above but
				// without the last look, which they will take.
				s.busy.Delete(w)
				s.slots.Add(-1)
				workerPool.Put(w)
				return
			}
			continue
		}
		// Released while it served c: the slot it held went to another
		// drain loop.
		s.blocked.Add(-1)
		s.updateOverload()
		if !s.acquireSlot() {
			workerPool.Put(w)
			return
		}
		s.busy.Store(w, struct{}{})
	}
}

// shortLinger is how long a connection waits for its client on a worker
// before parking while more than half the workers are busy: long enough
// for a client under load, on a loaded machine, to send its next request
// (so that busy keep-alive connections do not pay a park and a wake-up
// per request; 5 ms measured 70% more CPU per request with 256 wrk
// connections on a shared 2-core machine), short enough that a connection
// queued for a worker waits little.
const shortLinger = 50 * time.Millisecond

// lingerFor is conn.Parking.Linger: a connection waiting for its client keeps
// its worker for BufferReleaseDelay while at least half the workers are
// free, for shortLinger while fewer are, and parks at once while
// connections wait in the ready queue.
func (s *Server) lingerFor() time.Duration {
	switch {
	case s.ready.len() > 0:
		return 0
	case s.slots.Load() <= s.maxWorkers/2:
		return s.cfg.BufferReleaseDelay
	}
	return shortLinger
}

// sweepInterval is how often parked connections are checked for their
// idle timeout: an eighth of the shorter timeout, between 5 ms and 1 s.
func sweepInterval(idle, head time.Duration) time.Duration {
	return min(max(min(idle, head)/8, 5*time.Millisecond), time.Second)
}

// sweep closes parked connections whose idle timeout has passed, every
// interval, until the server stops; it also closes the ready queue's
// wait-time interval once a second (Stats.QueueWaitP99). One sweep over the connection set
// replaces a timer per connection; a connection may outlive its timeout by
// up to one interval.
func (s *Server) sweep(interval time.Duration) {
	defer close(s.sweepDone)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.sweepStop:
			return
		case now := <-t.C:
			s.conns.forEach(func(c *conn.Conn) {
				c.ExpireParked(now)
			})
			s.ready.wait.rotate(now)
		}
	}
}

// stopParking stops the sweeper, the monitor, the worker pool and the poller, once no
// connection is left (or Close gave up waiting for them).
func (s *Server) stopParking() {
	if s.poller == nil {
		return
	}
	close(s.sweepStop)
	<-s.sweepDone
	<-s.monitorDone
	if err := s.workers.ReleaseTimeout(5 * time.Second); err != nil {
		s.cfg.Logger.Warn("engine: worker pool release", "err", err)
	}
	s.poller.Close()
}

// runQueue is the ready queue: connections with work, waiting for a
// worker, in two FIFOs. A connection that starts a request (a new one, or
// an idle one whose next request is arriving) goes before one woken in the
// middle of a request, whose client sends its head or body slowly: under
// a flood of trickling clients a new request does not wait behind a
// thousand one-byte wake-ups, and a trickling client loses little by
// waiting (it is slow anyway). Each pop records its wait
// (Stats.QueueWaitP99).
type runQueue struct {
	start readyQueue // new connections and idle ones woken by a request
	mid   readyQueue // connections woken in the middle of a request
	wait  waitHistogram
}

// push queues c; mid says it is in the middle of a request.
func (q *runQueue) push(c *conn.Conn, mid bool) {
	if mid {
		q.mid.push(c)
	} else {
		q.start.push(c)
	}
}

// pop returns the next connection to run, or nil when none waits.
func (q *runQueue) pop() *conn.Conn {
	c, at := q.start.pop()
	if c == nil {
		if c, at = q.mid.pop(); c == nil {
			return nil
		}
	}
	q.wait.record(nanotime() - at)
	return c
}

// len returns how many connections wait.
func (q *runQueue) len() int { return q.start.len() + q.mid.len() }

// oldest returns how long the connection that has waited longest has.
func (q *runQueue) oldest() time.Duration { return max(q.start.oldest(), q.mid.oldest()) }

// readyQueue is a FIFO of runnable connections: a ring that doubles when
// full and is dropped when a burst has drained, so an idle server keeps no
// large array. Each entry carries its arrival time.
type readyQueue struct {
	mu   sync.Mutex
	ring []queued // length a power of two
	head int
	n    int
	size atomic.Int64 // n, for readers that take no lock
}

type queued struct {
	c  *conn.Conn
	at int64 // nanotime when pushed
}

func (q *readyQueue) push(c *conn.Conn) {
	at := nanotime()
	q.mu.Lock()
	if q.n == len(q.ring) {
		ring := make([]queued, max(64, 2*len(q.ring)))
		for i := range q.n {
			ring[i] = q.ring[(q.head+i)&(len(q.ring)-1)]
		}
		q.ring, q.head = ring, 0
	}
	q.ring[(q.head+q.n)&(len(q.ring)-1)] = queued{c, at}
	q.n++
	q.size.Store(int64(q.n))
	q.mu.Unlock()
}

// pop returns the oldest connection and when it was pushed, or nil when
// the queue is empty.
func (q *readyQueue) pop() (*conn.Conn, int64) {
	if q.size.Load() == 0 {
		return nil, 0
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == 0 {
		return nil, 0
	}
	e := q.ring[q.head]
	q.ring[q.head] = queued{}
	q.head = (q.head + 1) & (len(q.ring) - 1)
	q.n--
	q.size.Store(int64(q.n))
	if q.n == 0 && len(q.ring) > 1024 {
		q.ring, q.head = nil, 0
	}
	return e.c, e.at
}

// oldest returns how long the oldest waiting connection has waited, or 0.
func (q *readyQueue) oldest() time.Duration {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == 0 {
		return 0
	}
	return time.Duration(nanotime() - q.ring[q.head].at)
}

// len returns how many connections wait.
func (q *readyQueue) len() int { return int(q.size.Load()) }
