package engine_test

// Helpers shared by the hardening_*_test.go files: the adversarial suite
// of issue 6 (request smuggling, slow clients, overload, idle memory,
// shutdown under load, panics and disconnects). docs/security.md says what
// each test shows and how to run the long forms.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/microframe/microframe/engine"
	"github.com/microframe/microframe/parse"
)

// hardeningScale sizes the adversarial tests; see scale in
// hardening_scale_*_test.go.
type hardeningScale struct {
	stress          bool          // built with -tags stress
	slowloris       int           // connections sending their head a byte at a time
	slowBodies      int           // uploads trickling their body
	headTimeout     time.Duration // Server.HeadTimeout for the slow-client test
	bodyTimeout     time.Duration // Server.BodyTimeout for the slow-client test
	trickle         time.Duration // gap between two bytes of a slow client
	idleConns       int           // idle keep-alive connections held at once
	overloadPool    int           // Server.MaxConns for the overload test
	overloadExtra   int           // connections opened beyond the pool
	hostileRejects  int           // refused clients that neither read nor close, fewer than the refusal queue holds
	floodRejects    int           // as many, and more than the refusal queue (1024) holds
	shutdownClients int           // concurrent clients during Shutdown
	shutdownRounds  int           // Shutdown-under-load repetitions
}

// bodyStatus is the status a test handler answers when reading the body
// failed: the parser's status for a framing error or an oversized body,
// 408 for the body timeout, 400 otherwise.
func bodyStatus(err error) int {
	var pe *parse.Error
	switch {
	case errors.As(err, &pe):
		return pe.Status
	case errors.Is(err, os.ErrDeadlineExceeded):
		return http.StatusRequestTimeout
	}
	return http.StatusBadRequest
}

// served records the request targets a handler saw, so that a test can
// assert that a smuggled request never reached it.
type served struct {
	mu      sync.Mutex
	targets []string
}

func (s *served) add(target string) {
	s.mu.Lock()
	s.targets = append(s.targets, target)
	s.mu.Unlock()
}

// take returns the targets seen so far and forgets them.
func (s *served) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.targets
	s.targets = nil
	return t
}

// exchange writes raw on a fresh connection, half-closes it (the client
// will send nothing more) and reads responses until the server closes. It
// returns the status of every complete final (non-1xx) response, and
// whether the connection then ended cleanly (EOF or reset, possibly in the
// middle of a response body) rather than with a malformed response or a
// timeout.
func exchange(t testing.TB, addr, raw string) (statuses []int, closed bool) {
	t.Helper()
	statuses, closed, err := exchangeRaw(addr, raw)
	if err != nil {
		t.Fatal(err)
	}
	return statuses, closed
}

// exchangeRaw is exchange for goroutines other than the test's: it reports
// a failure to connect or write as an error.
func exchangeRaw(addr, raw string) (statuses []int, closed bool, err error) {
	nc, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return nil, false, err
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := nc.Write([]byte(raw)); err != nil {
		return nil, false, fmt.Errorf("write: %v", err)
	}
	nc.(*net.TCPConn).CloseWrite()
	method, _, _ := strings.Cut(raw, " ")
	statuses, closed = readUntilClosed(bufio.NewReader(nc), method)
	return statuses, closed, nil
}

// readUntilClosed reads responses to requests of method until the
// connection ends; see exchange.
func readUntilClosed(br *bufio.Reader, method string) (statuses []int, closed bool) {
	req := &http.Request{Method: method}
	for {
		if _, err := br.Peek(1); err != nil {
			return statuses, isClosedErr(err)
		}
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			return statuses, false
		}
		if _, err := drainBody(resp); err != nil {
			// Cut short: the server closed in the middle of the body.
			return statuses, errors.Is(err, io.ErrUnexpectedEOF) || isClosedErr(err)
		}
		if resp.StatusCode >= 200 {
			statuses = append(statuses, resp.StatusCode)
		}
	}
}

// drainBody reads and closes a response body, returning its length.
func drainBody(resp *http.Response) (int64, error) {
	defer resp.Body.Close()
	return io.Copy(io.Discard, resp.Body)
}

// isClosedErr reports whether err means the peer closed the connection.
func isClosedErr(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return errors.Is(err, io.EOF) || strings.Contains(s, "reset") || strings.Contains(s, "broken pipe")
}

// liveHeap returns the bytes of live heap objects after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// waitFor polls cond every 10ms until it holds or timeout passes, and
// reports whether it held.
func waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitIdleServer waits until no connection of srv is in the middle of a
// request, and fails the test if that takes longer than timeout.
func waitIdleServer(t testing.TB, srv *engine.Server, timeout time.Duration) {
	t.Helper()
	if !waitFor(timeout, func() bool { return srv.Stats().Active == 0 }) {
		t.Fatalf("connections still active after %v: %+v", timeout, srv.Stats())
	}
}

// getOK sends one GET on the keep-alive connection nc and fails the test
// unless it is answered 200 within d.
func getOK(t testing.TB, nc net.Conn, br *bufio.Reader, path string, d time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	nc.SetDeadline(start.Add(d))
	if _, err := nc.Write([]byte(get(path))); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	if _, err := drainBody(resp); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
	}
	return time.Since(start)
}

// connGoroutines counts the goroutines serving a connection (running
// conn.(*Conn).Serve), across every server of the test process.
func connGoroutines() int {
	return countGoroutines("microframe/conn.(*Conn).Serve(")
}

// countGoroutines counts the goroutines whose stack contains frame.
func countGoroutines(frame string) int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, frame) {
			count++
		}
	}
	return count
}
