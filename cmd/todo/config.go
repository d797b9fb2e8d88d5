package main

import (
	"fmt"
	"net"
	"os"
	"strconv"
)

// validate checks every flag value that can be checked without side
// effects, so that a mistake is reported before the program listens (and
// whether or not the address is free).
func (c config) validate() error {
	switch c.server {
	case "engine", "nethttp":
	default:
		return fmt.Errorf("unknown -server %q (want engine or nethttp)", c.server)
	}
	switch c.store {
	case "memory", "redis":
	default:
		return fmt.Errorf("unknown -store %q (want memory or redis)", c.store)
	}
	if err := checkHostPort("-addr", c.addr); err != nil {
		return err
	}
	if c.store == "redis" {
		if _, err := c.redis.addrList(); err != nil {
			return err
		}
	}
	switch {
	case c.seed < 0 || c.seed > maxItems:
		return fmt.Errorf("-seed %d: want 0 to %d (the list's limit)", c.seed, maxItems)
	case c.maxSessions < 0:
		return fmt.Errorf("-max-sessions %d: want 0 (the default) or more", c.maxSessions)
	case c.maxSessions > 0 && c.store != "memory":
		return fmt.Errorf("-max-sessions applies to -store memory; bound Redis with its maxmemory (docs/deploy.md)")
	}
	if c.templates != "" {
		if st, err := os.Stat(c.templates); err != nil || !st.IsDir() {
			return fmt.Errorf("-templates %q is not a directory", c.templates)
		}
	}
	return nil
}

// checkHostPort checks that addr is "host:port" with a port in 0..65535.
func checkHostPort(flag, addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s %q: %v", flag, addr, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%s %q: port %q is not a number in 0..65535", flag, addr, port)
	}
	return nil
}
