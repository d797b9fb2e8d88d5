package middleware_test

import (
	"log/slog"
	"net/http"
	"testing"

	"go.uber.org/goleak"

	"github.com/microframe/microframe/framework"
)

// IgnoreCurrent: package ants starts its default pool's goroutines at init.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m, goleak.IgnoreCurrent()) }

// quietApp returns an App that logs nothing.
func quietApp() *framework.App {
	a := framework.New()
	a.Logger = slog.New(slog.DiscardHandler)
	return a
}

// discardWriter is an http.ResponseWriter that keeps nothing, for
// allocation counts.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(int)             {}
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }

// extraAllocs returns the allocations per request that mw adds to a
// handler answering "ok" through net/http.
func extraAllocs(t *testing.T, mw framework.Middleware, method string) float64 {
	t.Helper()
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	count := func(use bool) float64 {
		a := quietApp()
		if use {
			a.Use(mw)
		}
		a.Handle(method, "/", func(r *framework.Request) framework.Response { return framework.Text("ok") })
		req, _ := http.NewRequest(method, "/", nil)
		w := &discardWriter{h: http.Header{}}
		return testing.AllocsPerRun(200, func() { clear(w.h); a.ServeHTTP(w, req) })
	}
	return count(true) - count(false)
}
