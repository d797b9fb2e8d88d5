package engine

import (
	"os"
	"time"
)

// GoroutinePerConnEnv, set to 1, runs every server of the engine tests on
// the goroutine-per-connection path (see Server.GoroutinePerConn); the
// Makefile runs the tests once each way.
const GoroutinePerConnEnv = "MICROFRAME_GOROUTINE_PER_CONN"

func init() { testGoroutinePerConn = os.Getenv(GoroutinePerConnEnv) == "1" }

// Parking reports whether s serves plain connections on the parking path.
// It waits (up to a few seconds) for Serve to have started s.
func (s *Server) Parking() bool {
	for range 500 {
		s.mu.Lock()
		started, parking := s.started, s.poller != nil
		s.mu.Unlock()
		if started {
			return parking
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}
