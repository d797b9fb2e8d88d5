// Package fwtest runs an App on both of its servers for the tests of the
// framework's own packages (framework/middleware, framework/ecosystem;
// it does not import framework, so the framework's own tests may use it):
// the microframe engine's native path and net/http, each at a random
// 127.0.0.1 port, with a client that speaks to it. It is imported by
// tests only.
package fwtest

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"net/http/httptest"

	"github.com/microframe/microframe/conn"
	"github.com/microframe/microframe/engine/enginetest"
)

// App is what a framework.App is: a handler for both servers.
type App interface {
	http.Handler
	conn.Handler
}

// Servers runs fn as a subtest once per server, "engine" and "nethttp",
// each serving app until the subtest ends.
func Servers(t *testing.T, app App, fn func(t *testing.T, c *Client)) {
	for _, s := range []struct {
		name  string
		serve func(testing.TB) string
	}{
		{"engine", func(tb testing.TB) string { return Engine(tb, app) }},
		{"nethttp", func(tb testing.TB) string { return NetHTTP(tb, app) }},
	} {
		t.Run(s.name, func(t *testing.T) {
			fn(t, NewClient(t, s.serve(t)))
		})
	}
}

// Engine serves h on the engine (enginetest) at a random 127.0.0.1 port
// until the test ends, and returns "127.0.0.1:port".
func Engine(tb testing.TB, h conn.Handler) string {
	s := enginetest.NewServer(h)
	tb.Cleanup(s.Close)
	return s.Listener.Addr().String()
}

// NetHTTP serves h on net/http (httptest) at a random 127.0.0.1 port
// until the test ends, and returns "127.0.0.1:port".
func NetHTTP(tb testing.TB, h http.Handler) string {
	s := httptest.NewServer(h)
	tb.Cleanup(s.Close)
	return s.Listener.Addr().String()
}

// Client sends requests to one server; redirects are not followed.
type Client struct {
	t    testing.TB
	base string
	hc   *http.Client
}

// NewClient returns a Client for the server at addr ("host:port"), whose
// idle connections are closed when the test ends.
func NewClient(t testing.TB, addr string) *Client {
	c := &Client{t: t, base: "http://" + addr, hc: &http.Client{
		Transport:     &http.Transport{},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	t.Cleanup(c.hc.CloseIdleConnections)
	return c
}

// Response is what the client saw.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

// Do sends method target (a path and query) with body, none when "", and
// the header name, value pairs ("Host" sets the request's Host); a
// transport error fails the test.
func (c *Client) Do(method, target, body string, header ...string) Response {
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
		if header[i] == "Host" {
			req.Host = header[i+1]
			continue
		}
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
	return Response{resp.StatusCode, resp.Header, string(b)}
}

// LockedBuffer is a bytes.Buffer for concurrent writers: a log handler
// written to from the servers' goroutines while the test reads it.
type LockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (l *LockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns what was written.
func (l *LockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Reset empties the buffer.
func (l *LockedBuffer) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.Reset()
}
