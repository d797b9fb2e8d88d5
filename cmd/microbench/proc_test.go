package main

import (
	"errors"
	"os"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want time.Duration
		err  bool
	}{
		{name: "plain", in: "1234 (hello) S 1 1234 1234 0 -1 4194560 500 0 0 0 250 75 0 0 20 0 4 0 100 0 0",
			want: 3250 * time.Millisecond},
		{name: "name with spaces and parens", in: "99 (a (b) c) R 1 99 99 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 5 0 0",
			want: 100 * time.Millisecond},
		{name: "no parens", in: "1 hello S 1", err: true},
		{name: "too short", in: "1 (x) S 1 2 3", err: true},
		{name: "not a number", in: "1 (x) S 1 1 1 0 -1 0 0 0 0 0 x 3 0 0", err: true},
	}
	for _, tt := range tests {
		got, err := parseStatCPU([]byte(tt.in))
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("%s: got %v, %v; want %v, err=%v", tt.name, got, err, tt.want, tt.err)
		}
	}
}

func TestParseStatusKB(t *testing.T) {
	status := "Name:\thello\nVmPeak:\t  20000 kB\nVmHWM:\t    8192 kB\nVmRSS:\t    4096 kB\n"
	if got, err := parseStatusKB([]byte(status), "VmHWM:"); err != nil || got != 8192<<10 {
		t.Fatalf("VmHWM = %d, %v", got, err)
	}
	if _, err := parseStatusKB([]byte(status), "VmSwap:"); !errors.Is(err, errProcFormat) {
		t.Fatalf("missing key: err = %v", err)
	}
	if _, err := parseStatusKB([]byte("VmHWM: lots\n"), "VmHWM:"); !errors.Is(err, errProcFormat) {
		t.Fatalf("bad value: err = %v", err)
	}
}

// TestProcSelf reads this test process's own /proc entries: CPU time must
// grow while it burns CPU, and the peak RSS must cover a buffer it touched.
func TestProcSelf(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	before, err := procCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	// Spin until the CPU time moves (one clock tick, 10ms, of CPU), for at
	// most 5s of wall time: on a loaded machine 100ms of wall time can
	// bring less than a tick of CPU.
	x, after := 0, before
	for start := time.Now(); after <= before && err == nil && time.Since(start) < 5*time.Second; {
		for spin := time.Now(); time.Since(spin) < 20*time.Millisecond; {
			x++
		}
		after, err = procCPU(os.Getpid())
	}
	if err != nil || after <= before {
		t.Fatalf("CPU time %v then %v (%v) after 5s of spinning (%d)", before, after, err, x)
	}
	buf := make([]byte, 32<<20)
	for i := range buf {
		buf[i] = byte(i)
	}
	rss, err := procPeakRSS(os.Getpid())
	if err != nil || rss < int64(len(buf)) {
		t.Fatalf("peak RSS %d (%v), want ≥ %d", rss, err, len(buf))
	}
	if _, err := procCPU(-1); err == nil {
		t.Fatal("procCPU(-1) did not fail")
	}
}
