package main

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// wrkOutput is the layout of wrk 4.x's report with --latency.
const wrkOutput = `Running 3s test @ http://127.0.0.1:18080/plaintext
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.34ms    8.93ms  99.09ms   96.50%
    Req/Sec    20.01k     6.49k   34.00k    67.80%
  Latency Distribution
     50%  520.00us
     75%    1.10ms
     90%    2.79ms
     99%   57.99ms
  118068 requests in 3.10s, 12.95MB read
  Socket errors: connect 0, read 2, write 0, timeout 5
  Non-2xx or non-3xx responses: 12
Requests/sec:  38140.98
Transfer/sec:      4.18MB
`

func TestParseWrk(t *testing.T) {
	got, err := parseWrk(wrkOutput)
	if err != nil {
		t.Fatal(err)
	}
	want := wrkResult{Requests: 118068, Throughput: 38140.98, P50: 520 * time.Microsecond, P99: 57990 * time.Microsecond, Errors: 19}
	if got != want {
		t.Fatalf("parseWrk = %+v, want %+v", got, want)
	}
	if _, err := parseWrk("Running 1s test\nRequests/sec: 10\n"); !errors.Is(err, errWrkOutput) {
		t.Fatalf("incomplete output: err = %v", err)
	}
	if _, err := parseWrk("  10 requests in 1s\n     50%  fast\nRequests/sec: 10\n"); !errors.Is(err, errWrkOutput) {
		t.Fatalf("bad latency: err = %v", err)
	}
}

func TestParseWrkDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"520.00us", 520 * time.Microsecond, true},
		{"1.10ms", 1100 * time.Microsecond, true},
		{"2.00s", 2 * time.Second, true},
		{"1.50m", 90 * time.Second, true},
		{"3ns", 0, false}, {"ms", 0, false}, {"-1ms", 0, false},
	}
	for _, tt := range tests {
		got, err := parseWrkDuration(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseWrkDuration(%q) = %v, %v; want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestWrkArgs(t *testing.T) {
	got := wrkArgs("http://h/p", 64, 2, 16, 5*time.Second, "/tmp/p.lua")
	want := []string{"-t", "2", "-c", "64", "-d", "5s", "--latency", "--timeout", "2s", "-s", "/tmp/p.lua", "http://h/p", "--", "16"}
	if !slices.Equal(got, want) {
		t.Fatalf("wrkArgs = %q\nwant %q", got, want)
	}
	// Never more threads than connections; no script without pipelining.
	got = wrkArgs("http://h/p", 1, 4, 1, 1500*time.Millisecond, "x")
	want = []string{"-t", "1", "-c", "1", "-d", "2s", "--latency", "--timeout", "2s", "http://h/p"}
	if !slices.Equal(got, want) {
		t.Fatalf("wrkArgs = %q\nwant %q", got, want)
	}
}
