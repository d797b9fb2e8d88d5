package engine_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/microframe/microframe/conn"
	"github.com/microframe/microframe/engine"
)

// TestSlowClientCutOff: a client that sends its head slowly is cut off at
// the head timeout with 408, while other clients keep being served.
func TestSlowClientCutOff(t *testing.T) {
	const headTimeout = 300 * time.Millisecond
	srv := &engine.Server{Handler: conn.HandlerFunc(testNative), HeadTimeout: headTimeout}
	addr := startServer(t, srv)

	start := time.Now() // the head timeout runs from the accept, which dial waits for
	slow, slowBR := dial(t, addr)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, b := range []byte("GET /plaintext HTTP/1.1\r\nHost: a\r\n") {
			if _, err := slow.Write([]byte{b}); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	// Meanwhile a normal client is served promptly, repeatedly.
	fast, fastBR := dial(t, addr)
	for i := 0; i < 20; i++ {
		fast.Write([]byte(get("/plaintext")))
		if resp, _ := readResponse(t, fastBR, "GET"); resp.StatusCode != 200 {
			t.Fatalf("fast client got %d", resp.StatusCode)
		}
		time.Sleep(10 * time.Millisecond)
	}
	resp, _ := readResponse(t, slowBR, "GET")
	elapsed := time.Since(start)
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("slow client got %d, want 408", resp.StatusCode)
	}
	if elapsed < headTimeout {
		t.Fatalf("cut off after %v, before the head timeout %v", elapsed, headTimeout)
	}
	expectClosed(t, slowBR)
	<-done
	if srv.Stats().Timeouts < 1 {
		t.Fatalf("timeout not counted: %+v", srv.Stats())
	}
}

// TestPoolSaturation: with a pool of 2, a third connection is answered 503
// with Retry-After at once, and the server recovers when load ends.
func TestPoolSaturation(t *testing.T) {
	srv := &engine.Server{Handler: conn.HandlerFunc(testNative), MaxConns: 2}
	addr := startServer(t, srv)
	var held []net.Conn
	for i := 0; i < 2; i++ {
		nc, br := dial(t, addr)
		nc.Write([]byte(get("/plaintext")))
		readResponse(t, br, "GET") // the connection now occupies a worker
		held = append(held, nc)
	}
	nc, br := dial(t, addr)
	nc.Write([]byte(get("/plaintext")))
	resp, _ := readResponse(t, br, "GET")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("over capacity: %d Retry-After=%q; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if srv.Stats().Rejected != 1 {
		t.Fatalf("rejected = %d, want 1", srv.Stats().Rejected)
	}
	for _, h := range held {
		h.Close()
	}
	// Recovery: once the held connections are gone, new ones are served.
	deadline := time.Now().Add(5 * time.Second)
	for {
		nc, br := dial(t, addr)
		nc.Write([]byte(get("/plaintext")))
		resp, _ := readResponse(t, br, "GET")
		if resp.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not recover: still %d", resp.StatusCode)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestShutdownUnderLoad: clients hammer the server while Shutdown runs;
// every response that started arriving arrives whole, and Shutdown
// returns nil once in-flight requests are done.
func TestShutdownUnderLoad(t *testing.T) {
	slowHandler := conn.HandlerFunc(func(x *conn.Ctx) {
		time.Sleep(20 * time.Millisecond) // keep requests in flight
		x.SetContentType("text/plain")
		x.WriteString("Hello, World!")
	})
	srv := &engine.Server{Handler: slowHandler, Logger: quietLogger}
	addr, errc := serve(t, srv)

	var complete, partial atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				nc, err := net.Dial("tcp", addr)
				if err != nil {
					return // listener closed: shutdown began
				}
				nc.SetDeadline(time.Now().Add(5 * time.Second))
				br := bufio.NewReader(nc)
				for j := 0; j < 5; j++ {
					if _, err := nc.Write([]byte(get("/"))); err != nil {
						break
					}
					if _, err := br.Peek(1); err != nil {
						break // closed before any byte of a response: not begun
					}
					resp, err := http.ReadResponse(br, nil)
					if err != nil {
						partial.Add(1)
						break
					}
					b, err := io.ReadAll(resp.Body)
					if err != nil || string(b) != "Hello, World!" {
						partial.Add(1)
						break
					}
					complete.Add(1)
					if resp.Close {
						break
					}
				}
				nc.Close()
			}
		}()
	}
	time.Sleep(200 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	close(stop)
	wg.Wait()
	if err := <-errc; !errors.Is(err, engine.ErrServerClosed) {
		t.Fatalf("Serve: %v", err)
	}
	if partial.Load() != 0 {
		t.Fatalf("%d responses were cut short (%d complete)", partial.Load(), complete.Load())
	}
	if complete.Load() == 0 {
		t.Fatal("no request completed: the load did not run")
	}
	if st := srv.Stats(); st.Active != 0 || st.Idle != 0 {
		t.Fatalf("connections left after Shutdown: %+v", st)
	}
}

// TestShutdownForce: a handler that outlives the Shutdown deadline gets its
// context cancelled and its connection closed; Shutdown reports the
// deadline.
func TestShutdownForce(t *testing.T) {
	started := make(chan struct{})
	h := conn.HandlerFunc(func(x *conn.Ctx) {
		close(started)
		<-x.Context().Done()
	})
	srv := &engine.Server{Handler: h, Logger: quietLogger}
	addr, errc := serve(t, srv)
	nc, br := dial(t, addr)
	nc.Write([]byte(get("/")))
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v, want DeadlineExceeded", err)
	}
	<-errc
	if _, err := br.ReadByte(); err == nil {
		t.Fatal("connection still open after forced shutdown")
	}
}

func TestServeAfterShutdown(t *testing.T) {
	srv := &engine.Server{Handler: conn.HandlerFunc(testNative)}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	if err := srv.Serve(l); !errors.Is(err, engine.ErrServerClosed) {
		t.Fatalf("Serve after Shutdown = %v", err)
	}
}

func ExampleServer_Shutdown() {
	srv := &engine.Server{Handler: conn.HandlerFunc(func(x *conn.Ctx) {
		x.WriteString("hello")
	})}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()

	resp, _ := http.Get("http://" + l.Addr().String() + "/")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, string(body))

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	http.DefaultClient.CloseIdleConnections()
	fmt.Println(srv.Shutdown(ctx), <-done)
	// Output:
	// 200 hello
	// <nil> engine: server closed
}
