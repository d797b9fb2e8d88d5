package loadtest

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestRunHTTPS loads a TLS server (self-signed certificate, so
// verification is off) over HTTP/1.1 and keep-alive.
func TestRunHTTPS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || r.ProtoMajor != 1 {
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	srv.EnableHTTP2 = true                           // the client must still ask for http/1.1
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes below
	srv.StartTLS()
	defer srv.Close()
	res, err := Run(context.Background(), Config{URL: srv.URL + "/", Connections: 2, Requests: 50,
		TLS: &tls.Config{InsecureSkipVerify: true}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 50 || res.Status[200] != 50 || res.Errors.Total() != 0 || res.Connects != 2 {
		t.Fatalf("requests %d, status %v, errors %+v, connects %d", res.Requests, res.Status, res.Errors, res.Connects)
	}

	// With verification on, the self-signed certificate is refused: every
	// dial fails and is counted.
	res, err = Run(context.Background(), Config{URL: srv.URL + "/", Connections: 1, Requests: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 0 || res.Errors.Connect < 3 || res.Errors.Total() != res.Errors.Connect {
		t.Fatalf("unverified certificate: requests %d, errors %+v; want only failed connects", res.Requests, res.Errors)
	}
}

// TestRunStatusErrors: answers outside 2xx/3xx are errors, and the text
// summary says so; 3xx are not.
func TestRunStatusErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/moved":
			http.Redirect(w, r, "/", http.StatusFound)
		case "/denied":
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer srv.Close()
	for _, tt := range []struct {
		path string
		bad  int64
	}{{"/", 0}, {"/moved", 0}, {"/denied", 20}} {
		res, err := Run(context.Background(), Config{URL: srv.URL + tt.path, Connections: 1, Requests: 20})
		if err != nil {
			t.Fatal(err)
		}
		if res.Errors.Status != tt.bad || res.Requests != 20 {
			t.Errorf("%s: requests %d, errors %+v; want %d status errors", tt.path, res.Requests, res.Errors, tt.bad)
		}
		var b strings.Builder
		res.WriteText(&b)
		if warned := strings.Contains(b.String(), "responses outside 2xx/3xx"); warned != (tt.bad > 0) {
			t.Errorf("%s: warning shown %v, want %v:\n%s", tt.path, warned, tt.bad > 0, b.String())
		}
	}
}

// TestRunBelowRate: an open-loop rate the server cannot reach (each answer
// takes 20ms on one connection, so at most ~50/s against 1000/s asked)
// is reported.
func TestRunBelowRate(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond)
	}))
	defer srv.Close()
	res, err := Run(context.Background(), Config{URL: srv.URL, Connections: 1, Rate: 1000, Duration: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if !res.BelowRate() || !res.Summary().BelowRate {
		t.Fatalf("throughput %.0f/s against 1000/s asked: BelowRate false", res.Throughput())
	}
	var b strings.Builder
	res.WriteText(&b)
	if !strings.Contains(b.String(), "WARNING     achieved") {
		t.Fatalf("no rate warning:\n%s", b.String())
	}
	if (&Result{Rate: 100, Requests: 96, Elapsed: time.Second}).BelowRate() ||
		!(&Result{Rate: 100, Requests: 94, Elapsed: time.Second}).BelowRate() ||
		(&Result{Requests: 1, Elapsed: time.Second}).BelowRate() {
		t.Fatal("BelowRate does not draw the line at 95% of a set rate")
	}
}

// TestScenarioStepLatency: each loop step gets its own latency; a slow
// step shows it, a fast one does not.
func TestScenarioStepLatency(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			time.Sleep(20 * time.Millisecond)
		}
	}))
	defer srv.Close()
	res, err := Run(context.Background(), Config{URL: srv.URL, Connections: 2, Requests: 40, Scenario: &Scenario{
		Setup: []Step{{Name: "setup", Path: "/"}},
		Steps: []Step{{Name: "fast", Path: "/fast"}, {Name: "slow", Path: "/slow"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	sum := res.Summary()
	if len(sum.Steps) != 3 || sum.Steps[0].LatencyUS != nil {
		t.Fatalf("steps %+v: want setup without latency, then two", sum.Steps)
	}
	fast, slow := sum.Steps[1].LatencyUS, sum.Steps[2].LatencyUS
	if fast == nil || slow == nil {
		t.Fatalf("steps %+v: loop steps without latency", sum.Steps)
	}
	if slow.P50 < 20_000 || fast.P50 >= slow.P50 {
		t.Fatalf("p50 fast %dµs, slow %dµs; want slow ≥ 20ms and above fast", fast.P50, slow.P50)
	}
	if n := sum.Steps[1].Latency.TotalCount() + sum.Steps[2].Latency.TotalCount(); n != res.Requests {
		t.Fatalf("step latencies hold %d responses, the run measured %d", n, res.Requests)
	}
	var b strings.Builder
	res.WriteText(&b)
	if !regexp.MustCompile(`step +slow: \d+ responses, 0 unexpected status; p50 \d`).MatchString(b.String()) {
		t.Fatalf("no per-step latency in the text:\n%s", b.String())
	}
}

// TestWriteTextHistogram: the text histogram's counts add up to the
// measured responses, and its rows span the minimum to the maximum.
func TestWriteTextHistogram(t *testing.T) {
	r := &Result{Latency: newHistogram(), Elapsed: time.Second}
	for _, us := range []int64{100, 100, 100, 200, 400, 800, 1600, 10_000} {
		r.Latency.RecordValue(us)
		r.Requests++
	}
	var b strings.Builder
	r.WriteText(&b)
	row := regexp.MustCompile(`(?m)^ +(\S+) – (\S+) +(\d+) +[\d.]+%( #+)?$`)
	rows := row.FindAllStringSubmatch(b.String(), -1)
	if len(rows) != histRows {
		t.Fatalf("%d histogram rows, want %d:\n%s", len(rows), histRows, b.String())
	}
	total := 0
	for _, m := range rows {
		n := 0
		for _, c := range m[3] {
			n = 10*n + int(c-'0')
		}
		total += n
	}
	last := FormatMicros(r.Latency.Max()) // the highest value equivalent to 10ms
	if total != 8 || rows[0][1] != "100µs" || rows[len(rows)-1][2] != last || !strings.HasSuffix(rows[0][0], " "+strings.Repeat("#", 40)) {
		t.Fatalf("histogram counts %d (want 8), first %q, last %q:\n%s", total, rows[0][1], rows[len(rows)-1][2], b.String())
	}
	for i := 1; i < len(rows); i++ {
		if rows[i][1] != rows[i-1][2] {
			t.Fatalf("row %d starts at %s, row %d ended at %s", i, rows[i][1], i-1, rows[i-1][2])
		}
	}
}
