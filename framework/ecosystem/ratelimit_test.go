package ecosystem

import (
	"net/http"
	"testing"
	"time"

	"github.com/go-chi/httprate"

	"github.com/microframe/microframe/framework"
	"github.com/microframe/microframe/framework/internal/fwtest"
)

// TestHTTPRateRendered: go-chi/httprate's 429 goes through the App's
// ErrorRenderer with framework.WriteError as its limit handler, keeping
// its headers.
func TestHTTPRateRendered(t *testing.T) {
	limited := func(next http.Handler) http.Handler {
		return httprate.Limit(2, time.Minute,
			// By client name: both servers' clients share 127.0.0.1.
			httprate.WithKeyFuncs(func(r *http.Request) (string, error) { return r.Header.Get("X-Client"), nil }),
			httprate.WithLimitHandler(func(w http.ResponseWriter, r *http.Request) {
				framework.WriteError(w, r, &framework.HTTPError{Code: http.StatusTooManyRequests, Message: "slow down"})
			}))(next)
	}
	a := quietApp()
	a.ErrorRenderer = framework.JSONErrors
	a.Route("/api", func(api *framework.Group) {
		api.Use(framework.FromHTTP(limited))
		api.Get("/bookmarks", func(r *framework.Request) framework.Response { return framework.Text("ok") })
	})
	fwtest.Servers(t, a, func(t *testing.T, c *fwtest.Client) {
		for i := range 2 {
			if res := c.Do("GET", "/api/bookmarks", "", "X-Client", t.Name()); res.Status != 200 {
				t.Fatalf("request %d: %d %q", i+1, res.Status, res.Body)
			}
		}
		res := c.Do("GET", "/api/bookmarks", "", "X-Client", t.Name())
		if res.Status != 429 || res.Body != `{"error":"slow down"}`+"\n" || res.Header.Get("Content-Type") != "application/json" ||
			res.Header.Get("X-Ratelimit-Limit") != "2" || res.Header.Get("Retry-After") == "" {
			t.Errorf("over the limit: %d %q %v", res.Status, res.Body, res.Header)
		}
	})
}
