package engine_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/microframe/microframe/conn"
	"github.com/microframe/microframe/engine"
)

// Never blocked: a handler that waits, or a client that trickles its body,
// holds only itself. These tests run on both scheduling paths (make test
// runs the package again with MICROFRAME_GOROUTINE_PER_CONN=1); what
// concerns the parking path's scheduler (Blocked, body collection, the
// ceiling) is checked there only. None of them measures speed: each asks
// whether a fresh client is answered at all while the others hold on.

// blocker answers /block only once release is closed (or the client
// leaves), counting the handlers that entered; everything else goes to
// testNative.
type blocker struct {
	release chan struct{}
	mu      sync.Mutex
	entered int
	gone    int // handlers that ended because the client left
}

func newBlocker() *blocker { return &blocker{release: make(chan struct{})} }

func (b *blocker) handler(x *conn.Ctx) {
	if string(x.Path()) != "/block" {
		testNative(x)
		return
	}
	b.mu.Lock()
	b.entered++
	b.mu.Unlock()
	select {
	case <-b.release:
		x.WriteString("released")
	case <-x.Context().Done():
		b.mu.Lock()
		b.gone++
		b.mu.Unlock()
	}
}

func (b *blocker) count() (entered, gone int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.entered, b.gone
}

// waitEntered waits until n handlers are blocked in /block.
func (b *blocker) waitEntered(t *testing.T, n int) {
	t.Helper()
	if !waitFor(10*time.Second, func() bool { e, _ := b.count(); return e >= n }) {
		e, _ := b.count()
		t.Fatalf("%d handlers entered /block, want %d", e, n)
	}
}

// fresh opens a new connection and asks for /plaintext; it fails the test
// unless the answer is a 200 within d.
func fresh(t *testing.T, addr string, d time.Duration) {
	t.Helper()
	nc, br := dial(t, addr)
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(d))
	io.WriteString(nc, get("/plaintext"))
	resp, err := readResponseErr(br, "GET")
	if err != nil {
		t.Fatalf("fresh client not answered within %v: %v", d, err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("fresh client: status %d", resp.StatusCode)
	}
}

// readResponseErr reads one response and its body, returning the error
// instead of failing the test.
func readResponseErr(br *bufio.Reader, method string) (*http.Response, error) {
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		return nil, err
	}
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, err
}

// holdBlocked opens n connections that each send GET /block.
func holdBlocked(t *testing.T, addr string, n int) []*bufio.Reader {
	t.Helper()
	brs := make([]*bufio.Reader, n)
	for i := range brs {
		nc, br := dial(t, addr)
		io.WriteString(nc, get("/block"))
		brs[i] = br
	}
	return brs
}

// TestBlockedHandlersDoNotBlockOthers: with MaxWorkers 2, ten handlers
// that wait hold ten connections, and a fresh client is still answered;
// on the parking path the waiting workers are counted as Blocked, not
// Running. Released, every blocked client gets its answer.
func TestBlockedHandlersDoNotBlockOthers(t *testing.T) {
	b := newBlocker()
	srv := &engine.Server{Handler: conn.HandlerFunc(b.handler), MaxWorkers: 2}
	addr := startServer(t, srv)
	const n = 10
	brs := holdBlocked(t, addr, n)
	b.waitEntered(t, n)
	fresh(t, addr, 5*time.Second)
	if srv.Parking() {
		st := srv.Stats()
		if st.Blocked < n-2 || st.Running > 2 || st.Releases < n-2 {
			t.Errorf("stats while %d handlers wait with MaxWorkers 2: %+v", n, st)
		}
	}
	close(b.release)
	for i, br := range brs {
		if _, body := readResponse(t, br, "GET"); body != "released" {
			t.Errorf("blocked client %d: body %q", i, body)
		}
	}
	if srv.Parking() && !waitFor(5*time.Second, func() bool { return srv.Stats().Blocked == 0 }) {
		t.Errorf("blocked workers not given back: %+v", srv.Stats())
	}
}

