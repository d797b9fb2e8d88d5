package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseLoadFlags(t *testing.T) {
	dir := t.TempDir()
	scen := filepath.Join(dir, "s.json")
	os.WriteFile(scen, []byte(`{"setup":[{"method":"POST","path":"/login","body":"u=1","expect":200}],"steps":[{"path":"/counter"}]}`), 0o644)
	typo := filepath.Join(dir, "typo.json")
	os.WriteFile(typo, []byte(`{"step":[{"path":"/"}]}`), 0o644)
	body := filepath.Join(dir, "body.txt")
	os.WriteFile(body, []byte("from file"), 0o644)

	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, f *loadFlags)
		bad   string // substring of the expected error
	}{
		{name: "defaults", args: []string{"-url", "http://127.0.0.1:1/"}, check: func(t *testing.T, f *loadFlags) {
			if f.cfg.Connections != 50 || f.cfg.Duration != 10*time.Second || f.cfg.Method != "GET" || f.cfg.Requests != 0 {
				t.Fatalf("cfg %+v", f.cfg)
			}
		}},
		{name: "count alone drops the duration", args: []string{"-url", "http://h/", "-n", "100"}, check: func(t *testing.T, f *loadFlags) {
			if f.cfg.Duration != 0 || f.cfg.Requests != 100 {
				t.Fatalf("duration %v requests %d", f.cfg.Duration, f.cfg.Requests)
			}
		}},
		{name: "count and duration", args: []string{"-url", "http://h/", "-n", "100", "-d", "3s"}, check: func(t *testing.T, f *loadFlags) {
			if f.cfg.Duration != 3*time.Second || f.cfg.Requests != 100 {
				t.Fatalf("duration %v requests %d", f.cfg.Duration, f.cfg.Requests)
			}
		}},
		{name: "headers and body", args: []string{"-url", "http://h/", "-method", "POST", "-body", "b", "-H", "A: 1", "-H", "a: 2", "-H", "X-Y:z"}, check: func(t *testing.T, f *loadFlags) {
			if got := f.cfg.Header.Values("A"); len(got) != 2 || got[1] != "2" || f.cfg.Header.Get("X-Y") != "z" || string(f.cfg.Body) != "b" || f.cfg.Method != "POST" {
				t.Fatalf("header %v body %q", f.cfg.Header, f.cfg.Body)
			}
		}},
		{name: "body file", args: []string{"-url", "http://h/", "-body-file", body}, check: func(t *testing.T, f *loadFlags) {
			if string(f.cfg.Body) != "from file" {
				t.Fatalf("body %q", f.cfg.Body)
			}
		}},
		{name: "open loop and pipeline", args: []string{"-url", "http://h/", "-rate", "1000", "-c", "8", "-pipeline", "1"}, check: func(t *testing.T, f *loadFlags) {
			if f.cfg.Rate != 1000 || f.cfg.Connections != 8 {
				t.Fatalf("cfg %+v", f.cfg)
			}
		}},
		{name: "scenario", args: []string{"-url", "http://h/", "-scenario", scen}, check: func(t *testing.T, f *loadFlags) {
			sc := f.cfg.Scenario
			if sc == nil || len(sc.Setup) != 1 || sc.Setup[0].Expect != 200 || sc.Setup[0].Body != "u=1" || sc.Steps[0].Path != "/counter" {
				t.Fatalf("scenario %+v", sc)
			}
		}},
		{name: "no url", args: []string{"-c", "1"}, bad: "-url is required"},
		{name: "bad header", args: []string{"-url", "http://h/", "-H", "nocolon"}, bad: "Name: value"},
		{name: "zero conns", args: []string{"-url", "http://h/", "-c", "0"}, bad: "-c must be"},
		{name: "stray argument", args: []string{"-url", "http://h/", "extra"}, bad: "unexpected arguments"},
		{name: "scenario typo", args: []string{"-url", "http://h/", "-scenario", typo}, bad: "unknown field"},
		{name: "missing scenario", args: []string{"-url", "http://h/", "-scenario", filepath.Join(dir, "nope")}, bad: "no such file"},
		{name: "two bodies", args: []string{"-url", "http://h/", "-body", "x", "-body-file", body}, bad: "not both"},
		{name: "profile needs duration", args: []string{"-url", "http://h/", "-n", "5", "-target-pprof", "http://h/debug/pprof/profile"}, bad: "needs a duration"},
		{name: "bad progress", args: []string{"-url", "http://h/", "-progress", "maybe"}, bad: "-progress"},
		{name: "unknown flag", args: []string{"-url", "http://h/", "-zzz"}, bad: "not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			f, err := parseLoadFlags(tt.args, &stderr)
			if tt.bad != "" {
				if err == nil || !strings.Contains(err.Error(), tt.bad) {
					t.Fatalf("err = %v, want one containing %q", err, tt.bad)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, f)
		})
	}
}

