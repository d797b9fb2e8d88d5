// Package testserve starts servers for tests: a handler on the microframe
// engine or on net/http, at a random 127.0.0.1 port, stopped (and checked
// to have stopped cleanly) when the test ends. It is imported by tests
// only.
package testserve

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/microframe/microframe/conn"
	"github.com/microframe/microframe/engine"
)

// Engine serves h on the engine until the test ends and returns its
// address, "127.0.0.1:port". The server logs nothing. A failure to listen
// fails the test; so does a shutdown that takes over 5 seconds or a Serve
// that ends in an error.
func Engine(t testing.TB, h conn.Handler) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &engine.Server{Handler: h, Logger: slog.New(slog.DiscardHandler)}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; err != nil && !errors.Is(err, engine.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	})
	return l.Addr().String()
}

// NetHTTP serves h on a net/http.Server until the test ends and returns
// its address, "127.0.0.1:port".
func NetHTTP(t testing.TB, h http.Handler) string {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = nil
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}
