//go:build !linux

package engine

import (
	"net"
	"syscall"
)

// acceptNow never accepts off Linux (no parking there, so the threads are
// never found busy): the accept loop does it all.
func acceptNow(rc syscall.RawConn) net.Conn { return nil }
