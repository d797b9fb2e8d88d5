package engine

import (
	"net"
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

// startParking opens the poller and the worker pool; it reports false if
// the system has no poller (the server then keeps one goroutine per
// connection).
func (s *Server) startParking() bool {
	if s.GoroutinePerConn || testGoroutinePerConn {
		return false
	}
	p, err := conn.OpenPoller()
	if err != nil {
		s.cfg.Logger.Debug("engine: no poller; one goroutine per connection", "err", err)
		return false
	}
	s.maxWorkers = int64(s.MaxWorkers)
	if s.maxWorkers <= 0 {
		s.maxWorkers = DefaultMaxWorkers
	}
	workers, err := ants.NewPoolWithFuncGeneric(int(s.maxWorkers), func(struct{}) { s.drain() }, s.poolOptions(2*time.Second)...)
	if err != nil {
		p.Close()
		return false
	}
	s.poller = p
	s.workers = workers
	cfg := *s.cfg
	cfg.Park = &conn.Parking{Poller: p, Wake: s.submit, Linger: s.lingerFor}
	s.cfg = cfg.WithDefaults()
	s.sweepStop = make(chan struct{})
	s.sweepDone = make(chan struct{})
	go s.sweep(sweepInterval(s.cfg.IdleTimeout, s.cfg.HeadTimeout))
	return true
}

// parks reports whether nc goes the parking path.
func (s *Server) parks(nc net.Conn) bool {
	return s.poller != nil && conn.CanPark(nc)
}

// submit queues a runnable connection and makes sure a drain loop will
// take it; it is conn.Parking.Wake too. It never blocks: the queue grows
// as needed, and a connection is in it at most once.
func (s *Server) submit(c *conn.Conn) {
	s.ready.push(c)
	if s.acquireSlot() {
		if err := s.workers.Invoke(struct{}{}); err != nil {
			// The pool has no goroutine to spare this instant (one that
			// left a drain loop is on its way back): use a fresh one.
			go s.drain()
		}
	}
}

// acquireSlot takes one of the MaxWorkers drain-loop slots if one is free.
func (s *Server) acquireSlot() bool {
	for {
		n := s.slots.Load()
		if n >= s.maxWorkers {
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
func (s *Server) drain() {
	for {
		if c := s.ready.pop(); c != nil {
			c.Serve()
			continue
		}
		s.slots.Add(-1)
		if s.ready.len() == 0 || !s.acquireSlot() {
			return
		}
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
// interval, until the server stops. One sweep over the connection set
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
			s.conns.Range(func(c *conn.Conn, _ struct{}) bool {
				c.ExpireParked(now)
				return true
			})
		}
	}
}

// stopParking stops the sweeper, the worker pool and the poller, once no
// connection is left (or Close gave up waiting for them).
func (s *Server) stopParking() {
	if s.poller == nil {
		return
	}
	close(s.sweepStop)
	<-s.sweepDone
	if err := s.workers.ReleaseTimeout(5 * time.Second); err != nil {
		s.cfg.Logger.Warn("engine: worker pool release", "err", err)
	}
	s.poller.Close()
}

// readyQueue is a FIFO of runnable connections: a ring that doubles when
// full and is dropped when a burst has drained, so an idle server keeps no
// large array.
type readyQueue struct {
	mu   sync.Mutex
	ring []*conn.Conn // length a power of two
	head int
	n    int
	size atomic.Int64 // n, for readers that take no lock
}

func (q *readyQueue) push(c *conn.Conn) {
	q.mu.Lock()
	if q.n == len(q.ring) {
		ring := make([]*conn.Conn, max(64, 2*len(q.ring)))
		for i := range q.n {
			ring[i] = q.ring[(q.head+i)&(len(q.ring)-1)]
		}
		q.ring, q.head = ring, 0
	}
	q.ring[(q.head+q.n)&(len(q.ring)-1)] = c
	q.n++
	q.size.Store(int64(q.n))
	q.mu.Unlock()
}

// pop returns the oldest connection, or nil when the queue is empty.
func (q *readyQueue) pop() *conn.Conn {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == 0 {
		return nil
	}
	c := q.ring[q.head]
	q.ring[q.head] = nil
	q.head = (q.head + 1) & (len(q.ring) - 1)
	q.n--
	q.size.Store(int64(q.n))
	if q.n == 0 && len(q.ring) > 1024 {
		q.ring, q.head = nil, 0
	}
	return c
}

// len returns how many connections wait.
func (q *readyQueue) len() int { return int(q.size.Load()) }
