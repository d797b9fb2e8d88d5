package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// IgnoreCurrent: ants starts a default pool in its package init.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m, goleak.IgnoreCurrent()) }

// TestHandlersAgree: every -handler answers the endpoints the same way.
func TestHandlersAgree(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	servers := map[string]server{}
	for _, name := range []string{"native", "nethttp", "stdlib", "framework"} {
		srv, _, err := newServer(name, quiet)
		if err != nil {
			t.Fatal(err)
		}
		servers[name] = srv
	}
	requests := []struct {
		method, path, body string
		status             int
		want, ctype        string
	}{
		{"GET", "/plaintext", "", 200, "Hello, World!", "text/plain"},
		// HEAD: no body, but the length and type GET would have.
		{"HEAD", "/plaintext", "", 200, "", "text/plain"},
		{"GET", "/json", "", 200, `{"message":"Hello, World!"}`, "application/json"},
		{"POST", "/echo", "any body\x00at all", 200, "any body\x00at all", "text/plain"},
		{"DELETE", "/json", "", 405, "", ""},
		{"GET", "/missing", "", 404, "", ""},
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	for name, srv := range servers {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- srv.Serve(l) }()
		for _, rq := range requests {
			req, _ := http.NewRequest(rq.method, "http://"+l.Addr().String()+rq.path, strings.NewReader(rq.body))
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("%s %s %s: %v", name, rq.method, rq.path, err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != rq.status {
				t.Errorf("%s %s %s: status %d, want %d", name, rq.method, rq.path, resp.StatusCode, rq.status)
			}
			if rq.status == 200 && (string(b) != rq.want || !strings.HasPrefix(resp.Header.Get("Content-Type"), rq.ctype)) {
				t.Errorf("%s %s %s: %q (%s), want %q (%s)", name, rq.method, rq.path, b, resp.Header.Get("Content-Type"), rq.want, rq.ctype)
			}
			if rq.method == "HEAD" && (len(b) != 0 || resp.ContentLength != int64(len(helloText))) {
				t.Errorf("%s HEAD %s: body %q, Content-Length %d; want no body and %d", name, rq.path, b, resp.ContentLength, len(helloText))
			}
		}
		tr.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("%s: Shutdown: %v", name, err)
		}
		cancel()
		<-done
	}
}
