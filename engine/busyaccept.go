package engine

import (
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Accepting while every thread is busy. Go's netpoller is asked for ready
// sockets by a thread with nothing else to run, or by the runtime's
// sysmon every 10 ms. While every thread is busy (the monitor's
// threadsBusy), nothing is idle, so a new client waits up to 10 ms before
// the accept loop even wakes: the ready queue puts new connections first,
// but cannot see one that was not accepted yet. So a worker that gives
// its turn up while the threads are busy also accepts what is waiting on
// the listeners, with a non-blocking accept(2), at most once per
// busyAcceptEvery across all workers; the accept loop keeps accepting as
// before, and the kernel gives each connection to one of them.
const (
	busyAcceptEvery = 200 * time.Microsecond
	busyAcceptBatch = 16 // connections one call accepts from a listener at most
)

// busyListeners are the listeners a worker may accept from.
type busyListeners struct {
	mu   sync.Mutex
	list atomic.Pointer[[]syscall.RawConn] // replaced, never changed in place
	last atomic.Int64                      // nanotime of the last try
}

// add makes l's socket available to workers, if it is a TCP listener; the
// returned func removes it again.
func (b *busyListeners) add(l net.Listener) (remove func()) {
	tl, ok := l.(*net.TCPListener)
	if !ok {
		return func() {}
	}
	rc, err := tl.SyscallConn()
	if err != nil {
		return func() {}
	}
	b.update(func(old []syscall.RawConn) []syscall.RawConn { return append(old, rc) })
	return func() {
		b.update(func(old []syscall.RawConn) []syscall.RawConn {
			var kept []syscall.RawConn
			for _, x := range old {
				if x != rc {
					kept = append(kept, x)
				}
			}
			return kept
		})
	}
}

func (b *busyListeners) update(f func([]syscall.RawConn) []syscall.RawConn) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var old []syscall.RawConn
	if p := b.list.Load(); p != nil {
		old = *p
	}
	next := f(append([]syscall.RawConn(nil), old...))
	b.list.Store(&next)
}

// acceptWhileBusy accepts the connections waiting on the listeners, unless
// another worker tried less than busyAcceptEvery ago, and admits each as
// the accept loop would.
func (s *Server) acceptWhileBusy() {
	now := nanotime()
	last := s.busyLns.last.Load()
	if now-last < int64(busyAcceptEvery) || !s.busyLns.last.CompareAndSwap(last, now) {
		return
	}
	p := s.busyLns.list.Load()
	if p == nil {
		return
	}
	for _, rc := range *p {
		for range busyAcceptBatch {
			if s.draining.Load() || s.closed.Load() {
				return
			}
			nc := acceptNow(rc)
			if nc == nil {
				break
			}
			s.admit(nc)
		}
	}
}
