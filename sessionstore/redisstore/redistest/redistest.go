// Package redistest starts throwaway redis-server processes for tests, the
// way net/http/httptest starts throwaway HTTP servers.
//
// A server listens on a free 127.0.0.1 port, keeps its data in memory only
// (no RDB snapshots, no append-only file) with its working directory in a
// fresh temporary directory, and is killed by Close. It uses the
// redis-server binary found on PATH (Debian package redis-server) or named
// by the REDIS_SERVER environment variable.
//
//	func TestSomething(t *testing.T) {
//		srv := redistest.Start(t) // skipped when redis-server is absent
//		client := redis.NewClient(&redis.Options{Addr: srv.Addr})
//		defer client.Close()
//		...
//	}
package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// ErrNotInstalled is returned by New (wrapped, with the reason) when no
// redis-server binary can be found.
var ErrNotInstalled = errors.New("redistest: redis-server not installed")

// Server is one running redis-server process.
type Server struct {
	// Addr is the server's host:port on 127.0.0.1.
	Addr string

	cmd  *exec.Cmd
	dir  string
	args []string
	bin  string

	mu     sync.Mutex
	exited chan struct{} // closed when the process has been waited for
}

// Binary returns the path of the redis-server binary New would run, or
// ErrNotInstalled wrapped with the places it looked.
func Binary() (string, error) {
	if p := os.Getenv("REDIS_SERVER"); p != "" {
		return p, nil
	}
	if p, err := exec.LookPath("redis-server"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/bin/redis-server", "/usr/local/bin/redis-server"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: no redis-server on PATH or in /usr/bin and /usr/local/bin "+
		"(apt-get install redis-server, or set REDIS_SERVER)", ErrNotInstalled)
}

// New starts a redis-server on a free loopback port and waits until it
// accepts connections (at most 10 seconds). extra are more command-line
// options for redis-server, such as "--maxmemory", "1mb". The caller must
// call Close. New fails with an error wrapping ErrNotInstalled when there
// is no redis-server, and with the server's own output when it does not
// start.
func New(extra ...string) (*Server, error) {
	return newServer(nil, extra)
}

// newServer is New; conf, if not nil, writes a configuration file into the
// server's directory and returns the arguments that go before the others
// (the file's path, "--sentinel").
func newServer(conf func(dir string) ([]string, error), extra []string) (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "redistest-")
	if err != nil {
		return nil, err
	}
	var pre []string
	if conf != nil {
		if pre, err = conf(dir); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	s := &Server{dir: dir, bin: bin}
	// A port that was free a moment ago may be taken by the time the
	// server binds it; try a few.
	for range 5 {
		var port int
		if port, err = freePort(); err != nil {
			break
		}
		s.Addr = fmt.Sprintf("127.0.0.1:%d", port)
		s.args = append(append(pre[:len(pre):len(pre)],
			"--port", fmt.Sprint(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--dir", dir,
			"--daemonize", "no", "--loglevel", "warning"), extra...)
		if err = s.start(); err == nil {
			return s, nil
		}
		if l, lerr := net.Listen("tcp", s.Addr); lerr == nil {
			l.Close()
			break // the port was free: the failure was not about it
		}
	}
	os.RemoveAll(dir)
	return nil, err
}

// Start is New for tests: it skips tb, saying why, when redis-server is not
// installed, unless the CI environment variable is set, in which case the
// absence is a failure (CI installs the package). It fails tb when the
// server does not start, and closes the server when the test ends.
func Start(tb testing.TB, extra ...string) *Server {
	tb.Helper()
	s, err := New(extra...)
	if errors.Is(err, ErrNotInstalled) && os.Getenv("CI") == "" {
		tb.Skipf("skipped: %v", err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// start runs the process with s.args and waits until it answers PING.
func (s *Server) start() error {
	cmd := exec.Command(s.bin, s.args...)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("redistest: start %s: %w", s.bin, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if ping(s.Addr) == nil {
			s.mu.Lock()
			s.cmd, s.exited = cmd, exited
			s.mu.Unlock()
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("redistest: redis-server on %s exited at start: %s", s.Addr, strings.TrimSpace(out.String()))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return fmt.Errorf("redistest: redis-server on %s did not answer within 10s: %s", s.Addr, strings.TrimSpace(out.String()))
		}
	}
}

// Stop kills the server process, keeping its address and settings, and
// waits for it to exit: clients then see connection failures. Start it
// again with Restart. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-exited
}

// Restart starts a stopped server again on the same address, empty. It
// returns an error if the server is running or does not come up.
func (s *Server) Restart() error {
	s.mu.Lock()
	running := s.cmd != nil
	s.mu.Unlock()
	if running {
		return errors.New("redistest: Restart of a running server")
	}
	return s.start()
}

// Pause freezes the server process (SIGSTOP): it keeps its connections
// and data but answers nothing, as a hung server does, until Resume.
func (s *Server) Pause() error { return s.signal(syscall.SIGSTOP) }

// Resume lets a paused server run again (SIGCONT).
func (s *Server) Resume() error { return s.signal(syscall.SIGCONT) }

// signal sends sig to the running server process.
func (s *Server) signal(sig syscall.Signal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return errors.New("redistest: server not running")
	}
	return s.cmd.Process.Signal(sig)
}

// Close stops the server and removes its directory. It is safe to call
// more than once.
func (s *Server) Close() error {
	s.Stop()
	if s.dir == "" {
		return nil
	}
	err := os.RemoveAll(s.dir)
	s.dir = ""
	return err
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ping sends one PING in the inline protocol and expects +PONG.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("redistest: PING answered %q", line)
	}
	return nil
}

// syncBuffer collects the server's output for error messages.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.b.Len() < 64<<10 {
		b.b.Write(p)
	}
	return len(p), nil
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// running reports whether the server process is running.
func (s *Server) running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd != nil
}
