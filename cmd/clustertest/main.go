// Command clustertest is the client half of `make cluster-test`
// (scripts/cluster-test.sh), which runs two cmd/todo instances sharing one
// Redis behind HAProxy. It has three subcommands:
//
//	clustertest ports N          print N free TCP ports of 127.0.0.1
//	clustertest wait ADDR...     wait until each host:port accepts (10s at most)
//	clustertest check -lb URL -instance NAME=URL -instance NAME=URL \
//	        [-n 1000] [-c 20] [-stop NAME -stop-pid PID] [-after 200]
//	clustertest failover -lb URL -kill-pid PID [-users 30] [-before 2s]
//	        [-after 8s] [-error-limit 6s]
//
// check logs in through the load balancer, verifies that the session is
// alive on every instance (asking each one directly), then sends n
// concurrent GET /counter requests through the load balancer from c
// workers and verifies that they saw exactly the values 1..n, each once
// (no update lost, none applied twice), and that every instance served
// some of them (by the X-Instance header cmd/todo -instance sets).
//
// With -stop, a second phase keeps the requests going, sends SIGTERM to
// -stop-pid a moment in, waits until that instance refuses connections,
// and goes on for a grace of half a second (in which the instance may
// still answer requests that reached it over connections it had accepted)
// and then for -after more requests: every request of the phase must
// succeed, the values must again be exactly the next ones, and the
// requests after the grace must have been served by the other instances.
// Finally the session must still be logged in.
//
// failover logs users in through the load balancer, each with a session
// of its own, and has them count concurrently (GET /counter, one request
// at a time per user) for -before, then sends SIGKILL to -kill-pid (a Redis
// master) and has them go on for -after. Every answer is checked against
// what its user saw before: a 200 must carry a count above the last one
// answered (no acknowledged write lost) and at most one more per request
// sent since (no write counted that was never sent); a failed request may
// or may not have counted. Requests may fail only after the kill, and the
// last failure must come within -error-limit of it. Afterwards every user
// must still be logged in, with a count consistent with the above.
//
// check prints what it saw and exits 0 on success, 1 with a reason on the
// first failed check, 2 for bad usage. It only ever talks to the URLs it is
// given, and stops by itself (each request has a 10s timeout, a phase at
// most a minute).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to a subcommand and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: clustertest ports N | wait ADDR... | check -lb URL -instance NAME=URL ... | failover -lb URL -kill-pid PID ...")
		return 2
	}
	var err error
	switch args[0] {
	case "ports":
		err = cmdPorts(args[1:], stdout)
	case "wait":
		err = cmdWait(args[1:], 10*time.Second)
	case "failover":
		var cfg failoverConfig
		if cfg, err = parseFailover(args[1:], stderr); err != nil {
			if !errors.Is(err, flag.ErrHelp) {
				fmt.Fprintln(stderr, "clustertest:", err)
			}
			return 2
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		err = failover(ctx, cfg, stdout)
	case "check":
		var cfg config
		if cfg, err = parseCheck(args[1:], stderr); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 2
			}
			fmt.Fprintln(stderr, "clustertest:", err)
			return 2
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		err = check(ctx, cfg, stdout)
	default:
		fmt.Fprintf(stderr, "clustertest: unknown subcommand %q\n", args[0])
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "clustertest: FAIL:", err)
		return 1
	}
	return 0
}

// cmdPorts prints n ports that were free a moment ago, space-separated.
// The listeners are held until all n are found, so the ports differ.
func cmdPorts(args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("ports wants one argument, the count")
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 1 || n > 100 {
		return fmt.Errorf("ports: count %q is not in 1..100", args[0])
	}
	var ports []string
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer l.Close()
		ports = append(ports, strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
	}
	_, err = fmt.Fprintln(stdout, strings.Join(ports, " "))
	return err
}

// cmdWait waits until every address accepts a TCP connection.
func cmdWait(addrs []string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for _, a := range addrs {
		for {
			c, err := net.DialTimeout("tcp", a, time.Second)
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("wait: %s does not accept connections after %v: %v", a, limit, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return nil
}

// config is what check needs.
type config struct {
	lb        string            // base URL of the load balancer
	instances map[string]string // instance name → its own base URL
	n         int               // requests of the first phase
	workers   int               // concurrent requests
	stopName  string            // instance to stop in the second phase; "" for none
	stop      func() error      // stops it
	after     int               // requests of the second phase after it is down
}

// instanceFlags collects repeated -instance NAME=URL flags.
type instanceFlags map[string]string

func (f instanceFlags) String() string { return fmt.Sprint(map[string]string(f)) }

func (f instanceFlags) Set(v string) error {
	name, u, ok := strings.Cut(v, "=")
	if !ok || name == "" || !strings.HasPrefix(u, "http://") {
		return fmt.Errorf("want NAME=http://HOST:PORT, got %q", v)
	}
	if _, dup := f[name]; dup {
		return fmt.Errorf("instance %q given twice", name)
	}
	f[name] = strings.TrimSuffix(u, "/")
	return nil
}

func parseCheck(args []string, stderr io.Writer) (config, error) {
	cfg := config{instances: map[string]string{}}
	fs := flag.NewFlagSet("clustertest check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.lb, "lb", "", "base URL of the load balancer (required)")
	fs.Var(instanceFlags(cfg.instances), "instance", "NAME=URL of one instance, as its X-Instance header names it (at least two)")
	fs.IntVar(&cfg.n, "n", 1000, "requests of the first phase")
	fs.IntVar(&cfg.workers, "c", 20, "concurrent requests")
	fs.StringVar(&cfg.stopName, "stop", "", "instance to stop in a second phase (none if empty)")
	pid := fs.Int("stop-pid", 0, "process id of the -stop instance, sent SIGTERM")
	fs.IntVar(&cfg.after, "after", 200, "requests of the second phase after the stopped instance is down and the grace is over")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if err := checkArgs(fs, cfg.lb); err != nil {
		return cfg, err
	}
	switch {
	case len(cfg.instances) < 2:
		return cfg, errors.New("give at least two -instance NAME=URL")
	case cfg.n < 1 || cfg.workers < 1 || cfg.after < 1:
		return cfg, errors.New("-n, -c and -after must be positive")
	}
	cfg.lb = strings.TrimSuffix(cfg.lb, "/")
	if cfg.stopName != "" {
		if _, ok := cfg.instances[cfg.stopName]; !ok {
			return cfg, fmt.Errorf("-stop %q is not one of the -instance names", cfg.stopName)
		}
		if *pid <= 0 {
			return cfg, errors.New("-stop needs -stop-pid")
		}
		cfg.stop = func() error { return syscall.Kill(*pid, syscall.SIGTERM) }
	}
	return cfg, nil
}

// checkArgs reports arguments left after the flags, and a -lb that is not
// an http:// URL.
func checkArgs(fs *flag.FlagSet, lb string) error {
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if !strings.HasPrefix(lb, "http://") {
		return fmt.Errorf("-lb %q is not an http:// URL", lb)
	}
	return nil
}
