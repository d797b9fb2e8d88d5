package middleware_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/microframe/microframe/framework"
	"github.com/microframe/microframe/framework/internal/fwtest"
	"github.com/microframe/microframe/framework/middleware"
)

func TestLoggerRecoverRequestID(t *testing.T) {
	var logs lockedBuffer
	l := slog.New(slog.NewTextHandler(&logs, nil))
	a := quietApp()
	a.Use(middleware.RequestID(), middleware.Logger(l), middleware.Recover(l))
	a.Get("/ok", func(r *framework.Request) framework.Response {
		return framework.Text(middleware.RequestIDFrom(r.Context()))
	})
	a.Get("/panic", func(r *framework.Request) framework.Response { panic("boom") })
	a.Get("/abort", func(r *framework.Request) framework.Response { panic(http.ErrAbortHandler) })
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
		res = c.Do("GET", "/panic", "")
		if res.Status != 500 || res.Body != "Internal Server Error\n" {
			t.Errorf("panic: %d %q", res.Status, res.Body)
		}
		// The connection survives the panic.
		if res := c.Do("GET", "/ok", ""); res.Status != 200 {
			t.Errorf("after panic: %d", res.Status)
		}
		out := logs.String()
		for _, w := range []string{"msg=request method=GET path=/ok status=200", "request_id=abc-123.x_y", "msg=\"handler panic\"", "panic=boom", "stack=", "path=/panic status=500"} {
			if !strings.Contains(out, w) {
				t.Errorf("log lacks %q:\n%s", w, out)
			}
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
