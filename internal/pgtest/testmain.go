package pgtest

import (
	"fmt"
	"os"
	"testing"
)

// RequireEnv is the environment variable that, set to 1, makes a missing
// or failing PostgreSQL fail the tests instead of skipping them. CI sets
// it, so that a test that needs the database cannot pass by not running.
const RequireEnv = "MICROFRAME_REQUIRE_PG"

// Required reports whether RequireEnv is set to 1.
func Required() bool { return os.Getenv(RequireEnv) == "1" }

// unavailable is why WithServer has no server, for Need.
var unavailable error

// WithServer wraps m for TestMain: its Run starts one Server for the test
// binary, stores it in *srv, runs the tests and closes the server. Where
// PostgreSQL cannot start, Run fails the binary (exit code 1, with the
// reason) if Required, and otherwise runs the tests with *srv nil, so that
// those calling Need skip. The result fits goleak.VerifyTestMain.
func WithServer(m *testing.M, srv **Server) interface{ Run() int } {
	return runner{m, srv}
}

type runner struct {
	m   *testing.M
	srv **Server
}

func (r runner) Run() int {
	s, err := Start(Options{})
	if err != nil {
		if Required() {
			fmt.Fprintf(os.Stderr, "%v\n(%s=1: the tests need PostgreSQL)\n", err, RequireEnv)
			return 1
		}
		unavailable = err
		*r.srv = nil
		return r.m.Run()
	}
	*r.srv = s
	code := r.m.Run()
	if err := s.Close(); err != nil && code == 0 {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	return code
}

// Need skips t, with the reason, when srv is nil because WithServer could
// not start PostgreSQL.
func Need(t testing.TB, srv *Server) {
	t.Helper()
	if srv == nil {
		t.Skipf("skipped: no PostgreSQL: %v", unavailable)
	}
}
