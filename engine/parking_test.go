package engine_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/microframe/microframe/conn"
	"github.com/microframe/microframe/engine"
)

// Idle parking. On Linux the engine serves plain TCP connections on the
// parking path: an idle connection gives its goroutine and buffers back
// and waits on the poller. These tests also run on the goroutine-per-
// connection path (make test runs the package with
// MICROFRAME_GOROUTINE_PER_CONN=1), where whatever concerns parked
// connections only is skipped and everything else must hold the same.

// parkServer returns a server whose idle connections park after 10 ms.
func parkServer(h conn.HandlerFunc) *engine.Server {
	return &engine.Server{Handler: h, BufferReleaseDelay: 10 * time.Millisecond}
}

// waitParked waits until srv has n parked connections (on the parking
// path only) and fails the test otherwise.
func waitParked(t *testing.T, srv *engine.Server, n int64) {
	t.Helper()
	if !srv.Parking() {
		return
	}
	if !waitFor(5*time.Second, func() bool { return srv.Stats().Parked == n }) {
		t.Fatalf("parked connections: %+v, want %d", srv.Stats(), n)
	}
}

// readSeq reads one /seq response and fails unless its body is want.
func readSeq(t testing.TB, br *bufio.Reader, want string) {
	t.Helper()
	if err := seqErr(br, want); err != nil {
		t.Fatal(err)
	}
}

// seqErr reads one /seq response and says what is wrong unless it is a
// 200 with the body want; it may run on any goroutine.
func seqErr(br *bufio.Reader, want string) error {
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return fmt.Errorf("want %q: %w", want, err)
	}
	var sb strings.Builder
	_, err = bufio.NewReader(resp.Body).WriteTo(&sb)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || sb.String() != want {
		return fmt.Errorf("got %d %q (%v), want 200 %q", resp.StatusCode, sb.String(), err, want)
	}
	return nil
}

// runClients runs n clients at once, each on a connection of its own, and
// fails the test with every error they return.
func runClients(t *testing.T, addr string, n int, client func(i int, nc net.Conn, br *bufio.Reader) error) {
	t.Helper()
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nc, br, err := dialErr(addr)
			if err == nil {
				err = client(i, nc, br)
				nc.Close()
			}
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

// dialErr opens a client connection with a deadline; for goroutines.
func dialErr(addr string) (net.Conn, *bufio.Reader, error) {
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, nil, err
	}
	nc.SetDeadline(time.Now().Add(30 * time.Second))
	return nc, bufio.NewReader(nc), nil
}

func TestParkAndWake(t *testing.T) {
	srv := parkServer(testNative)
	addr := startServer(t, srv)
	nc, br := dial(t, addr)
	for i := range 3 {
		q := fmt.Sprint(i)
		if _, err := nc.Write([]byte(get("/seq?" + q))); err != nil {
			t.Fatal(err)
		}
		readSeq(t, br, q)
		waitParked(t, srv, 1)
		if !waitFor(5*time.Second, func() bool { st := srv.Stats(); return st.Idle == 1 && st.Active == 0 }) {
			t.Fatalf("after request %d: %+v, want 1 idle, 0 active", i, srv.Stats())
		}
	}
	if srv.Parking() && connGoroutines() != 0 {
		t.Fatalf("%d goroutines serve a connection while it is parked", connGoroutines())
	}
}

// TestParkSplitHead: a connection parks, wakes on the first half of a
// request head, and answers once the rest comes.
func TestParkSplitHead(t *testing.T) {
	srv := parkServer(testNative)
	addr := startServer(t, srv)
	nc, br := dial(t, addr)
	nc.Write([]byte(get("/seq?a")))
	readSeq(t, br, "a")
	waitParked(t, srv, 1)
	head := get("/seq?b")
	nc.Write([]byte(head[:9]))
	time.Sleep(50 * time.Millisecond) // several release delays
	nc.Write([]byte(head[9:]))
	readSeq(t, br, "b")
	waitParked(t, srv, 1)
}

