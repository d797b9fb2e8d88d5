package engine

import (
	"net"
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

// acceptWhileBusy accepts the connections waiting on the listeners, unless
// another worker tried less than busyAcceptEvery ago, and admits each as
// the accept loop would. The listeners are the server's own
// (s.listeners, those Serve runs on); a TCP listener's socket is reached
// through its RawConn, and one closed meanwhile refuses (acceptNow
// returns nil).
func (s *Server) acceptWhileBusy() {
	now := nanotime()
	last := s.lastBusyAccept.Load()
	if now-last < int64(busyAcceptEvery) || !s.lastBusyAccept.CompareAndSwap(last, now) {
		return
	}
	s.mu.Lock()
	lns := make([]*net.TCPListener, 0, len(s.listeners))
	for l := range s.listeners {
		if tl, ok := (*l).(*net.TCPListener); ok {
			lns = append(lns, tl)
		}
	}
	s.mu.Unlock()
	for _, tl := range lns {
		rc, err := tl.SyscallConn()
		if err != nil {
			continue
		}
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
