package engine_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/microframe/microframe/conn"
	"github.com/microframe/microframe/engine"
)

// Many idle connections: a keep-alive connection between requests should
// cost little more than its goroutine, since the engine returns its
// buffers to the pool after BufferReleaseDelay. This is measured from the
// server's side: the server runs in a child process (this test binary,
// re-run with idleChildEnv set), which reports its resident memory before
// and after the parent opens N connections that each made one request and
// then stay idle. net/http.Server is measured the same way for comparison.
// The figure that counts is the resident memory as the process holds it
// (VmRSS read first, with no forced garbage collection); a second reading
// after two forced collections and debug.FreeOSMemory is reported beside
// it, labelled, as the floor the live data allows.
// Running the clients in the parent also keeps each process within its
// file descriptor limit.

// idleChildEnv selects the server the child runs: "engine" or "nethttp".
const idleChildEnv = "MICROFRAME_IDLE_CHILD"

// idleChildPrefix starts every line the child writes for the parent.
const idleChildPrefix = "idlechild:"

// TestHardeningIdleChild is the child process of TestHardeningIdleMemory;
// it does nothing in an ordinary run.
func TestHardeningIdleChild(t *testing.T) {
	kind := os.Getenv(idleChildEnv)
	if kind == "" {
		t.Skip("child process of TestHardeningIdleMemory")
	}
	os.Exit(runIdleChild(kind))
}

// runIdleChild serves on a loopback port, prints its address, then answers
// each "measure" line on stdin with its memory, until stdin closes.
func runIdleChild(kind string) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(idleChildPrefix, "error", err)
		return 1
	}
	hello := func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "Hello, World!") }
	var eng *engine.Server
	var std *http.Server
	switch kind {
	case "engine":
		eng = &engine.Server{Handler: conn.HandlerFunc(testNative), IdleTimeout: 10 * time.Minute, Logger: quietLogger}
		go eng.Serve(l)
	case "nethttp":
		std = &http.Server{Handler: http.HandlerFunc(hello), IdleTimeout: 10 * time.Minute}
		go std.Serve(l)
	default:
		fmt.Println(idleChildPrefix, "error unknown server", kind)
		return 1
	}
	fmt.Println(idleChildPrefix, "addr", l.Addr())
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		rss := vmRSS() // as the process holds it: nothing forced
		runtime.GC()
		runtime.GC() // a second cycle shrinks the stacks the first found oversized
		debug.FreeOSMemory()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		idle := int64(-1)
		if eng != nil {
			idle = eng.Stats().Idle
		}
		fmt.Println(idleChildPrefix, "rss", rss, "gcrss", vmRSS(), "heap", ms.HeapAlloc, "stack", ms.StackInuse,
			"goroutines", runtime.NumGoroutine(), "idle", idle)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if eng != nil {
		eng.Shutdown(ctx)
	} else {
		std.Shutdown(ctx)
	}
	return 0
}

// vmRSS returns the resident set size of this process in bytes, from
// /proc/self/status (Linux); 0 when it cannot be read.
func vmRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// idleSample is one memory report of the child: rss as the process held
// it, then, after forced collections, gcRSS, heap and stack.
type idleSample struct{ rss, gcRSS, heap, stack, goroutines, idle int64 }

// idleChild is a running child process and its pipes.
type idleChild struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Scanner
	addr string
}

func startIdleChild(t *testing.T, kind string) *idleChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHardeningIdleChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), idleChildEnv+"="+kind)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &idleChild{cmd: cmd, in: in, out: bufio.NewScanner(out)}
	t.Cleanup(func() { c.stop(t) })
	fields := c.line(t)
	if len(fields) != 2 || fields[0] != "addr" {
		t.Fatalf("%s child said %q", kind, fields)
	}
	c.addr = fields[1]
	return c
}

// stop ends the child (closing its stdin makes it shut down) and waits
// for it. Calling it again does nothing.
func (c *idleChild) stop(t *testing.T) {
	if c.in == nil {
		return
	}
	c.in.Close()
	c.in = nil
	for c.out.Scan() {
	}
	if err := c.cmd.Wait(); err != nil {
		t.Errorf("idle child: %v", err)
	}
}

// line returns the fields of the child's next line for the parent.
func (c *idleChild) line(t *testing.T) []string {
	t.Helper()
	for c.out.Scan() {
		if rest, ok := strings.CutPrefix(c.out.Text(), idleChildPrefix); ok {
			return strings.Fields(rest)
		}
	}
	t.Fatalf("child exited: %v", c.out.Err())
	return nil
}

func (c *idleChild) measure(t *testing.T) idleSample {
	t.Helper()
	fmt.Fprintln(c.in, "measure")
	f := c.line(t)
	if len(f) != 12 {
		t.Fatalf("child said %q", f)
	}
	n := func(i int) int64 { v, _ := strconv.ParseInt(f[i], 10, 64); return v }
	return idleSample{rss: n(1), gcRSS: n(3), heap: n(5), stack: n(7), goroutines: n(9), idle: n(11)}
}

