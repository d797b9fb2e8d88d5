package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"
	"time"
)

func TestSlope(t *testing.T) {
	tests := []struct {
		pts  []idlePoint
		want float64
	}{
		{[]idlePoint{{0, 1000}, {10, 1100}, {20, 1200}}, 10},
		{[]idlePoint{{0, 1000}, {10, 1300}, {20, 1200}, {30, 1300}}, 8},
		{[]idlePoint{{0, 5}}, 0},
		{[]idlePoint{{5, 5}, {5, 9}}, 0},
	}
	for _, tt := range tests {
		if got := slope(tt.pts); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("slope(%v) = %v, want %v", tt.pts, got, tt.want)
		}
	}
}

func TestParseIdleFlags(t *testing.T) {
	for _, bad := range [][]string{
		{"-conns", "0"}, {"-steps", "5", "-conns", "4"}, {"-contenders", "todo"}, {"-path", "x"}, {"-quiet", "-1s"}, {"extra"},
	} {
		if _, err := parseIdleFlags(bad, &bytes.Buffer{}); err == nil {
			t.Errorf("parseIdleFlags(%q) accepted", bad)
		}
	}
	f, err := parseIdleFlags(nil, &bytes.Buffer{})
	if err != nil || f.conns != 10000 || f.steps != 4 || f.quiet != 3*time.Second || strings.Join(f.contenders, ",") != "native,nethttp,fasthttp,nbio" {
		t.Fatalf("defaults: %+v, %v", f, err)
	}
}

// TestIdleEndToEnd runs microbench idle with this test binary standing in
// for cmd/hello (see TestMain): the server's RSS is read before and after
// each step, every connection gets its answer, and the peak is at least
// the last reading.
func TestIdleEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server and holds connections for a few seconds")
	}
	t.Setenv("MICROBENCH_TEST_SERVER", "1")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	f, err := parseIdleFlags([]string{"-hello", self, "-contenders", "native,stdlib", "-conns", "60", "-steps", "3", "-quiet", "100ms"}, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stderr bytes.Buffer
	results, err := idle(ctx, f, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if len(results) != 2 {
		t.Fatalf("%d results", len(results))
	}
	for _, r := range results {
		if r.Skipped != "" || r.Failed != 0 || len(r.Points) != 4 {
			t.Fatalf("%+v\n%s", r, stderr.String())
		}
		for i, p := range r.Points {
			if p.Conns != 20*i || p.RSS <= 0 {
				t.Fatalf("point %d: %+v", i, p)
			}
		}
		if last := r.Points[3]; r.PeakRSS < last.RSS || r.PerConn != float64(last.RSS-r.Points[0].RSS)/60 {
			t.Fatalf("%+v", r)
		}
	}
	var out bytes.Buffer
	writeIdleTable(&out, f, results)
	if !strings.Contains(out.String(), "| native | 60 |") || !strings.Contains(out.String(), "no forced GC") {
		t.Fatalf("table:\n%s", out.String())
	}
	out.Reset()
	if code := run([]string{"idle", "-hello", self, "-contenders", "native", "-conns", "4", "-steps", "1", "-quiet", "0s", "-json"}, &out, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	var js []idleResult
	if err := json.Unmarshal(out.Bytes(), &js); err != nil || len(js) != 1 || js[0].Conns != 4 {
		t.Fatalf("%v %+v\n%s", err, js, out.String())
	}
}
