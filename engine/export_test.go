package engine

import "os"

// GoroutinePerConnEnv, set to 1, runs every server of the engine tests on
// the goroutine-per-connection path (see Server.GoroutinePerConn); the
// Makefile runs the tests once each way.
const GoroutinePerConnEnv = "MICROFRAME_GOROUTINE_PER_CONN"

func init() { testGoroutinePerConn = os.Getenv(GoroutinePerConnEnv) == "1" }

// Parking reports whether s serves plain connections on the parking path.
func (s *Server) Parking() bool { return s.poller != nil }
