//go:build linux

package engine

import (
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// acceptNow accepts one connection waiting on the listening socket rc
// without blocking, as a *net.TCPConn; nil when none waits or accepting
// failed (the accept loop meets and reports any lasting error).
func acceptNow(rc syscall.RawConn) net.Conn {
	nfd := -1
	err := rc.Control(func(fd uintptr) {
		n, _, err := unix.Accept4(int(fd), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if err == nil {
			nfd = n
		}
	})
	if err != nil || nfd < 0 {
		return nil
	}
	f := os.NewFile(uintptr(nfd), "")
	nc, err := net.FileConn(f) // a duplicate, registered with the netpoller
	f.Close()
	if err != nil {
		return nil
	}
	return nc
}
