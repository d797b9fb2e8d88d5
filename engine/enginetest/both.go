package enginetest

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/microframe/microframe/conn"
	"github.com/microframe/microframe/engine"
)

// ForEachServer runs test twice, as the subtests "engine" and "nethttp" of
// t: once with a handler from newHandler served by NewServer, once with
// another served by net/http's own server (httptest.NewServer). Each
// subtest gets a handler of its own, so state one run leaves in an app
// (a store, a counter) cannot change what the other sees, and a server of
// its own, closed when the subtest ends. test gets the server's base URL
// and a client for it. Use it for behaviour that must not depend on which
// server runs the app: a difference between the two fails one subtest and
// names it.
//
// On the engine, the handler is served natively when it is also a
// conn.Handler, as a *framework.App is (that is what an engine.Server given
// it runs); any other http.Handler goes through engine.Adapt.
//
//	func TestGreeting(t *testing.T) {
//		enginetest.ForEachServer(t, newApp, func(t *testing.T, url string, c *http.Client) {
//			resp, err := c.Get(url + "/hello/ada")
//			...
//		})
//	}
func ForEachServer[H http.Handler](t *testing.T, newHandler func() H, test func(t *testing.T, url string, client *http.Client)) {
	t.Helper()
	t.Run("engine", func(t *testing.T) {
		var h http.Handler = newHandler()
		native, ok := h.(conn.Handler)
		if !ok {
			native = engine.Adapt(h)
		}
		s := NewServer(native)
		t.Cleanup(s.Close)
		test(t, s.URL, s.Client())
	})
	t.Run("nethttp", func(t *testing.T) {
		s := httptest.NewServer(newHandler())
		t.Cleanup(s.Close)
		test(t, s.URL, s.Client())
	})
}
