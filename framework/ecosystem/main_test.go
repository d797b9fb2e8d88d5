package ecosystem

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/microframe/microframe/framework"
	"github.com/microframe/microframe/internal/testserve"
)

// IgnoreCurrent: package ants starts its default pool's goroutines at init.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m, goleak.IgnoreCurrent()) }

// servers runs fn against a served on the engine (its native path) and
// on net/http, each at its own 127.0.0.1 port.
func servers(t *testing.T, a http.Handler, fn func(t *testing.T, c *client)) {
	app := a.(*framework.App)
	for _, s := range []struct {
		name  string
		serve func(testing.TB) string
	}{
		{"engine", func(tb testing.TB) string { return testserve.Engine(tb, app) }},
		{"nethttp", func(tb testing.TB) string { return testserve.NetHTTP(tb, app) }},
	} {
		t.Run(s.name, func(t *testing.T) {
			c := &client{t: t, base: "http://" + s.serve(t), hc: &http.Client{Transport: &http.Transport{}}}
			t.Cleanup(c.hc.CloseIdleConnections)
			fn(t, c)
		})
	}
}

// client sends requests to one server.
type client struct {
	t    *testing.T
	base string
	hc   *http.Client
}

// response is what the client saw.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends method target with body (none when "") and the header pairs.
func (c *client) do(method, target, body string, header ...string) response {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+target, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, string(b)}
}

// quietApp returns an App that logs nothing.
func quietApp() *framework.App {
	a := framework.New()
	a.Logger = slog.New(slog.DiscardHandler)
	return a
}
