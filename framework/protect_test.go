package framework

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCrossOrigin(t *testing.T) {
	p := http.NewCrossOriginProtection()
	if err := p.AddTrustedOrigin("https://partner.example"); err != nil {
		t.Fatal(err)
	}
	a := quietApp()
	a.Use(CrossOrigin(p))
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		a.Handle(m, "/login", func(r *Request) Response { return Text("done") })
	}
	tests := []struct {
		name, method string
		header       []string
		status       int
	}{
		{"browser, same origin", "POST", []string{"Sec-Fetch-Site", "same-origin"}, 200},
		{"browser, typed by the user", "POST", []string{"Sec-Fetch-Site", "none"}, 200},
		{"browser, cross-site form", "POST", []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"}, 403},
		{"browser, sibling subdomain", "POST", []string{"Sec-Fetch-Site", "same-site"}, 403},
		{"cross-site PUT", "PUT", []string{"Sec-Fetch-Site", "cross-site"}, 403},
		{"cross-site PATCH", "PATCH", []string{"Sec-Fetch-Site", "cross-site"}, 403},
		{"cross-site DELETE", "DELETE", []string{"Sec-Fetch-Site", "cross-site"}, 403},
		{"cross-site GET is a link", "GET", []string{"Sec-Fetch-Site", "cross-site"}, 200},
		{"old browser, other Origin", "POST", []string{"Origin", "https://evil.example"}, 403},
		{"old browser, own Origin", "POST", []string{"Origin", "http://example.com"}, 200},
		{"trusted origin", "POST", []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://partner.example"}, 200},
		{"not a browser (curl)", "POST", nil, 200},
	}
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		for _, tt := range tests {
			res := do(newReq(tt.method, "/login", "x=1", tt.header...))
			if res.status != tt.status {
				t.Errorf("%s: %s got %d %q, want %d", tt.name, tt.method, res.status, res.body, tt.status)
			}
			if tt.status == 403 && res.body != "cross-site request refused\n" {
				t.Errorf("%s: body %q", tt.name, res.body)
			}
		}
	})
}

func TestSecurityHeaders(t *testing.T) {
	a := quietApp()
	a.Use(SecurityHeaders(""))
	a.Get("/", func(r *Request) Response { return HTML("<p>hi</p>") })
	a.Get("/own", func(r *Request) Response {
		return HTML("<p>hi</p>").WithHeader("Content-Security-Policy", "default-src 'none'")
	})
	a.Get("/fail", func(r *Request) Response { return Errorf(404, "nope") })
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		for path, csp := range map[string]string{
			"/":     DefaultContentSecurityPolicy,
			"/own":  "default-src 'none'",
			"/fail": DefaultContentSecurityPolicy,
		} {
			res := do(get(path))
			want := map[string]string{
				"Content-Security-Policy": csp,
				"X-Content-Type-Options":  "nosniff",
				"Referrer-Policy":         "strict-origin-when-cross-origin",
				"X-Frame-Options":         "DENY",
			}
			for k, v := range want {
				if got := res.header.Values(k); len(got) != 1 || got[0] != v {
					t.Errorf("%s: %s = %q, want %q", path, k, got, v)
				}
			}
		}
	})
}

// lockedBuffer is a bytes.Buffer for concurrent writers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestFailedRequestsLogRateLimited(t *testing.T) {
	// A flood of identical 503s logs about a line a second, not one per
	// request.
	var out lockedBuffer
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
