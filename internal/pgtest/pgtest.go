// Package pgtest starts throwaway PostgreSQL servers for tests and
// benchmarks: a real postgres process from the machine's PostgreSQL
// installation (Debian's postgresql package), run as an unprivileged user
// in a temporary directory, listening on 127.0.0.1 on a free port, and
// removed afterwards. It uses the standard library only (the server's own
// initdb, postgres and psql programs), so a module that needs PostgreSQL
// in its tests brings its own driver.
//
// A test binary starts one server in TestMain:
//
//	var srv *pgtest.Server
//
//	func TestMain(m *testing.M) { goleak.VerifyTestMain(pgtest.WithServer(m, &srv)) }
//
//	func TestQuery(t *testing.T) {
//		pgtest.Need(t, srv)
//		url, err := srv.CreateDatabase("app")
//		...
//	}
//
// Where PostgreSQL is not installed the tests that need it skip, saying
// why, unless MICROFRAME_REQUIRE_PG=1 (as CI sets it), where the test
// binary fails instead.
//
// The server is tuned for throwaway data: fsync, synchronous_commit and
// full_page_writes are off, so a crash of the machine loses what it held.
package pgtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrNotInstalled is wrapped by the error Start returns when the
// PostgreSQL server programs (initdb, postgres) are not on this machine.
var ErrNotInstalled = errors.New("pgtest: PostgreSQL server programs not found (Debian: apt-get install postgresql postgresql-client)")

// User is the database superuser of every Server; it needs no password
// from 127.0.0.1 (trust authentication: the server is for tests only).
const User = "postgres"

// Options configure Start. The zero value is ready to use.
type Options struct {
	// Port is the TCP port on 127.0.0.1; 0 picks a free one.
	Port int
	// MaxConnections is the server's max_connections; 0 means 300,
	// enough for several connection pools at benchmark sizes.
	MaxConnections int
	// Logf, when set, receives a line for each step (initdb, start,
	// stop); the server's own log stays in its directory until Close.
	Logf func(format string, args ...any)
	// BinDir is the directory of initdb and postgres; empty means PATH,
	// then the newest /usr/lib/postgresql/*/bin.
	BinDir string
}

// Server is one running (or stopped) PostgreSQL server. Its methods are
// safe for concurrent use.
type Server struct {
	dir, bin string
	port     int
	opts     Options

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

// Start creates a database cluster in a new temporary directory and starts
// a server on it, waiting (at most 30 seconds) until it accepts
// connections. The caller must call Close. The error wraps ErrNotInstalled
// when PostgreSQL is missing, and carries the server's log when it fails
// to start.
func Start(opts Options) (*Server, error) {
	bin, err := binDir(opts.BinDir)
	if err != nil {
		return nil, err
	}
	if opts.MaxConnections == 0 {
		opts.MaxConnections = 300
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	s := &Server{dir: dir, bin: bin, port: opts.Port, opts: opts}
	if err := s.initdb(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// A port picked free may be taken before the server binds it: pick
	// again, a few times, unless the caller chose it.
	for attempt := 0; ; attempt++ {
		if opts.Port == 0 {
			if s.port, err = freePort(); err != nil {
				os.RemoveAll(dir)
				return nil, err
			}
		}
		if err = s.start(); err == nil || opts.Port != 0 || attempt == 2 {
			break
		}
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// Port is the server's TCP port on 127.0.0.1.
func (s *Server) Port() int { return s.port }

// Dir is the server's temporary directory (data, socket and log).
func (s *Server) Dir() string { return s.dir }

// Stop shuts the server down (fast shutdown: open sessions are ended) and
// waits for it to exit, keeping its data for Restart. Stopping a stopped
// server does nothing.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopLocked()
}

// Restart starts a stopped server again on the same port and data, and
// waits until it accepts connections. Restarting a running server does
// nothing.
func (s *Server) Restart() error {
	s.mu.Lock()
	running := s.cmd != nil
	s.mu.Unlock()
	if running {
		return nil
	}
	return s.start()
}

// Close stops the server and removes its directory. It returns the first
// error of the two; calling it again does nothing.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.stopLocked()
	if s.dir != "" {
		if rerr := os.RemoveAll(s.dir); err == nil {
			err = rerr
		}
		s.dir = ""
	}
	return err
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Logf != nil {
		s.opts.Logf("pgtest: "+format, args...)
	}
}

func (s *Server) data() string { return filepath.Join(s.dir, "data") }

func (s *Server) initdb() error {
	if err := os.Mkdir(s.data(), 0o700); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	if err := ownTree(s.dir); err != nil {
		return err
	}
	s.logf("initdb %s", s.data())
	cmd := exec.Command(filepath.Join(s.bin, "initdb"), "-D", s.data(), "-U", User,
		"--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync")
	cmd.SysProcAttr = unprivileged()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pgtest: initdb: %v: %s", err, out)
	}
	return nil
}

// start runs postgres as a child of this process (so it dies with it:
// see unprivileged) and waits for it to answer.
func (s *Server) start() error {
	logPath := filepath.Join(s.dir, "postgres.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer logFile.Close()
	if err := ownTree(logPath); err != nil {
		return err
	}
	cmd := exec.Command(filepath.Join(s.bin, "postgres"), "-D", s.data(),
		"-p", strconv.Itoa(s.port), "-k", s.dir,
		"-c", "listen_addresses=127.0.0.1",
		"-c", "max_connections="+strconv.Itoa(s.opts.MaxConnections),
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = unprivileged()
	s.logf("start postgres on 127.0.0.1:%d", s.port)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-done:
			return fmt.Errorf("pgtest: postgres exited at start (%v): %s", cmd.ProcessState, tail(logPath))
		default:
		}
		if _, err := s.Query("postgres", "select 1"); err == nil {
			break
		} else if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-done
			return fmt.Errorf("pgtest: postgres not ready after 30s: %v: %s", err, tail(logPath))
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	return nil
}

func (s *Server) stopLocked() error {
	if s.cmd == nil {
		return nil
	}
	s.logf("stop postgres on 127.0.0.1:%d", s.port)
	s.cmd.Process.Signal(os.Interrupt) // SIGINT: fast shutdown
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd, s.done = nil, nil
	return nil
}

// binDir finds the directory of the server programs.
func binDir(dir string) (string, error) {
	has := func(d string) bool {
		for _, p := range []string{"initdb", "postgres", "psql"} {
			if _, err := os.Stat(filepath.Join(d, p)); err != nil {
				return false
			}
		}
		return true
	}
	if dir != "" {
		if has(dir) {
			return dir, nil
		}
		return "", fmt.Errorf("%w in %s", ErrNotInstalled, dir)
	}
	if p, err := exec.LookPath("initdb"); err == nil && has(filepath.Dir(p)) {
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if has(d) {
			return d, nil
		}
	}
	return "", ErrNotInstalled
}

// version is the major version in a /usr/lib/postgresql/N/bin path.
func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: no free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tail is the end of the server's log, for an error message.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}
