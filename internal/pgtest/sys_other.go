//go:build !linux

package pgtest

import "syscall"

// unprivileged runs a server program as this process's user: outside
// Linux, pgtest does not switch users (run the tests as a non-root user).
func unprivileged() *syscall.SysProcAttr { return nil }

func ownTree(string) error { return nil }
