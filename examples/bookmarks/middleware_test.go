package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestCORSPreflight: rs/cors on the /bookmarks group answers preflights
// for the group's paths with 204 for the configured origin, and no other.
func TestCORSPreflight(t *testing.T) {
	eachServer(t, nil, func(t *testing.T, e *env) {
		for _, tt := range []struct{ path, method string }{{"/bookmarks", "POST"}, {"/bookmarks/7", "DELETE"}} {
			res := e.do(t, "OPTIONS", tt.path, "", "Origin", "https://app.example",
				"Access-Control-Request-Method", tt.method, "Access-Control-Request-Headers", "content-type") // lower case, as browsers send it
			if res.status != 204 || res.header.Get("Access-Control-Allow-Origin") != "https://app.example" ||
				res.header.Get("Access-Control-Allow-Methods") != tt.method {
				t.Errorf("preflight %s %s: %d %v", tt.method, tt.path, res.status, res.header)
			}
		}
		res := e.do(t, "GET", "/bookmarks", "", "Origin", "https://app.example")
		if res.status != 200 || res.header.Get("Access-Control-Allow-Origin") != "https://app.example" {
			t.Errorf("GET with Origin: %d %v", res.status, res.header)
		}
		res = e.do(t, "OPTIONS", "/bookmarks", "", "Origin", "https://evil.example", "Access-Control-Request-Method", "POST")
		if res.header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("preflight from another origin: %d %v", res.status, res.header)
		}
	})
}

// TestRateLimit: the fourth request of a minute from one address, at a
// limit of three, is httprate's 429, rendered as JSON by the app's
// ErrorRenderer with httprate's headers; routes outside the group are not
// limited.
func TestRateLimit(t *testing.T) {
	eachServer(t, func(c *Config) { c.Rate = 3 }, func(t *testing.T, e *env) {
		for i := range 3 {
			want(t, "GET "+string(rune('1'+i)), e.do(t, "GET", "/bookmarks", ""), 200, "")
		}
		res := e.do(t, "GET", "/bookmarks", "")
		v := wantJSONError(t, "GET over the limit", res, 429)
		if v["error"] != "Too Many Requests" || res.header.Get("Retry-After") == "" || res.header.Get("X-Ratelimit-Limit") != "3" {
			t.Errorf("GET over the limit: %q %v", res.body, res.header)
		}
		want(t, "GET /healthz", e.do(t, "GET", "/healthz", ""), 200, `"status":"ok"`)
	})
}

// TestRequestIDLogged: the client's request id comes back in the response
// and in the access log line of the request, with the route; without one,
// the service makes one.
func TestRequestIDLogged(t *testing.T) {
	eachServer(t, nil, func(t *testing.T, e *env) {
		res := e.do(t, "GET", "/bookmarks/99", "", "X-Request-Id", "req-42", "User-Agent", "bookmarks-test")
		if res.status != 404 || res.header.Get("X-Request-Id") != "req-42" {
			t.Fatalf("GET: %d, X-Request-Id %q", res.status, res.header.Get("X-Request-Id"))
		}
		var line map[string]any
		found := eventually(2*time.Second, func() bool {
			for l := range strings.Lines(e.logs.String()) {
				if json.Unmarshal([]byte(l), &line) == nil && line["msg"] == "request" && line["request_id"] == "req-42" {
					return true
				}
			}
			return false
		})
		if !found {
			t.Fatalf("no access log line with request_id req-42 in\n%s", e.logs)
		}
		for k, v := range map[string]any{"method": "GET", "path": "/bookmarks/99", "route": "/bookmarks/{id}",
			"status": 404.0, "user_agent": "bookmarks-test"} {
			if line[k] != v {
				t.Errorf("access log %s = %v, want %v (line %v)", k, line[k], v, line)
			}
		}
		if id := e.do(t, "GET", "/healthz", "").header.Get("X-Request-Id"); len(id) != 32 {
			t.Errorf("a request without an id got %q", id)
		}
	})
}

