package ecosystem

import (
	"log/slog"
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
