package session

import (
	"log/slog"
	"testing"

	"go.uber.org/goleak"

	"github.com/microframe/microframe/framework"
	"github.com/microframe/microframe/internal/testserve"
)

// IgnoreCurrent: package ants starts its default pool's goroutines at init.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m, goleak.IgnoreCurrent()) }

func quietApp() *framework.App {
	a := framework.New()
	a.Logger = slog.New(slog.DiscardHandler)
	return a
}

func serveNetHTTP(t testing.TB, a *framework.App) string { return testserve.NetHTTP(t, a) }

func serveEngine(t testing.TB, a *framework.App) string { return testserve.Engine(t, a) }