// TestParkRace: the next request arrives just as the connection parks
// (the release delay is 1 ms and the client waits around it). A lost
// wake-up would leave a request unanswered; a doubled one would run two
// actors on one connection, which the race detector and the in-order
// bodies would catch.
func TestParkRace(t *testing.T) {
	srv := &engine.Server{Handler: conn.HandlerFunc(testNative), BufferReleaseDelay: time.Millisecond}
	addr := startServer(t, srv)
	runClients(t, addr, 4, func(g int, nc net.Conn, br *bufio.Reader) error {
		for i := range 100 {
			time.Sleep(time.Duration(rand.IntN(1500)) * time.Microsecond)
			want := fmt.Sprintf("%d-%d", g, i)
			req := get("/seq?" + want)
			if i%2 == 1 { // two pipelined requests, the second in its own write
				nc.Write([]byte(req))
				req = get("/seq?" + want + "b")
			}
			if _, err := nc.Write([]byte(req)); err != nil {
				return err
			}
			if err := seqErr(br, want); err != nil {
				return err
			}
			if i%2 == 1 {
				if err := seqErr(br, want+"b"); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// openFDs counts this process's open file descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(ents)
}

// TestParkManyAlternating: 1,000 connections, few workers, each
// alternating bursts of pipelined requests with pauses long enough to
// park; every response is right and in order, nothing is refused, and
// afterwards no descriptor or goroutine is left.
func TestParkManyAlternating(t *testing.T) {
	const conns, rounds = 1000, 3
	fds := openFDs(t)
	srv := &engine.Server{Handler: conn.HandlerFunc(testNative), BufferReleaseDelay: 5 * time.Millisecond,
		MaxWorkers: 16, Logger: quietLogger}
	addr, errc := serve(t, srv)
	runClients(t, addr, conns, func(i int, nc net.Conn, br *bufio.Reader) error {
		return alternate(nc, br, i, rounds)
	})
	if t.Failed() {
		t.FailNow()
	}
	if st := srv.Stats(); st.Rejected != 0 || st.Requests != conns*rounds*2 {
		t.Fatalf("stats %+v, want %d requests and none rejected", st, conns*rounds*2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	<-errc
	if !waitFor(5*time.Second, func() bool { return openFDs(t) <= fds }) {
		t.Fatalf("%d descriptors open after shutdown, %d before", openFDs(t), fds)
	}
}

// alternate is one client of TestParkManyAlternating.
func alternate(nc net.Conn, br *bufio.Reader, id, rounds int) error {
	for r := range rounds {
		a, b := fmt.Sprintf("%d.%d.a", id, r), fmt.Sprintf("%d.%d.b", id, r)
		if _, err := nc.Write([]byte(get("/seq?"+a) + get("/seq?"+b))); err != nil {
			return err
		}
		for _, want := range []string{a, b} {
			if err := seqErr(br, want); err != nil {
				return err
			}
		}
		time.Sleep(time.Duration(20+rand.IntN(30)) * time.Millisecond) // long enough to park
	}
	return nil
}

// TestParkedIdleTimeout: a parked connection is closed once its idle
// timeout passes (by the server's sweep, not a timer of its own), and not
// long before.
func TestParkedIdleTimeout(t *testing.T) {
	const idle = 200 * time.Millisecond
	srv := &engine.Server{Handler: conn.HandlerFunc(testNative), BufferReleaseDelay: 10 * time.Millisecond, IdleTimeout: idle}
	addr := startServer(t, srv)
	nc, br := dial(t, addr)
	nc.Write([]byte(get("/seq?x")))
	readSeq(t, br, "x")
	start := time.Now()
	waitParked(t, srv, 1)
	expectClosed(t, br)
	if d := time.Since(start); d < idle/2 || d > 3*idle+time.Second {
		t.Fatalf("closed after %v, want about %v", d, idle)
	}
	if !waitFor(2*time.Second, func() bool { st := srv.Stats(); return st.Idle == 0 && st.Parked == 0 }) {
		t.Fatalf("stats after the idle timeout: %+v", srv.Stats())
	}
}

// TestShutdownParkedAndActive: Shutdown closes parked connections at once
// while a request in progress finishes, with "Connection: close".
func TestShutdownParkedAndActive(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	h := func(x *conn.Ctx) {
		if string(x.Path()) == "/slow" {
			started <- struct{}{}
			<-release
		}
		testNative(x)
	}
	srv := parkServer(h)
	addr, errc := serve(t, srv)
	const parked = 5
	var brs []*bufio.Reader
	for i := range parked {
		nc, br := dial(t, addr)
		nc.Write([]byte(get(fmt.Sprintf("/seq?%d", i))))
		readSeq(t, br, fmt.Sprint(i))
		brs = append(brs, br)
	}
	waitParked(t, srv, parked)
	active, abr := dial(t, addr)
	active.Write([]byte(get("/slow")))
	<-started

	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done <- srv.Shutdown(ctx)
	}()
	for _, br := range brs {
		expectClosed(t, br) // without waiting for the slow request
	}
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned %v while a request was in progress", err)
	default:
	}
	close(release)
	resp, _ := readResponse(t, abr, "GET")
	if resp.StatusCode != 404 || !resp.Close {
		t.Fatalf("in-progress request: %d close=%v, want 404 with Connection: close", resp.StatusCode, resp.Close)
	}
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	<-errc
}

// TestWorkersQueue: with more busy connections than workers, the extra
// ones wait in the ready queue and are answered, none refused.
func TestWorkersQueue(t *testing.T) {
	h := func(x *conn.Ctx) {
		time.Sleep(20 * time.Millisecond)
		testNative(x)
	}
	srv := &engine.Server{Handler: conn.HandlerFunc(h), MaxWorkers: 2}
	addr := startServer(t, srv)
	runClients(t, addr, 20, func(i int, nc net.Conn, br *bufio.Reader) error {
		nc.Write([]byte(get(fmt.Sprintf("/seq?%d", i))))
		return seqErr(br, fmt.Sprint(i))
	})
	if st := srv.Stats(); st.Rejected != 0 {
		t.Fatalf("%d connections refused", st.Rejected)
	}
}

// TestStalledHeadsHoldNoWorker: clients that stall in the middle of a
// request head park (keeping their partial head) instead of holding
// workers: with 2 workers and 10 stalled heads, a fresh client is still
// answered, and every stalled head later gets its 408.
func TestStalledHeadsHoldNoWorker(t *testing.T) {
	const headTimeout = 500 * time.Millisecond
	srv := &engine.Server{Handler: conn.HandlerFunc(testNative), MaxWorkers: 2,
		BufferReleaseDelay: 10 * time.Millisecond, HeadTimeout: headTimeout}
	addr := startServer(t, srv)
	var stalled []*bufio.Reader
	for range 10 {
		nc, br := dial(t, addr)
		nc.Write([]byte("GET /seq?slow HTTP/1.1\r\nHo"))
		stalled = append(stalled, br)
	}
	if srv.Parking() {
		waitParked(t, srv, 10)
		nc, br := dial(t, addr)
		start := time.Now()
		nc.Write([]byte(get("/seq?fresh")))
		readSeq(t, br, "fresh")
		if d := time.Since(start); d > headTimeout/2 {
			t.Fatalf("fresh client answered after %v: stalled heads hold the workers", d)
		}
	}
	for _, br := range stalled {
		resp, _ := readResponse(t, br, "GET")
		if resp.StatusCode != 408 {
			t.Fatalf("stalled head: %d, want 408", resp.StatusCode)
		}
	}
}
