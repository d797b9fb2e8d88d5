// Command microbench is an HTTP/1.1 load generator in the spirit of wrk and
// hey, and a harness that compares HTTP servers on this machine.
//
// Load one server:
//
//	microbench -url http://127.0.0.1:8080/plaintext -c 64 -d 10s
//	microbench -url http://127.0.0.1:8080/plaintext -c 64 -d 10s -pipeline 16
//	microbench -url http://127.0.0.1:8080/json -c 16 -d 30s -rate 20000   # open loop
//	microbench -url http://127.0.0.1:8080/echo -method POST -body hi -H 'Content-Type: text/plain' -n 100000
//	microbench -url http://127.0.0.1:8080/ -scenario session.json -c 32 -d 10s
//
// It prints a live progress line when stderr is a terminal and a summary
// table at the end (-json for machines, -html for a page with a latency
// percentile plot). Latency is measured from each request's write (closed
// loop) or from its intended send time (open loop, -rate), so a stalled
// server is not hidden; see package loadtest.
//
// Compare servers:
//
//	microbench compare -rounds 3 -d 5s -wrk
//
// builds and starts the contenders on loopback (cmd/hello's native,
// nethttp and stdlib handlers, the framework, fasthttp from the nested
// module cmd/microbench/fasthttpserver and nbio from the nested module
// cmd/microbench/nbioserver), loads each in alternating rounds,
// and prints req/s, server CPU time per request, p50/p99 latency and peak
// RSS, with wrk's numbers beside microbench's when -wrk is given. Run
// "microbench compare -h" for its flags.
//
// Measure memory per idle connection:
//
//	microbench idle -contenders native,nethttp,fasthttp,nbio -conns 10000
//
// starts each contender as a plain process, opens the connections in
// steps (each new connection sends one request, all at the same moment),
// waits for quiet, and reports the growth of the server's VmRSS per
// connection, the slope over the steps and the peak (VmHWM), with no
// forced garbage collection. It raises its own open-file soft limit to the
// hard limit. Run "microbench idle -h" for its flags.
//
// microbench only ever connects to the address it is given (and to the
// servers it started itself, on 127.0.0.1), and every run stops by itself.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to the subcommand and returns the exit status: 0 on
// success, 1 when the run failed, 2 for bad usage.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "compare" {
		return runCompare(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "idle" {
		return runIdle(args[1:], stdout, stderr)
	}
	if len(args) > 0 && (args[0] == "help" || args[0] == "version") {
		fmt.Fprintln(stderr, "usage: microbench -url URL [flags] | microbench compare [flags] | microbench idle [flags]; -h for flags")
		return 2
	}
	return runLoad(args, stdout, stderr)
}
