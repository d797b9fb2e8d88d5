package middleware_test

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/microframe/microframe/framework"
	"github.com/microframe/microframe/framework/internal/fwtest"
	"github.com/microframe/microframe/framework/middleware"
)

// jsonLines decodes the JSON log lines in out.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	return lines
}

// byMsg returns the lines with message msg.
func byMsg(lines []map[string]any, msg string) []map[string]any {
	var out []map[string]any
	for _, l := range lines {
		if l["msg"] == msg {
			out = append(out, l)
		}
	}
	return out
}

func TestAccessLog(t *testing.T) {
	var logs fwtest.LockedBuffer
	l := slog.New(slog.NewJSONHandler(&logs, nil))
	a := framework.New()
	a.Logger = l
	a.Use(middleware.RequestID(), middleware.AccessLog(middleware.AccessLogOptions{
		Skip: func(r *framework.Request) bool { return r.Path() == "/healthz" },
		Attrs: func(r *framework.Request, resp framework.Response) []slog.Attr {
			return []slog.Attr{slog.String("app", "bookmarks")}
		},
	}))
	a.Get("/bookmarks/{id}", func(r *framework.Request) framework.Response {
		return framework.JSON(map[string]string{"id": r.Param("id")})
	})
	a.Get("/healthz", func(r *framework.Request) framework.Response { return framework.Text("ok") })
	a.Get("/fail", func(r *framework.Request) framework.Response {
		// Distinct per server: the App's error log drops repeats within a second.
		return framework.Error(errors.New("database down for " + middleware.RequestIDFrom(r.Context())))
	})
	a.Static("/static", fstest.MapFS{"a.css": {Data: []byte("body{}")}})
	fwtest.Servers(t, a, func(t *testing.T, c *fwtest.Client) {
		logs.Reset()
		c.Do("GET", "/bookmarks/7", "", "User-Agent", "test-agent", "X-Request-Id", "req-1")
		c.Do("GET", "/healthz", "")
		id2 := "req-2-" + t.Name()[strings.LastIndexByte(t.Name(), '/')+1:]
		c.Do("GET", "/fail", "", "X-Request-Id", id2)
		c.Do("GET", "/static/a.css", "", "If-None-Match", "*")
		c.Do("GET", "/nothing", "")
		lines := jsonLines(t, logs.String())
		reqs := byMsg(lines, "request")
		if len(reqs) != 4 {
			t.Fatalf("%d request lines, want 4 (healthz skipped):\n%s", len(reqs), logs.String())
		}
		first := reqs[0]
		want := map[string]any{"method": "GET", "path": "/bookmarks/7", "route": "/bookmarks/{id}", "status": 200.0,
			"bytes": float64(len(`{"id":"7"}` + "\n")), "user_agent": "test-agent", "request_id": "req-1", "app": "bookmarks", "level": "INFO"}
		for k, v := range want {
			if first[k] != v {
				t.Errorf("%s = %v, want %v (line %v)", k, first[k], v, first)
			}
		}
		if d, ok := first["duration"].(float64); !ok || d <= 0 || time.Duration(d) > time.Minute {
			t.Errorf("duration %v: want a positive time.Duration", first["duration"])
		}
		if ra, _ := first["remote_addr"].(string); !strings.HasPrefix(ra, "127.0.0.1:") {
			t.Errorf("remote_addr %q", ra)
		}
		if f := reqs[1]; f["status"] != 500.0 || f["err"] != "database down for "+id2 || f["request_id"] != id2 {
			t.Errorf("failed request's line: %v", f)
		}
		if s := reqs[2]; s["status"] != 304.0 || s["bytes"] != 0.0 || s["route"] != "/static/{path...}" {
			t.Errorf("static file revalidated: %v", s)
		}
		if n := reqs[3]; n["status"] != 404.0 || n["route"] != nil {
			t.Errorf("unrouted: %v", n)
		}
		// The framework's own line for the failure carries the request id.
		failed := byMsg(lines, "request failed")
		if len(failed) != 1 || failed[0]["request_id"] != id2 || failed[0]["err"] != "database down for "+id2 {
			t.Errorf("request failed lines: %v", failed)
		}
	})
}

func TestRecoverRendersAndRequestID(t *testing.T) {
	var logs fwtest.LockedBuffer
	a := framework.New()
	a.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	a.Use(middleware.RequestID(), middleware.Recover(nil))
	a.Get("/ok", func(r *framework.Request) framework.Response {
		return framework.Text(middleware.RequestIDFrom(r.Context()))
	})
	a.Get("/panic", func(r *framework.Request) framework.Response { panic("boom") })
	a.Get("/abort", func(r *framework.Request) framework.Response { panic(http.ErrAbortHandler) })
	a.Route("/api", func(g *framework.Group) {
		g.ErrorRenderer = framework.JSONErrors
		g.Get("/panic", func(r *framework.Request) framework.Response { panic("api boom") })
	})
	fwtest.Servers(t, a, func(t *testing.T, c *fwtest.Client) {
		logs.Reset()
		res := c.Do("GET", "/ok", "")
		id := res.Header.Get("X-Request-Id")
		if len(id) != 32 || res.Body != id {
			t.Errorf("generated id %q, body %q", id, res.Body)
		}
		if res := c.Do("GET", "/ok", "", "X-Request-Id", "abc-123.x_y"); res.Body != "abc-123.x_y" {
			t.Errorf("client id not kept: %q", res.Body)
		}
		if res := c.Do("GET", "/ok", "", "X-Request-Id", "bad id"); len(res.Body) != 32 {
			t.Errorf("insane client id kept: %q", res.Body)
		}
		for _, tt := range []struct{ target, accept, ctype, body string }{
			{"/panic", "", "text/plain; charset=utf-8", "Internal Server Error\n"},
			{"/panic", "application/json", "application/json", `{"error":"Internal Server Error"}` + "\n"},
			{"/api/panic", "", "application/json", `{"error":"Internal Server Error"}` + "\n"},
		} {
			res := c.Do("GET", tt.target, "", "Accept", tt.accept, "X-Request-Id", "p-1")
			if res.Status != 500 || res.Header.Get("Content-Type") != tt.ctype || res.Body != tt.body {
				t.Errorf("%s (Accept %q): %d %q %q, want 500 %q %q", tt.target, tt.accept, res.Status, res.Header.Get("Content-Type"), res.Body, tt.ctype, tt.body)
			}
		}
		// The connection survives the panic.
		if res := c.Do("GET", "/ok", ""); res.Status != 200 {
			t.Errorf("after panic: %d", res.Status)
		}
		panics := byMsg(jsonLines(t, logs.String()), "handler panic")
		if len(panics) != 3 || panics[0]["panic"] != "boom" || panics[0]["request_id"] != "p-1" ||
			!strings.Contains(panics[0]["stack"].(string), "goroutine") || panics[0]["level"] != "ERROR" {
			t.Errorf("panic lines: %v", panics)
		}
	})
	// ErrAbortHandler passes through Recover.
	func() {
		defer func() {
			if v := recover(); v != http.ErrAbortHandler {
				t.Errorf("abort: recovered %v, want http.ErrAbortHandler", v)
			}
		}()
		a.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/abort", nil))
	}()
}
