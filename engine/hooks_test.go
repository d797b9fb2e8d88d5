package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/microframe/microframe/conn"
	"github.com/microframe/microframe/engine"
)

// TestRegisterOnShutdown: the hooks run once when Shutdown (or Close)
// begins.
func TestRegisterOnShutdown(t *testing.T) {
	for _, stop := range []string{"Shutdown", "Close"} {
		t.Run(stop, func(t *testing.T) {
			srv := &engine.Server{Handler: conn.HandlerFunc(testNative)}
			called := make(chan struct{}, 2)
			srv.RegisterOnShutdown(func() { called <- struct{}{} })
			addr, errc := serve(t, srv)
			nc, br := dial(t, addr) // one answered request: the server has started
			nc.Write([]byte(get("/plaintext")))
			readResponse(t, br, "GET")
			nc.Close()
			if stop == "Shutdown" {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				if err := srv.Shutdown(ctx); err != nil {
					t.Fatal(err)
				}
			} else {
				srv.Close()
			}
			<-errc
			select {
			case <-called:
			case <-time.After(5 * time.Second):
				t.Fatal("hook not called")
			}
			srv.Shutdown(context.Background()) // again: no second call
			time.Sleep(20 * time.Millisecond)
			if len(called) != 0 {
				t.Fatal("hook called twice")
			}
		})
	}
}