// TestExpectContinueBodyNeverComes: a handler reading the body of an
// "Expect: 100-continue" request whose body never comes waits on its
// worker; a fresh client is answered meanwhile, and the body timeout ends
// the wait.
func TestExpectContinueBodyNeverComes(t *testing.T) {
	srv := &engine.Server{Handler: conn.HandlerFunc(testNative), MaxWorkers: 1, BodyTimeout: time.Second}
	addr := startServer(t, srv)
	nc, br := dial(t, addr)
	io.WriteString(nc, "POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n")
	line, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 100 ") {
		t.Fatalf("want 100 Continue, got %q, %v", line, err)
	}
	br.ReadString('\n') // the blank line after it
	fresh(t, addr, 5*time.Second)
	resp, body := readResponse(t, br, "POST")
	if resp.StatusCode != 400 || !strings.Contains(body, "timeout") {
		t.Errorf("body never sent: status %d %q, want 400 naming the timeout", resp.StatusCode, body)
	}
}

// TestMaxHandlersCeiling: at MaxHandlers connections served at once, a
// new request is answered 503 with Retry-After and closed; once the
// blocked handlers finish, requests are served again.
func TestMaxHandlersCeiling(t *testing.T) {
	b := newBlocker()
	srv := &engine.Server{Handler: conn.HandlerFunc(b.handler), MaxWorkers: 1, MaxHandlers: 3}
	addr := startServer(t, srv)
	if !srv.Parking() {
		t.Skip("MaxHandlers bounds the parking path's workers")
	}
	// Two handlers wait: one released, one on the only worker. A third
	// request queues, the monitor releases the second waiting worker,
	// which reaches the ceiling (two blocked and one running), and the
	// third is refused.
	brs := holdBlocked(t, addr, 2)
	b.waitEntered(t, 2)
	nc, br := dial(t, addr)
	io.WriteString(nc, get("/plaintext"))
	resp, _ := readResponse(t, br, "GET")
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || !resp.Close {
		t.Fatalf("over the ceiling: status %d, Retry-After %q, close %v; want 503, a Retry-After, close",
			resp.StatusCode, resp.Header.Get("Retry-After"), resp.Close)
	}
	if st := srv.Stats(); st.Overloads < 1 {
		t.Errorf("Overloads not counted: %+v", st)
	}
	close(b.release)
	for _, br := range brs {
		readResponse(t, br, "GET")
	}
	if !waitFor(5*time.Second, func() bool { return srv.Stats().Blocked == 0 }) {
		t.Fatalf("blocked workers not given back: %+v", srv.Stats())
	}
	fresh(t, addr, 5*time.Second)
}

// bodyServer serves /echo, recording when each handler started, with
// bodies collected up to limit bytes.
type bodyServer struct {
	mu      sync.Mutex
	started int
}

func (s *bodyServer) handler(x *conn.Ctx) {
	s.mu.Lock()
	s.started++
	s.mu.Unlock()
	testNative(x)
}

func (s *bodyServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.started
}

