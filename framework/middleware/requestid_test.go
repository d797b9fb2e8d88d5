package middleware_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/microframe/microframe/framework"
	"github.com/microframe/microframe/framework/internal/fwtest"
	"github.com/microframe/microframe/framework/middleware"
)

// TestRequestIDHeaderThroughWriters: the X-Request-Id header reaches the
// client whatever writes the response, on both servers: a Response, an
// error, a 404, an http.Handler route, a response written from inside a
// FromHTTP middleware further in (the Timeout of the documented chain,
// otelhttp), and Timeout's own 503. It once reached it on the engine only,
// when it was added to the Response after next had returned.
func TestRequestIDHeaderThroughWriters(t *testing.T) {
	passOn := framework.FromHTTP(func(next http.Handler) http.Handler { return next })
	a := quietApp()
	a.Use(middleware.RequestID(), middleware.AccessLog(middleware.AccessLogOptions{}),
		middleware.Recover(nil), middleware.Timeout(200*time.Millisecond), passOn)
	a.Get("/ok", func(r *framework.Request) framework.Response { return framework.Text("ok") })
	a.Get("/err", func(r *framework.Request) framework.Response { return framework.Errorf(409, "conflict") })
	a.Get("/own", func(r *framework.Request) framework.Response {
		return framework.Text("own").WithHeader(middleware.RequestIDHeader, "set-by-handler")
	})
	a.HandleHTTP("GET", "/std", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("std")) }))
	a.Get("/slow", func(r *framework.Request) framework.Response {
		<-r.Context().Done()
		return framework.Text("late")
	})
	fwtest.Servers(t, a, func(t *testing.T, c *fwtest.Client) {
		for _, tt := range []struct {
			target string
			status int
			id     string
		}{
			{"/ok", 200, "id-1"}, {"/err", 409, "id-1"}, {"/nothing", 404, "id-1"}, {"/std", 200, "id-1"},
			{"/slow", 503, "id-1"}, {"/own", 200, "set-by-handler"},
		} {
			res := c.Do("GET", tt.target, "", "X-Request-Id", "id-1")
			ids := res.Header.Values(middleware.RequestIDHeader)
			if res.Status != tt.status || len(ids) != 1 || ids[0] != tt.id {
				t.Errorf("GET %s: %d, X-Request-Id %q; want %d, %q", tt.target, res.Status, ids, tt.status, tt.id)
			}
		}
	})
}
