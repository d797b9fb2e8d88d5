package pgtest

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"

	"go.uber.org/goleak"
)

var srv *Server

func TestMain(m *testing.M) { goleak.VerifyTestMain(WithServer(m, &srv)) }

func TestExecAndQuery(t *testing.T) {
	Need(t, srv)
	url, err := srv.CreateDatabase("exec_query")
	if err != nil {
		t.Fatal(err)
	}
	if want := "/exec_query?sslmode=disable"; !strings.HasSuffix(url, want) || !strings.Contains(url, "127.0.0.1:") {
		t.Errorf("URL = %q, want 127.0.0.1 and suffix %q", url, want)
	}
	if err := srv.Exec("exec_query", "CREATE TABLE t (id int, name text); INSERT INTO t VALUES (1, 'a'), (2, 'b');"); err != nil {
		t.Fatal(err)
	}
	got, err := srv.Query("exec_query", "SELECT id, name FROM t ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	if want := "1|a\n2|b"; got != want {
		t.Errorf("Query = %q, want %q", got, want)
	}
}

func TestErrors(t *testing.T) {
	Need(t, srv)
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"bad SQL", func() error { return srv.Exec("postgres", "SELEC 1") }, "syntax error"},
		{"stops at the first error", func() error { return srv.Exec("postgres", "SELECT 1; SELECT nope; SELECT 2") }, `column "nope" does not exist`},
		{"unknown database", func() error { _, err := srv.Query("no_such_db", "SELECT 1"); return err }, `"no_such_db" does not exist`},
		{"name not an identifier", func() error { _, err := srv.CreateDatabase("x; DROP"); return err }, "not a plain identifier"},
		{"database exists", func() error { _, err := srv.CreateDatabase("postgres"); return err }, "already exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestUnprivileged: postgres refuses to run as root, so as root the
// server's files belong to another user.
func TestUnprivileged(t *testing.T) {
	Need(t, srv)
	if os.Geteuid() != 0 {
		t.Skip("not root: the server runs as this user")
	}
	fi, err := os.Stat(srv.Dir() + "/data")
	if err != nil {
		t.Fatal(err)
	}
	if uid := fi.Sys().(*syscall.Stat_t).Uid; uid == 0 {
		t.Errorf("data directory owned by root")
	}
}

// TestStopRestartClose uses a server of its own: the shared one stays up
// for the other tests.
func TestStopRestartClose(t *testing.T) {
	Need(t, srv)
	s, err := Start(Options{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Exec("postgres", "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	port := s.Port()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Query("postgres", "SELECT 1"); err == nil {
		t.Fatal("a stopped server answered")
	}
	if err := s.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if s.Port() != port {
		t.Errorf("port after Restart = %d, want %d", s.Port(), port)
	}
	if got, err := s.Query("postgres", "SELECT v FROM kept"); err != nil || got != "42" {
		t.Errorf("after Restart: %q, %v; want the data kept (42)", got, err)
	}
	dir := s.Dir()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("directory %s still there after Close: %v", dir, err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestNotInstalled(t *testing.T) {
	_, err := Start(Options{BinDir: t.TempDir()})
	if !errors.Is(err, ErrNotInstalled) {
		t.Errorf("Start with an empty BinDir: %v, want ErrNotInstalled", err)
	}
}
