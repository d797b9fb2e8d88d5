package enginetest

import (
	"testing"

	"go.uber.org/goleak"
)

// IgnoreCurrent: package ants starts its default pool's goroutines at init.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m, goleak.IgnoreCurrent()) }
