package middleware_test

import (
	"testing"

	"github.com/microframe/microframe/framework"
	"github.com/microframe/microframe/framework/internal/fwtest"
	"github.com/microframe/microframe/framework/middleware"
)

func TestSecurityHeaders(t *testing.T) {
	a := quietApp()
	a.Use(middleware.SecurityHeaders(""))
	a.Get("/", func(r *framework.Request) framework.Response { return framework.HTML("<p>hi</p>") })
	a.Get("/own", func(r *framework.Request) framework.Response {
		return framework.HTML("<p>hi</p>").WithHeader("Content-Security-Policy", "default-src 'none'")
	})
	a.Get("/fail", func(r *framework.Request) framework.Response { return framework.Errorf(404, "nope") })
	fwtest.Servers(t, a, func(t *testing.T, c *fwtest.Client) {
		for path, csp := range map[string]string{
			"/":     middleware.DefaultContentSecurityPolicy,
			"/own":  "default-src 'none'",
			"/fail": middleware.DefaultContentSecurityPolicy,
		} {
			res := c.Do("GET", path, "")
			want := map[string]string{
				"Content-Security-Policy": csp,
				"X-Content-Type-Options":  "nosniff",
				"Referrer-Policy":         "strict-origin-when-cross-origin",
				"X-Frame-Options":         "DENY",
			}
			for k, v := range want {
				if got := res.Header.Values(k); len(got) != 1 || got[0] != v {
					t.Errorf("%s: %s = %q, want %q", path, k, got, v)
				}
			}
		}
	})
}

func TestSecurityHeadersAllocs(t *testing.T) {
	// One slice for the four headers; net/http's header map then costs
	// a []string for each.
	if n := extraAllocs(t, middleware.SecurityHeaders(""), "GET"); n > 1+4 {
		t.Errorf("SecurityHeaders: %v more allocations per request, want at most 5", n)
	}
}