// TestBodyCollectedWhileParked: a body that arrives in two parts, with a
// pause between them, is collected while the connection parks; the
// handler runs once, after the last byte, and reads the whole body. With
// MaxWorkers 1, a fresh client is answered during the pause.
func TestBodyCollectedWhileParked(t *testing.T) {
	for _, chunked := range []bool{false, true} {
		t.Run(fmt.Sprintf("chunked=%v", chunked), func(t *testing.T) {
			bs := &bodyServer{}
			srv := &engine.Server{Handler: conn.HandlerFunc(bs.handler), MaxWorkers: 1,
				BufferReleaseDelay: 10 * time.Millisecond}
			addr := startServer(t, srv)
			nc, br := dial(t, addr)
			first, second := strings.Repeat("a", 3000), strings.Repeat("b", 2000)
			if chunked {
				io.WriteString(nc, "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
				fmt.Fprintf(nc, "%x\r\n%s\r\n", len(first), first)
			} else {
				fmt.Fprintf(nc, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n%s", len(first)+len(second), first)
			}
			if srv.Parking() {
				waitParked(t, srv, 1)
				if n := bs.count(); n != 0 {
					t.Fatalf("handler started before the body arrived (%d)", n)
				}
			}
			fresh(t, addr, 5*time.Second)
			if chunked {
				fmt.Fprintf(nc, "%x\r\n%s\r\n0\r\n\r\n", len(second), second)
			} else {
				io.WriteString(nc, second)
			}
			if _, body := readResponse(t, br, "POST"); body != first+second {
				t.Fatalf("echo of %d bytes, want %d", len(body), len(first+second))
			}
		})
	}
}

// TestBodyOverflowsBuffer: a body larger than BodyBufferBytes starts its
// handler once the buffer is full; the rest streams as the handler reads.
func TestBodyOverflowsBuffer(t *testing.T) {
	bs := &bodyServer{}
	srv := &engine.Server{Handler: conn.HandlerFunc(bs.handler), BodyBufferBytes: 1024,
		BufferReleaseDelay: 10 * time.Millisecond}
	addr := startServer(t, srv)
	nc, br := dial(t, addr)
	body := strings.Repeat("x", 8192)
	fmt.Fprintf(nc, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n%s", len(body), body[:2048])
	if !waitFor(5*time.Second, func() bool { return bs.count() == 1 }) {
		t.Fatal("handler not started with more than BodyBufferBytes buffered")
	}
	io.WriteString(nc, body[2048:])
	if _, got := readResponse(t, br, "POST"); got != body {
		t.Fatalf("echo of %d bytes, want %d", len(got), len(body))
	}
}

// TestMinBodyRate: a body that stops arriving is cut once it falls
// behind MinBodyRate after the grace period: 408 (collected) or a read
// error the handler turns into 408, and the connection closes.
func TestMinBodyRate(t *testing.T) {
	srv := &engine.Server{Handler: conn.HandlerFunc(slowHandler(new(atomic.Int64))), MinBodyRate: 1000,
		BodyRateGrace: 200 * time.Millisecond}
	addr := startServer(t, srv)
	nc, br := dial(t, addr)
	start := time.Now()
	io.WriteString(nc, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n0123456789")
	resp, _ := readResponse(t, br, "POST")
	if resp.StatusCode != 408 {
		t.Fatalf("status %d, want 408", resp.StatusCode)
	}
	// 10 bytes at 1000 bytes/s buy 10 ms after the 200 ms of grace.
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("cut after %v, before the grace period", d)
	}
	expectClosed(t, br)
	if st := srv.Stats(); st.SlowBodies != 1 {
		t.Errorf("SlowBodies %d, want 1", st.SlowBodies)
	}
}

// TestPipelinedBehindBlockedHandler: requests pipelined behind one whose
// handler waits are answered in order once it is released, while other
// clients are served meanwhile.
func TestPipelinedBehindBlockedHandler(t *testing.T) {
	b := newBlocker()
	srv := &engine.Server{Handler: conn.HandlerFunc(b.handler), MaxWorkers: 1}
	addr := startServer(t, srv)
	nc, br := dial(t, addr)
	io.WriteString(nc, get("/block")+get("/seq?1")+get("/seq?2"))
	b.waitEntered(t, 1)
	fresh(t, addr, 5*time.Second)
	close(b.release)
	if _, body := readResponse(t, br, "GET"); body != "released" {
		t.Fatalf("first answer %q", body)
	}
	readSeq(t, br, "1")
	readSeq(t, br, "2")
}

// TestBlockedWorkerWoken: a connection whose worker was released while
// its handler waited goes on as any other: its client leaving cancels
// the handler's context, and another connection released the same way
// serves its next request once the handler returns.
func TestBlockedWorkerWoken(t *testing.T) {
	b := newBlocker()
	srv := &engine.Server{Handler: conn.HandlerFunc(b.handler), MaxWorkers: 1}
	addr := startServer(t, srv)
	leaver, _ := dial(t, addr)
	io.WriteString(leaver, get("/block"))
	stayer, br := dial(t, addr)
	io.WriteString(stayer, get("/block"))
	b.waitEntered(t, 2)
	fresh(t, addr, 5*time.Second)
	if srv.Parking() && !waitFor(5*time.Second, func() bool { return srv.Stats().Blocked >= 1 }) {
		t.Fatalf("no worker released: %+v", srv.Stats())
	}
	leaver.Close()
	if !waitFor(5*time.Second, func() bool { _, g := b.count(); return g == 1 }) {
		t.Fatal("the handler of a client that left was not cancelled")
	}
	close(b.release)
	readResponse(t, br, "GET")
	io.WriteString(stayer, get("/seq?after"))
	readSeq(t, br, "after")
	if srv.Parking() && !waitFor(5*time.Second, func() bool { return srv.Stats().Blocked == 0 }) {
		t.Errorf("blocked workers not given back: %+v", srv.Stats())
	}
}

// TestShutdownWithBlockedAndCollecting: Shutdown while handlers wait,
// bodies are being collected and connections queue: the handlers that
// finish answer with "Connection: close", the rest are closed when the
// context ends, and nothing is left running (goleak checks goroutines).
func TestShutdownWithBlockedAndCollecting(t *testing.T) {
	b := newBlocker()
	srv := &engine.Server{Handler: conn.HandlerFunc(b.handler), MaxWorkers: 1,
		BufferReleaseDelay: 10 * time.Millisecond}
	addr, errc := serve(t, srv)
	brs := holdBlocked(t, addr, 3)
	b.waitEntered(t, 3)
	var partial []net.Conn
	for range 2 {
		nc, _ := dial(t, addr)
		io.WriteString(nc, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nhalf")
		partial = append(partial, nc)
	}
	queued := make([]net.Conn, 5)
	for i := range queued {
		queued[i], _ = dial(t, addr)
	}
	time.AfterFunc(100*time.Millisecond, func() { close(b.release) })
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	err := srv.Shutdown(ctx)
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-errc; !errors.Is(err, engine.ErrServerClosed) {
		t.Fatalf("Serve: %v", err)
	}
	for i, br := range brs {
		resp, body := readResponse(t, br, "GET")
		if body != "released" || !resp.Close {
			t.Errorf("blocked client %d: %q, close %v", i, body, resp.Close)
		}
	}
	for _, nc := range partial {
		nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadAll(nc); err != nil && !isClosedErr(err) {
			t.Errorf("collecting client: %v", err)
		}
	}
	if st := srv.Stats(); st.Active != 0 || st.Idle != 0 || st.Blocked != 0 {
		t.Errorf("after Shutdown: %+v", st)
	}
}

// TestPipelinerYields: a client that pipelines hundreds of requests does
// not keep the only worker from a fresh client until it is done: its
// connection yields the worker after a turn while others wait, and every
// pipelined request is still answered, in order.
func TestPipelinerYields(t *testing.T) {
	var served atomic.Int64
	var atFresh atomic.Int64
	h := func(x *conn.Ctx) {
		if string(x.Path()) == "/plaintext" {
			atFresh.Store(served.Load())
			testNative(x)
			return
		}
		time.Sleep(300 * time.Microsecond) // well under the monitor's 2 ms
		served.Add(1)
		testNative(x)
	}
	srv := &engine.Server{Handler: conn.HandlerFunc(h), MaxWorkers: 1}
	addr := startServer(t, srv)
	if !srv.Parking() {
		t.Skip("a connection yields its worker on the parking path")
	}
	// Small enough for one read into the 4 KiB buffer: the connection
	// never waits for bytes, the only place it would park by itself.
	const n = 100
	var batch strings.Builder
	for i := range n {
		batch.WriteString(get(fmt.Sprintf("/seq?%d", i)))
	}
	nc, br := dial(t, addr)
	if batch.Len() > 4096 {
		t.Fatalf("batch of %d bytes", batch.Len())
	}
	io.WriteString(nc, batch.String())
	if !waitFor(5*time.Second, func() bool { return served.Load() > 0 }) {
		t.Fatal("pipelined requests not served")
	}
	done := make(chan struct{})
	go func() { defer close(done); fresh(t, addr, 5*time.Second) }()
	finished := func() bool {
		select {
		case <-done:
			return true
		default:
			return false
		}
	}
	if !waitFor(5*time.Second, func() bool { return srv.Stats().Queued > 0 || finished() }) {
		t.Fatal("the fresh client neither queued nor was served")
	}
	queuedAt := served.Load()
	<-done
	// The pipeliner looks at the clock every 16 requests and yields once
	// its turn is over: the fresh client is served within a few checks,
	// long before the pipeliner is done.
	t.Logf("fresh client queued after %d pipelined requests, served after %d", queuedAt, atFresh.Load())
	if got := atFresh.Load(); got >= n {
		t.Errorf("the fresh client, queued after %d pipelined requests, was served only after all %d", queuedAt, n)
	}
	// The worker came free by the pipeliner's yield, or, on a loaded
	// machine where a 300 µs sleep can overrun the monitor's 2 ms, by the
	// monitor releasing it: one of the two must have happened.
	if st := srv.Stats(); st.Yields == 0 && st.Releases == 0 {
		t.Errorf("the pipelining connection neither yielded nor was released: %+v", st)
	}
	for i := range n {
		readSeq(t, br, fmt.Sprint(i))
	}
}
