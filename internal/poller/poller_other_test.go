//go:build !linux

package poller

import (
	"errors"
	"testing"
)

func TestOpenUnsupported(t *testing.T) {
	p, err := Open()
	if p != nil || !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("Open() = %v, %v; want nil and an error wrapping errors.ErrUnsupported", p, err)
	}
}
