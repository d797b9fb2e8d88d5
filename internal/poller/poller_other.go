//go:build !linux

package poller

import (
	"errors"
	"fmt"
	"syscall"
)

// errUnsupported is what every call returns on this system.
var errUnsupported = fmt.Errorf("poller: no implementation on this system: %w", errors.ErrUnsupported)

// Poller is not implemented on this system; Open always fails.
type Poller struct{}

// Registration is not implemented on this system.
type Registration struct{}

// Open returns an error wrapping errors.ErrUnsupported on this system.
func Open() (*Poller, error) { return nil, errUnsupported }

// Close returns an error wrapping errors.ErrUnsupported.
func (p *Poller) Close() error { return errUnsupported }

// Register returns an error wrapping errors.ErrUnsupported.
func (p *Poller) Register(sc syscall.Conn, h Handler) (*Registration, error) {
	return nil, errUnsupported
}

// ArmRead returns an error wrapping errors.ErrUnsupported.
func (r *Registration) ArmRead() error { return errUnsupported }

// ArmHangUp returns an error wrapping errors.ErrUnsupported.
func (r *Registration) ArmHangUp() error { return errUnsupported }

// Disarm returns an error wrapping errors.ErrUnsupported.
func (r *Registration) Disarm() error { return errUnsupported }

// Deregister returns an error wrapping errors.ErrUnsupported.
func (r *Registration) Deregister() error { return errUnsupported }
