package engine_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/microframe/microframe/conn"
	"github.com/microframe/microframe/engine"
)

// Panics and disconnects: a handler (or net/http middleware) that panics
// costs its client a 500 and its connection, nothing more; a client that
// leaves in the middle of a response makes the handler's writes fail, its
// context end, and its connection goroutine and buffers go back.

// evilStringer panics when printed: the engine logs panic values.
type evilStringer struct{}

func (evilStringer) String() string { panic("and again while printing") }

// panicky answers like testNative, with more ways to fail.
func panicky(x *conn.Ctx) {
	switch string(x.Path()) {
	case "/panic-nil":
		panic(nil)
	case "/panic-evil":
		panic(evilStringer{})
	case "/panic-error":
		panic(errors.New("boom"))
	case "/panic-after-write":
		x.WriteString("this buffered part must not be sent")
		panic("boom")
	case "/panic-after-flush":
		x.WriteString("sent")
		x.Flush()
		panic("boom")
	case "/panic-in-body":
		io.ReadFull(x.Body(), make([]byte, 3))
		panic("boom")
	case "/abort":
		panic(conn.ErrAbortHandler)
	default:
		testNative(x)
	}
}

// panickyMiddleware is net/http middleware that panics on /mw-panic and
// otherwise calls next.
func panickyMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/mw-panic" {
			panic(fmt.Sprintf("middleware failed on %s", r.URL.Path))
		}
		next.ServeHTTP(w, r)
	})
}

func TestHardeningPanics(t *testing.T) {
	cases := []struct {
		name, req string
		status    int    // 0: the connection is cut without a (complete) response
		body      string // the 500's body must not carry the handler's output
		counted   bool   // counted in Stats.Panics
	}{
		{"panic", get("/panic"), 500, "", true},
		{"panic(nil)", get("/panic-nil"), 500, "", true},
		{"panic value that panics when printed", get("/panic-evil"), 500, "", true},
		{"panic(error)", get("/panic-error"), 500, "", true},
		{"panic after a buffered write", get("/panic-after-write"), 500, "", true},
		{"panic after the head was sent", get("/panic-after-flush"), 0, "", true},
		{"panic while reading the body, request pipelined behind",
			"POST /panic-in-body HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nabcde" + get("/plaintext"), 500, "", true},
		{"ErrAbortHandler", get("/abort"), 0, "", false},
		{"net/http middleware panic", get("/mw-panic"), 500, "", true},
		{"net/http handler panic", get("/panic"), 500, "", true},
		{"net/http ErrAbortHandler", get("/abort"), 0, "", false},
	}
	native := &engine.Server{Handler: conn.HandlerFunc(panicky)}
	adapted := &engine.Server{Handler: engine.Adapt(panickyMiddleware(testMux()))}
	nativeAddr, adaptedAddr := startServer(t, native), startServer(t, adapted)
	for _, tc := range cases {
		srv, addr := native, nativeAddr
		if strings.HasPrefix(tc.name, "net/http") {
			srv, addr = adapted, adaptedAddr
		}
		before := srv.Stats().Panics
		statuses, closed := exchange(t, addr, tc.req)
		want := []int{}
		if tc.status != 0 {
			want = []int{tc.status}
		}
		if fmt.Sprint(statuses) != fmt.Sprint(want) {
			t.Errorf("%s: responses %v, want %v", tc.name, statuses, want)
		}
		if !closed {
			t.Errorf("%s: connection not closed after the panic", tc.name)
		}
		if got := srv.Stats().Panics - before; (got == 1) != tc.counted {
			t.Errorf("%s: Stats.Panics went up by %d, counted=%v", tc.name, got, tc.counted)
		}
	}
	// A 500 carries the engine's text, never what the handler had buffered.
	nc, br := dial(t, nativeAddr)
	nc.Write([]byte(get("/panic-after-write")))
	if resp, body := readResponse(t, br, "GET"); resp.StatusCode != 500 || strings.Contains(body, "buffered") {
		t.Errorf("panic after a buffered write: %d %q", resp.StatusCode, body)
	}
	// A half-sent streamed response is cut short, visibly to the client.
	nc, br = dial(t, nativeAddr)
	nc.Write([]byte(get("/panic-after-flush")))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(resp.Body); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("panic after flush: body ended with %v, want io.ErrUnexpectedEOF", err)
	}

	// The server is healthy after a storm of panics mixed with normal
	// requests: every normal request answered, every panic a 500.
	var wg sync.WaitGroup
	var bad atomic.Int64
	for i := range 40 {
		wg.Go(func() {
			path := "/plaintext"
			if i%2 == 0 {
				path = "/panic"
			}
			statuses, _, err := exchangeRaw(nativeAddr, get(path))
			if err != nil || len(statuses) != 1 || (path == "/panic") != (statuses[0] == 500) {
				bad.Add(1)
			}
		})
	}
	wg.Wait()
	if bad.Load() != 0 {
		t.Errorf("%d of 40 requests in the panic storm were answered wrongly", bad.Load())
	}
	waitIdleServer(t, native, 5*time.Second)
	if !waitFor(5*time.Second, func() bool { return connGoroutines() == 0 }) {
		t.Errorf("%d connection goroutines left after the panics", connGoroutines())
	}
}

