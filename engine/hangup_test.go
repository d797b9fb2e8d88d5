package engine_test

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/microframe/microframe/conn"
	"github.com/microframe/microframe/engine"
)

// hangUpBound is how soon a hang-up must cancel the request context: 3×
// the 100 ms the engine aims for, as the machine may be loaded.
const hangUpBound = 300 * time.Millisecond

// TestContextCancelledOnHangUp: an adapted handler (and a native one)
// waiting on its context sees it cancelled soon after the client closes
// in the middle of the request, with ErrClientGone as the cause.
func TestContextCancelledOnHangUp(t *testing.T) {
	type result struct {
		err, cause error
		at         time.Time
	}
	results := make(chan result, 1)
	started := make(chan struct{}, 1)
	wait := func(ctx context.Context) {
		started <- struct{}{}
		select {
		case <-ctx.Done():
			results <- result{ctx.Err(), context.Cause(ctx), time.Now()}
		case <-time.After(10 * time.Second):
			results <- result{}
		}
	}
	handlers := map[string]conn.Handler{
		"adapted": engine.Adapt(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			wait(r.Context())
		})),
		"native": conn.HandlerFunc(func(x *conn.Ctx) {
			x.ReadBody()
			wait(x.Context())
		}),
	}
	for name, h := range handlers {
		for _, req := range []string{get("/slow"), "POST /slow HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"} {
			t.Run(name, func(t *testing.T) {
				addr := startServer(t, &engine.Server{Handler: h})
				nc, _ := dial(t, addr)
				io.WriteString(nc, req)
				<-started
				time.Sleep(20 * time.Millisecond) // let the handler wait first
				closed := time.Now()
				nc.Close()
				r := <-results
				if r.err == nil {
					t.Fatal("context not cancelled after the client closed")
				}
				if r.err != context.Canceled || r.cause != conn.ErrClientGone {
					t.Fatalf("Err %v, Cause %v; want context.Canceled, conn.ErrClientGone", r.err, r.cause)
				}
				t.Logf("hang-up noticed %v after the close", r.at.Sub(closed))
				if d := r.at.Sub(closed); d > hangUpBound {
					t.Fatalf("hang-up noticed after %v, want under %v", d, hangUpBound)
				}
			})
		}
	}
}

// TestHangUpWaitsForBody: while the body is not read to its end, a
// half-close is not a hang-up (the client may have sent its whole request
// and wait for the answer), as in net/http.
func TestHangUpWaitsForBody(t *testing.T) {
	done := make(chan error, 1)
	addr := startServer(t, &engine.Server{Handler: conn.HandlerFunc(func(x *conn.Ctx) {
		select {
		case <-x.Context().Done():
			done <- context.Cause(x.Context())
		case <-time.After(200 * time.Millisecond):
			done <- nil
		}
		b, _ := x.ReadBody()
		x.Write(b)
	})})
	nc, br := dial(t, addr)
	io.WriteString(nc, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc")
	nc.(interface{ CloseWrite() error }).CloseWrite()
	if err := <-done; err != nil {
		t.Fatalf("context cancelled (%v) before the body was read", err)
	}
	if _, body := readResponse(t, br, "POST"); body != "abc" {
		t.Fatalf("body %q", body)
	}
}

// TestHangUpOverTLS: the watch works on an HTTP/1.1 connection over TLS
// too (the poller watches the TCP connection underneath).
func TestHangUpOverTLS(t *testing.T) {
	started := make(chan struct{}, 1)
	causes := make(chan error, 1)
	addr, pool := startTLS(t, &engine.Server{Handler: engine.Adapt(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		select {
		case <-r.Context().Done():
			causes <- context.Cause(r.Context())
		case <-time.After(10 * time.Second):
			causes <- nil
		}
	}))})
	nc, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, NextProtos: []string{"http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(nc, get("/"))
	<-started
	time.Sleep(20 * time.Millisecond)
	closed := time.Now()
	nc.Close()
	if cause := <-causes; cause != conn.ErrClientGone {
		t.Fatalf("cause %v, want conn.ErrClientGone", cause)
	}
	if d := time.Since(closed); d > hangUpBound {
		t.Fatalf("hang-up noticed after %v", d)
	}
}