// openIdle opens n connections to addr, each making one request, from a few
// goroutines, and returns them open. They are closed when the test ends,
// or earlier by closeAll.
func openIdle(t *testing.T, addr string, n int) []net.Conn {
	t.Helper()
	conns := make([]net.Conn, n)
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < n; i += 8 {
				nc, err := net.DialTimeout("tcp", addr, 10*time.Second)
				if err != nil {
					errs <- err
					return
				}
				conns[i] = nc
				nc.SetDeadline(time.Now().Add(10 * time.Second))
				if _, err := nc.Write([]byte(get("/plaintext"))); err != nil {
					errs <- err
					return
				}
				resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
				if err == nil {
					_, err = drainBody(resp)
				}
				if err != nil {
					errs <- err
					return
				}
				nc.SetDeadline(time.Time{})
			}
		})
	}
	wg.Wait()
	close(errs)
	t.Cleanup(func() { closeAll(conns) })
	for err := range errs {
		t.Fatalf("opening idle connections: %v", err)
	}
	return conns
}

// closeAll closes every connection of conns that was opened.
func closeAll(conns []net.Conn) {
	for _, nc := range conns {
		if nc != nil {
			nc.Close()
		}
	}
}

// idleCost measures what n idle connections cost the server kind.
func idleCost(t *testing.T, kind string, n int) (perConn idleSample) {
	c := startIdleChild(t, kind)
	defer c.stop(t)
	// Warm up: the first requests load code pages and fill buffer pools.
	warm := openIdle(t, c.addr, 20)
	defer closeAll(warm)
	before := c.measure(t)
	conns := openIdle(t, c.addr, n)
	// Both ends of every connection live on this machine: close them
	// before the next server is measured, or the file descriptors of this
	// process run out at 10,000 connections.
	defer closeAll(conns)
	// Let every connection pass BufferReleaseDelay (1s) and go quiet.
	time.Sleep(1500 * time.Millisecond)
	after := c.measure(t)
	if kind == "engine" && after.idle < int64(n) {
		t.Errorf("engine: %d connections idle, want at least %d", after.idle, n)
	}
	// The idle connections still work.
	for i := 0; i < n; i += max(n/20, 1) {
		getOK(t, conns[i], bufio.NewReader(conns[i]), "/plaintext", 5*time.Second)
	}
	per := idleSample{
		rss:        (after.rss - before.rss) / int64(n),
		gcRSS:      (after.gcRSS - before.gcRSS) / int64(n),
		heap:       (after.heap - before.heap) / int64(n),
		stack:      (after.stack - before.stack) / int64(n),
		goroutines: after.goroutines - before.goroutines,
	}
	t.Logf("%-7s %5d idle connections: %5.1f KiB RSS each; after forced GC: %5.1f KiB RSS (heap %5.1f KiB, stacks %5.1f KiB); %d goroutines",
		kind, n, float64(per.rss)/1024, float64(per.gcRSS)/1024, float64(per.heap)/1024, float64(per.stack)/1024, per.goroutines)
	return per
}

func TestHardeningIdleMemory(t *testing.T) {
	if os.Getenv(idleChildEnv) != "" {
		t.Skip("in the child")
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs /proc/self/status (Linux)")
	}
	n := scale.idleConns
	eng := idleCost(t, "engine", n)
	std := idleCost(t, "nethttp", n)
	if eng.goroutines > int64(n)+10 {
		t.Errorf("engine: %d goroutines for %d idle connections", eng.goroutines, n)
	}
	// Resident memory as the processes hold it (no forced GC). At 1,000
	// connections the engine's released buffers are still resident (the
	// pool has them; no collection has returned their pages), so it is on
	// a par with net/http here: not worse than it by more than a quarter.
	if eng.rss > std.rss*5/4 {
		t.Errorf("engine holds %d B of RSS per idle connection, net/http %d B: want at most 1.25×", eng.rss, std.rss)
	}
	// The target is for a normal build: the race detector multiplies the
	// memory behind every goroutine. Measured: 20.8 KiB at 1,000
	// connections (docs/benchmarks.md).
	const target = 24 << 10
	if !raceEnabled && eng.rss > target {
		t.Errorf("engine holds %.1f KiB of RSS per idle connection, target %d KiB", float64(eng.rss)/1024, target>>10)
	}
	// After forced collections (labelled so in the docs): what the live
	// data needs. An idle connection keeps no buffer, only its structures
	// (about 2 KiB of heap, true with the race detector too), and costs
	// less than a net/http one.
	if eng.heap > 4<<10 {
		t.Errorf("engine: %d B of heap per idle connection; its buffers were not released", eng.heap)
	}
	if eng.gcRSS >= std.gcRSS {
		t.Errorf("after forced GC, engine holds %d B per idle connection, net/http %d B: want less", eng.gcRSS, std.gcRSS)
	}
	const gcTarget = 8 << 10
	if !raceEnabled && eng.gcRSS > gcTarget {
		t.Errorf("after forced GC, engine holds %.1f KiB per idle connection, target %d KiB", float64(eng.gcRSS)/1024, gcTarget>>10)
	}
}