// disconnectResult is what a streaming handler saw when its client left.
type disconnectResult struct {
	err       error         // the write error that stopped it
	cancelled bool          // its context was cancelled while it still ran
	wrote     int64         // body bytes written before the error
	took      time.Duration // from the first write to the error
}

// streamUntilError writes 16 KiB chunks until a write fails, then waits (a
// little) for its context to be cancelled, as work started for the
// request would.
func streamUntilError(results chan<- disconnectResult) conn.HandlerFunc {
	chunk := []byte(strings.Repeat("x", 16<<10))
	return func(x *conn.Ctx) {
		var r disconnectResult
		start := time.Now()
		for r.err == nil && time.Since(start) < 10*time.Second {
			var n int
			n, r.err = x.Write(chunk)
			r.wrote += int64(n)
		}
		r.took = time.Since(start)
		select {
		case <-x.Context().Done():
			r.cancelled = true
		case <-time.After(2 * time.Second):
		}
		results <- r
	}
}

func TestHardeningClientDisconnect(t *testing.T) {
	const rounds = 20
	results := make(chan disconnectResult, rounds+1)
	srv := &engine.Server{Handler: streamUntilError(results), WriteTimeout: 500 * time.Millisecond}
	addr := startServer(t, srv)
	runtime.GC() // two collections: the first moves pooled buffers to the victim cache
	heap0 := liveHeap()

	// Clients that read the start of the response, then hang up.
	for range rounds {
		nc, br := dial(t, addr)
		nc.Write([]byte(get("/stream")))
		if _, err := br.Peek(4096); err != nil {
			t.Fatal(err)
		}
		nc.Close()
		r := <-results
		if !errors.Is(r.err, conn.ErrConnClosed) {
			t.Fatalf("after the client left: write error %v, want conn.ErrConnClosed (wrote %d bytes)", r.err, r.wrote)
		}
		if !r.cancelled {
			t.Fatalf("the handler's context was not cancelled when its write failed")
		}
	}
	// A client that stays connected but stops reading: the write timeout
	// ends the response.
	nc, _ := dial(t, addr)
	nc.Write([]byte(get("/stream")))
	r := <-results
	// took also covers filling the socket buffers before a write blocks;
	// 3× the timeout bounds both on a loaded machine.
	if !errors.Is(r.err, conn.ErrConnClosed) || r.took < 500*time.Millisecond || r.took > 1500*time.Millisecond {
		t.Fatalf("client not reading: write error %v after %v, want ErrConnClosed after the 500ms write timeout (within 1.5s)", r.err, r.took)
	}
	nc.Close()

	st := srv.Stats()
	if st.WriteErrors < rounds || st.Timeouts < 1 {
		t.Errorf("stats: %+v, want %d write errors and a timeout", st, rounds)
	}
	// Nothing is left behind: no connection goroutine, and the heap is
	// back where it was (the streams' buffers went back to the pool, which
	// the collector empties).
	waitIdleServer(t, srv, 5*time.Second)
	if !waitFor(5*time.Second, func() bool { return connGoroutines() == 0 }) {
		t.Errorf("%d connection goroutines left after the clients left", connGoroutines())
	}
	runtime.GC()
	if grown := int64(liveHeap()) - int64(heap0); grown > 1<<20 {
		t.Errorf("live heap grew by %d KiB over %d abandoned responses", grown>>10, rounds+1)
	}
}

// ExampleServer_hardened shows a Server with its limits spelled out (each
// zero field would take the default shown in docs/security.md).
func ExampleServer_hardened() {
	srv := &engine.Server{
		Handler:       conn.HandlerFunc(func(x *conn.Ctx) { x.WriteString("ok") }),
		Logger:        slog.New(slog.DiscardHandler), // quiet, for the example's output
		HeadTimeout:   5 * time.Second,               // slowloris: a whole head within 5s of the accept
		BodyTimeout:   30 * time.Second,              // slow uploads
		IdleTimeout:   30 * time.Second,              // idle keep-alive connections
		WriteTimeout:  10 * time.Second,              // clients that stop reading
		MaxConns:      10000,                         // beyond it: 503 with Retry-After
		MaxDrainBytes: 64 << 10,                      // unread body skipped to keep the connection
	}
	srv.Limits.MaxBodyBytes = 1 << 10 // 413 beyond 1 KiB
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(l)
	resp, err := http.Post("http://"+l.Addr().String()+"/", "text/plain", strings.NewReader(strings.Repeat("x", 2<<10)))
	if err == nil {
		fmt.Println(resp.StatusCode)
		resp.Body.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	http.DefaultClient.CloseIdleConnections()
	fmt.Println(srv.Shutdown(ctx))
	// Output:
	// 413
	// <nil>
}
