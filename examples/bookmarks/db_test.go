package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/microframe/microframe/internal/pgtest"
)

// TestDatabaseDown: with PostgreSQL stopped, /healthz and the API answer
// a JSON 503 at once (no hang, no 500); once it is back, both recover
// without a restart of the service.
func TestDatabaseDown(t *testing.T) {
	eachServer(t, nil, func(t *testing.T, e *env) {
		want(t, "POST before", e.do(t, "POST", "/bookmarks", `{"url": "https://go.dev", "title": "Go"}`), 201, "")
		if err := pg.Stop(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := pg.Restart(); err != nil {
				t.Fatal(err)
			}
		})
		for _, tt := range []struct{ method, path, body string }{
			{"GET", "/healthz", ""},
			{"GET", "/bookmarks", ""},
			{"GET", "/bookmarks/1", ""},
			{"POST", "/bookmarks", `{"url": "https://go.dev", "title": "Go"}`},
		} {
			start := time.Now()
			res := e.do(t, tt.method, tt.path, tt.body)
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("%s %s with the database down took %v", tt.method, tt.path, d)
			}
			wantJSONError(t, tt.method+" "+tt.path+" with the database down", res, 503)
		}

		if err := pg.Restart(); err != nil {
			t.Fatal(err)
		}
		// The pool drops the connections the stop broke as it meets them:
		// a request or two may still fail before the first new one.
		for _, path := range []string{"/healthz", "/bookmarks/1"} {
			var res response
			if !eventually(10*time.Second, func() bool { res = e.do(t, "GET", path, ""); return res.status == 200 }) {
				t.Errorf("GET %s after the restart: %d %q", path, res.status, res.body)
			}
		}
	})
}

// TestRunAndShutdown: the command serves on the server -server names,
// with the schema created, and returns nil once its context is done
// (as on SIGINT or SIGTERM).
func TestRunAndShutdown(t *testing.T) {
	pgtest.Need(t, pg)
	url, err := pg.CreateDatabase(fmt.Sprintf("bookmarks_%d", databases.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	for _, server := range []string{"engine", "nethttp"} {
		t.Run(server, func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := l.Addr().String()
			l.Close()
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() {
				done <- run(ctx, []string{"-addr", addr, "-db", url, "-server", server}, slog.New(slog.DiscardHandler))
			}()
			client := &http.Client{Transport: &http.Transport{}}
			defer client.CloseIdleConnections()
			ok := eventually(10*time.Second, func() bool {
				resp, err := client.Get("http://" + addr + "/bookmarks")
				if err != nil {
					return false
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				return resp.StatusCode == 200
			})
			if !ok {
				cancel()
				t.Fatalf("GET /bookmarks on %s never answered 200 (run: %v)", server, <-done)
			}
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("run returned %v after the shutdown", err)
				}
			case <-time.After(15 * time.Second):
				t.Fatal("run did not return after its context was done")
			}
		})
	}
	if err := run(t.Context(), []string{"-db", url, "-server", "apache"}, slog.New(slog.DiscardHandler)); err == nil {
		t.Error("run with -server apache: no error")
	}
	if err := run(t.Context(), []string{"-db", ""}, slog.New(slog.DiscardHandler)); err == nil || errors.Is(err, context.Canceled) {
		t.Errorf("run without a database: %v", err)
	}
}