// TestTraceSpanNamedByRoute: otelhttp's spans are named after the route
// (net/http's Request.Pattern), with no span name formatter.
func TestTraceSpanNamedByRoute(t *testing.T) {
	eachServer(t, nil, func(t *testing.T, e *env) {
		b := decode[Bookmark](t, e.do(t, "POST", "/bookmarks", `{"url": "https://go.dev", "title": "Go"}`))
		e.do(t, "GET", "/bookmarks/"+strconv.FormatInt(b.ID, 10), "")
		wantNames := []string{"POST /bookmarks", "GET /bookmarks/{id}"}
		var names []string
		ok := eventually(2*time.Second, func() bool {
			names = names[:0]
			for _, s := range e.spans.GetSpans() {
				names = append(names, s.Name)
			}
			return strings.Join(names, "|") == strings.Join(wantNames, "|")
		})
		if !ok {
			t.Errorf("spans %q, want %q", names, wantNames)
		}
	})
}

// TestMetricsByRoute: the request duration histogram is labelled with the
// route, and /metrics serves it.
func TestMetricsByRoute(t *testing.T) {
	eachServer(t, nil, func(t *testing.T, e *env) {
		for _, id := range []string{"1", "2", "3"} {
			e.do(t, "GET", "/bookmarks/"+id, "")
		}
		var count uint64
		ok := eventually(2*time.Second, func() bool {
			count = histogramCount(t, e.cfg.Registry, map[string]string{"route": "GET /bookmarks/{id}", "code": "404", "method": "get"})
			return count == 3
		})
		if !ok {
			t.Errorf("%d observations labelled route=\"GET /bookmarks/{id}\", want 3", count)
		}
		want(t, "GET /metrics", e.do(t, "GET", "/metrics", ""), 200,
			`http_request_duration_seconds_count{code="404",method="get",route="GET /bookmarks/{id}"} 3`)
	})
}

// histogramCount is the sample count of the duration histogram with labels.
func histogramCount(t *testing.T, reg *prometheus.Registry, labels map[string]string) uint64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "http_request_duration_seconds" {
			continue
		}
	metrics:
		for _, m := range f.GetMetric() {
			for _, lp := range m.GetLabel() {
				if v, ok := labels[lp.GetName()]; ok && v != lp.GetValue() {
					continue metrics
				}
			}
			return m.GetHistogram().GetSampleCount()
		}
	}
	return 0
}

// TestBodyTooLarge: a body past the http.MaxBytesReader of the group's
// net/http middleware is a JSON 413, on the engine as on net/http.
func TestBodyTooLarge(t *testing.T) {
	eachServer(t, func(c *Config) { c.MaxBody = 256 }, func(t *testing.T, e *env) {
		long := `{"url": "https://go.dev", "title": "` + strings.Repeat("x", 300) + `"}`
		wantJSONError(t, "POST 300 bytes", e.do(t, "POST", "/bookmarks", long), 413)
		want(t, "POST a small one", e.do(t, "POST", "/bookmarks", `{"url": "https://go.dev", "title": "Go"}`), 201, "")
	})
}

// TestTimeout: a query blocked behind a lock past the request's deadline
// is cut off: the client gets the Timeout middleware's JSON 503 in time.
func TestTimeout(t *testing.T) {
	eachServer(t, func(c *Config) { c.Timeout = 300 * time.Millisecond }, func(t *testing.T, e *env) {
		tx, err := e.cfg.DB.Begin(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(t.Context())
		if _, err := tx.Exec(t.Context(), "LOCK TABLE bookmarks IN ACCESS EXCLUSIVE MODE"); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		res := e.do(t, "GET", "/bookmarks", "")
		elapsed := time.Since(start)
		v := wantJSONError(t, "GET while locked", res, 503)
		if v["error"] != "request timed out" || elapsed < 300*time.Millisecond || elapsed > 3*time.Second {
			t.Errorf("GET while locked: %q after %v", res.body, elapsed)
		}
		if err := tx.Rollback(t.Context()); err != nil {
			t.Fatal(err)
		}
		want(t, "GET after the lock", e.do(t, "GET", "/bookmarks", ""), 200, "[]")
	})
}
