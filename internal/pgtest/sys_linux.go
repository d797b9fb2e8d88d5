package pgtest

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// runAs is the unprivileged account the server runs as when this process
// is root (postgres refuses to run as root): the postgres user Debian's
// package creates, else nobody. Zero values mean "as this process".
var runAs = func() (uid, gid int) {
	if os.Geteuid() != 0 {
		return -1, -1
	}
	for _, name := range []string{"postgres", "nobody"} {
		if u, err := user.Lookup(name); err == nil {
			uid, _ := strconv.Atoi(u.Uid)
			gid, _ := strconv.Atoi(u.Gid)
			return uid, gid
		}
	}
	return 65534, 65534
}

// unprivileged runs a server program as runAs, and kills the server if
// this process dies first, so a test binary killed by a timeout leaves no
// postgres behind.
func unprivileged() *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if uid, gid := runAs(); uid >= 0 {
		attr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	return attr
}

// ownTree gives path and everything under it to runAs.
func ownTree(path string) error {
	uid, gid := runAs()
	if uid < 0 {
		return nil
	}
	err := filepath.Walk(path, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	return nil
}