func TestRunLoadJSONAndFiles(t *testing.T) {
	var profiled atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/debug/pprof/profile" {
			profiled.Store(r.URL.Query().Get("seconds"))
			w.Write([]byte("fake profile"))
			return
		}
		w.Write([]byte("Hello, World!"))
	}))
	defer srv.Close()
	dir := t.TempDir()
	html := filepath.Join(dir, "r.html")
	cpu := filepath.Join(dir, "cpu.pprof")
	mem := filepath.Join(dir, "mem.pprof")
	target := filepath.Join(dir, "target.pprof")
	var stdout, stderr bytes.Buffer
	code := run([]string{"-url", srv.URL + "/plaintext", "-c", "2", "-d", "1s", "-n", "300", "-json", "-progress", "off",
		"-html", html, "-cpuprofile", cpu, "-memprofile", mem,
		"-target-pprof", srv.URL + "/debug/pprof/profile", "-target-pprof-out", target}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, stderr.String())
	}
	var rep jsonReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("bad JSON %v:\n%s", err, stdout.String())
	}
	if rep.Requests != 300 || rep.Status["200"] != 300 || rep.Connections != 2 || rep.LatencyUS.P99 <= 0 || rep.LatencyUS.Max < rep.LatencyUS.P50 {
		t.Fatalf("report %+v", rep)
	}
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", "<polyline", "99.9%", "/plaintext"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Fatalf("HTML report lacks %q", want)
		}
	}
	for _, p := range []string{cpu, mem} {
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			t.Fatalf("profile %s: %v", p, err)
		}
	}
	if b, err := os.ReadFile(target); err != nil || string(b) != "fake profile" || profiled.Load() != "1" {
		t.Fatalf("target profile %q %v, seconds=%v", b, err, profiled.Load())
	}
}

func TestRunLoadText(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-url", srv.URL, "-c", "1", "-n", "20", "-progress", "on"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"requests    20 in", "200: 20", "errors      0"} {
		if !strings.Contains(stdout.String(), want) {
			t.Fatalf("output lacks %q:\n%s", want, stdout.String())
		}
	}
}

func TestRunLoadExitCodes(t *testing.T) {
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"-url", "ftp://127.0.0.1/", "-n", "1", "-progress", "off"}, 2},
		{[]string{"-c", "x"}, 2},
		{[]string{"-h"}, 0},
		{[]string{"compare", "-rounds", "0"}, 2},
		{[]string{"compare", "-contenders", "nginx"}, 2},
		{[]string{"help"}, 2},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		if code := run(tt.args, &stdout, &stderr); code != tt.code {
			t.Errorf("run(%q) = %d, want %d; stderr: %s", tt.args, code, tt.code, stderr.String())
		}
	}
	// A target nobody listens on: the run completes, measures nothing, exits 1.
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-url", "http://127.0.0.1:1/", "-d", "1s", "-c", "1", "-progress", "off"}, &stdout, &stderr); code != 1 {
		t.Fatalf("unreachable target: exit %d, want 1", code)
	}
	if !strings.Contains(stdout.String(), "connect ") {
		t.Fatalf("output does not report connect errors:\n%s", stdout.String())
	}
}

// TestRunLoadStatusErrorsExit1: every answer a 404 is 20 errors and exit
// status 1, unless -allow-errors; an https target with -insecure works.
func TestRunLoadStatusErrorsExit1(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	for _, tt := range []struct {
		extra []string
		code  int
	}{{nil, 1}, {[]string{"-allow-errors"}, 0}} {
		var stdout, stderr bytes.Buffer
		args := append([]string{"-url", srv.URL + "/nothing", "-c", "1", "-n", "20", "-progress", "off"}, tt.extra...)
		if code := run(args, &stdout, &stderr); code != tt.code {
			t.Errorf("run(%q) = %d, want %d; stderr: %s", args, code, tt.code, stderr.String())
		}
		if !strings.Contains(stdout.String(), "errors      20 (") || !strings.Contains(stdout.String(), "20 responses outside 2xx/3xx") ||
			!strings.Contains(stderr.String(), "status outside 2xx/3xx 20") {
			t.Errorf("404s not reported as errors:\n%s\n%s", stdout.String(), stderr.String())
		}
	}

	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer tlsSrv.Close()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-url", tlsSrv.URL + "/", "-c", "1", "-n", "10", "-insecure", "-progress", "off"}, &stdout, &stderr); code != 0 ||
		!strings.Contains(stdout.String(), "200: 10") {
		t.Fatalf("https -insecure: exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
}

func TestProgressLine(t *testing.T) {
	var b bytes.Buffer
	p := progressLine(&b)
	p(1000, time.Second)
	p(3000, 2*time.Second)
	if !strings.Contains(b.String(), "3000 requests") || !strings.Contains(b.String(), "2000 req/s now") {
		t.Fatalf("progress line %q", b.String())
	}
}
