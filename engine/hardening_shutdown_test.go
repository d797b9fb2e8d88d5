package engine_test

import (
	"bufio"
	"context"
	"errors"
	"io"
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

// Graceful shutdown under load: many clients send requests (some two at a
// time, pipelined; some streamed responses) over keep-alive and new
// connections while Shutdown runs. Shutdown must return nil, and every
// request whose handler ran must have reached its client whole: the count
// of handlers started on the server equals the count of complete responses
// the clients read, and no client saw a response cut short. A request the
// server never started is fine: its connection closed before any byte of
// an answer, which a client may safely retry.

// shutdownLoad counts what the clients saw.
type shutdownLoad struct {
	complete atomic.Int64 // responses read whole
	partial  atomic.Int64 // responses that began and did not finish
	requests atomic.Int64 // requests written
}

// shutdownClient runs until the server stops accepting: it dials, sends up
// to ten requests per connection, alternating plain, pipelined pairs and
// streamed responses.
func shutdownClient(addr string, id int, load *shutdownLoad, stop <-chan struct{}) {
	for round := 0; ; round++ {
		select {
		case <-stop:
			return
		default:
		}
		nc, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return // the listener is closed: shutdown began
		}
		nc.SetDeadline(time.Now().Add(10 * time.Second))
		br := bufio.NewReader(nc)
		for j := 0; j < 10; j++ {
			paths := []string{"/work"}
			switch (id + round + j) % 3 {
			case 1:
				paths = []string{"/work", "/work"}
			case 2:
				paths = []string{"/stream"}
			}
			var batch strings.Builder
			for _, p := range paths {
				batch.WriteString(get(p))
			}
			if _, err := io.WriteString(nc, batch.String()); err != nil {
				break
			}
			load.requests.Add(int64(len(paths)))
			closed := false
			for range paths {
				if _, err := br.Peek(1); err != nil {
					closed = true // closed before any byte of this answer: not begun
					break
				}
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					load.partial.Add(1)
					closed = true
					break
				}
				b, err := io.ReadAll(resp.Body)
				if err != nil || !strings.HasPrefix(string(b), "Hello") {
					load.partial.Add(1)
					closed = true
					break
				}
				load.complete.Add(1)
				if resp.Close {
					closed = true
					break
				}
			}
			if closed {
				break
			}
		}
		nc.Close()
	}
}

func TestHardeningShutdownUnderLoad(t *testing.T) {
	for round := range scale.shutdownRounds {
		g0 := runtime.NumGoroutine()
		var started, finished atomic.Int64
		h := conn.HandlerFunc(func(x *conn.Ctx) {
			started.Add(1)
			defer finished.Add(1)
			time.Sleep(time.Duration(started.Load()%5) * time.Millisecond) // keep requests in flight
			if string(x.Path()) == "/stream" {
				for _, part := range []string{"Hello", ", ", "World!"} {
					x.WriteString(part)
					x.Flush()
					time.Sleep(time.Millisecond)
				}
				return
			}
			x.WriteString("Hello, World!")
		})
		srv := &engine.Server{Handler: h, Logger: quietLogger, HeadTimeout: time.Second}
		addr, errc := serve(t, srv)

		// A client in the middle of sending its head when Shutdown begins:
		// it is cut off by the head timeout, not waited for forever.
		slow, slowBR := dial(t, addr)
		slow.Write([]byte("GET /work HTTP/1.1\r\nHost: a\r\n"))

		var load shutdownLoad
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for i := range scale.shutdownClients {
			wg.Go(func() { shutdownClient(addr, i, &load, stop) })
		}
		waitFor(5*time.Second, func() bool { return load.complete.Load() >= int64(4*scale.shutdownClients) })

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		begin := time.Now()
		err := srv.Shutdown(ctx)
		took := time.Since(begin)
		cancel()
		close(stop)
		wg.Wait()
		if err != nil {
			t.Fatalf("round %d: Shutdown: %v after %v", round, err, took)
		}
		// Shutdown waits for in-flight handlers (a few ms) and for the
		// stuck client's head timeout (1 s) at most: allow 3× that.
		if took > 3*srv.HeadTimeout {
			t.Errorf("round %d: Shutdown took %v, want under %v (3× the head timeout)", round, took, 3*srv.HeadTimeout)
		}
		if err := <-errc; !errors.Is(err, engine.ErrServerClosed) {
			t.Fatalf("round %d: Serve: %v", round, err)
		}
		t.Logf("round %d: Shutdown took %v; %d requests sent, %d handlers run, %d complete responses",
			round, took, load.requests.Load(), started.Load(), load.complete.Load())
		if p := load.partial.Load(); p != 0 {
			t.Errorf("round %d: %d responses cut short", round, p)
		}
		if started.Load() != finished.Load() || started.Load() != load.complete.Load() {
			t.Errorf("round %d: %d handlers started, %d finished, %d complete responses read: want all equal",
				round, started.Load(), finished.Load(), load.complete.Load())
		}
		if load.complete.Load() < int64(4*scale.shutdownClients) {
			t.Errorf("round %d: only %d responses before Shutdown: the load did not run", round, load.complete.Load())
		}
		if resp, err := http.ReadResponse(slowBR, nil); err != nil || resp.StatusCode != http.StatusRequestTimeout {
			t.Errorf("round %d: half-sent head during Shutdown: %v %v, want 408", round, resp, err)
		}
		if st := srv.Stats(); st.Active != 0 || st.Idle != 0 {
			t.Errorf("round %d: connections left after Shutdown: %+v", round, st)
		}
		// Every goroutine of the server is gone: pool workers, reject
		// workers, connections. (goleak checks the same at the end.)
		if !waitFor(2*time.Second, func() bool { return runtime.NumGoroutine() <= g0 }) {
			t.Errorf("round %d: %d goroutines before, %d after Shutdown", round, g0, runtime.NumGoroutine())
		}
		slow.Close()
	}
}
