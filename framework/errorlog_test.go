package framework

import (
	"context"
	"fmt"
	"log/slog"
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
