package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPickList(t *testing.T) {
	known := []string{"a", "b", "c"}
	got, err := pickList("x", " c, a ,,a", known)
	if err != nil || !slices.Equal(got, []string{"a", "c"}) {
		t.Fatalf("pickList = %v, %v; want [a c] in known order", got, err)
	}
	if _, err := pickList("x", "a,z", known); err == nil || !strings.Contains(err.Error(), `unknown x "z"`) {
		t.Fatalf("unknown item: err = %v", err)
	}
	if _, err := pickList("x", ",", known); err == nil {
		t.Fatal("empty list accepted")
	}
}

func TestMedians(t *testing.T) {
	samples := []sample{
		{Round: 1, Load: "json", Server: "a", Tool: "microbench", Requests: 10, Throughput: 100, P99: 9, ServerCPU: 3},
		{Round: 1, Load: "plain", Server: "a", Tool: "microbench", Requests: 10, Throughput: 500},
		{Round: 2, Load: "json", Server: "a", Tool: "microbench", Requests: 10, Throughput: 300, P99: 1, ServerCPU: 1, Errors: 2},
		{Round: 3, Load: "json", Server: "a", Tool: "microbench", Requests: 10, Throughput: 200, P99: 5, ServerCPU: 2},
		{Round: 1, Load: "json", Server: "a", Tool: "wrk", Requests: 7, Throughput: 150},
		{Round: 2, Load: "json", Server: "a", Tool: "wrk", Requests: 7, Throughput: 250},
	}
	rows := medians(samples, map[string]int64{"a": 1 << 20})
	if len(rows) != 3 {
		t.Fatalf("%d rows: %+v", len(rows), rows)
	}
	r := rows[0]
	if r.Load != "json" || r.Tool != "microbench" || r.Throughput != 200 || r.P99 != 5 || r.ServerCPU != 2 ||
		r.MinRate != 100 || r.MaxRate != 300 || r.Requests != 30 || r.Errors != 2 || r.Rounds != 3 || r.PeakRSS != 1<<20 {
		t.Fatalf("json/microbench row %+v", r)
	}
	if rows[1].Tool != "wrk" || rows[1].Throughput != 200 { // even count: mean of the middle two
		t.Fatalf("json/wrk row %+v", rows[1])
	}
	if rows[2].Load != "plain" {
		t.Fatalf("rows out of load order: %+v", rows)
	}
}

// TestWriteTableFewRounds: with fewer than 3 samples there is no median
// and no spread, and the table says so.
func TestWriteTableFewRounds(t *testing.T) {
	one := []row{{sample: sample{Load: "plain", Server: "a", Tool: "microbench", Throughput: 100}, Rounds: 1, MinRate: 100, MaxRate: 100}}
	var b strings.Builder
	writeTable(&b, one)
	out := b.String()
	if !strings.Contains(out, "unknown (1 round)") || !strings.Contains(out, "spread is unknown") || strings.Contains(out, "req/s (median) |") || strings.Contains(out, "100–100") {
		t.Fatalf("one round:\n%s", out)
	}
	three := one[0]
	three.Rounds, three.MinRate, three.MaxRate = 3, 90, 110
	b.Reset()
	writeTable(&b, []row{three})
	if out := b.String(); !strings.Contains(out, "req/s (median) |") || !strings.Contains(out, "| 90–110 |") || strings.Contains(out, "unknown") {
		t.Fatalf("three rounds:\n%s", out)
	}
}

// TestCompareEndToEnd runs compare with this test binary standing in for
// the contenders (see TestMain), so no build is needed: servers start on
// loopback, each load runs in every round, and the table has one row per
// load, server and tool.
func TestCompareEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers and loads them for several seconds")
	}
	t.Setenv("MICROBENCH_TEST_SERVER", "1")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"-hello", self, "-fasthttp", self, "-contenders", "native,stdlib,fasthttp",
		"-scenarios", "plaintext,json", "-rounds", "2", "-d", "1s", "-warmup", "100ms", "-c", "4", "-json"}
	_, wrkErr := exec.LookPath("wrk")
	if wrkErr == nil {
		args = append(args, "-wrk")
	}
	f, err := parseCompareFlags(args, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := compare(ctx, f, &stdout, &stderr); err != nil {
		t.Fatalf("compare: %v\n%s", err, stderr.String())
	}
	var out struct {
		Machine machineInfo `json:"machine"`
		Rows    []row       `json:"medians"`
		Samples []sample    `json:"samples"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	tools := 1
	if wrkErr == nil {
		tools = 2
	}
	if want := 2 * 3 * tools; len(out.Rows) != want {
		t.Fatalf("%d rows, want %d (2 loads × 3 servers × %d tools):\n%s", len(out.Rows), want, tools, stderr.String())
	}
	for _, r := range out.Rows {
		if r.Rounds != 2 || r.Throughput <= 0 || r.Errors != 0 || r.ServerCPU <= 0 || r.PeakRSS <= 0 || r.P99 < r.P50 {
			t.Fatalf("row %+v", r)
		}
	}
	// Rounds rotate the order of the contenders.
	var order [3][]string
	for _, s := range out.Samples {
		if s.Load == "plaintext" && s.Tool == "microbench" {
			order[s.Round] = append(order[s.Round], s.Server)
		}
	}
	if slices.Equal(order[1], order[2]) {
		t.Fatalf("both rounds ran in the same order %v", order[1])
	}
	if out.Machine.CPUs == 0 || out.Machine.Rounds != 2 {
		t.Fatalf("machine %+v", out.Machine)
	}
}

func TestCompareSkipsBrokenContender(t *testing.T) {
	t.Setenv("MICROBENCH_TEST_SERVER", "1")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	f, err := parseCompareFlags([]string{"-hello", self, "-fasthttp", "/nonexistent/fasthttpserver",
		"-contenders", "stdlib,fasthttp", "-scenarios", "plaintext", "-rounds", "1", "-d", "1s", "-warmup", "0", "-c", "2"}, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if err := compare(context.Background(), f, &stdout, &stderr); err != nil {
		t.Fatalf("compare: %v", err)
	}
	out := stdout.String()
	if !strings.Contains(out, "| plaintext | stdlib | microbench |") || !strings.Contains(out, "skipped: fasthttp:") {
		t.Fatalf("table:\n%s\nstderr:\n%s", out, stderr.String())
	}
}
