package framework

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/microframe/microframe/framework/internal/fwtest"
)

func TestFailedRequestsLogRateLimited(t *testing.T) {
	// A flood of identical 503s logs about a line a second, not one per
	// request.
	var out fwtest.LockedBuffer
	a := New()
	a.Logger = slog.New(slog.NewTextHandler(&out, nil))
	a.Get("/counter", func(r *Request) Response {
		return Error(fmt.Errorf("new session: %w", context.DeadlineExceeded))
	})
	start := time.Now()
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		for range 200 {
			if res := do(get("/counter")); res.status != 503 {
				t.Fatalf("got %d", res.status)
			}
		}
	})
	elapsed := time.Since(start)
	if n, limit := strings.Count(out.String(), "request failed"), int(elapsed/time.Second)+2; n < 1 || n > limit {
		t.Fatalf("%d lines logged for 400 identical failures in %v, want 1 to %d:\n%s", n, elapsed, limit, out.String())
	}
}

// TestClientGoneNotAnError: a handler that gives up because its client
// hung up (it returns the context's cancellation) is logged at Debug, not
// as a failed request at Error; a deadline is still an Error.
func TestClientGoneNotAnError(t *testing.T) {
	for _, tr := range []struct {
		name  string
		serve func(testing.TB, *App) string
	}{{"nethttp", serveNetHTTP}, {"engine", serveEngine}} {
		t.Run(tr.name, func(t *testing.T) {
			// An app each: identical failures are logged at most once a
			// second per app.
			var out fwtest.LockedBuffer
			a := New()
			a.Logger = slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))
			a.Get("/wait", func(r *Request) Response {
				<-r.Context().Done()
				return Error(fmt.Errorf("query: %w", r.Context().Err()))
			})
			a.Get("/deadline", func(r *Request) Response {
				return Error(fmt.Errorf("query: %w", context.DeadlineExceeded))
			})
			addr := tr.serve(t, a)
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(nc, "GET /wait HTTP/1.1\r\nHost: a\r\n\r\n")
			time.Sleep(20 * time.Millisecond) // the handler is waiting
			nc.Close()
			deadline := time.Now().Add(5 * time.Second)
			for !strings.Contains(out.String(), "request failed") && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			if log := out.String(); !strings.Contains(log, "level=DEBUG msg=\"request failed\"") || strings.Contains(log, "level=ERROR") {
				t.Fatalf("client gone: want one Debug line, got:\n%s", log)
			}
			if res := client(t, addr)(get("/deadline")); res.status != 503 {
				t.Fatalf("deadline: status %d", res.status)
			}
			if log := out.String(); !strings.Contains(log, "level=ERROR msg=\"request failed\"") {
				t.Fatalf("deadline: want an Error line, got:\n%s", log)
			}
		})
	}
}
