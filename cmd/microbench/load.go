package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/microframe/microframe/loadtest"
)

// headerFlags collects repeated -H 'Name: value' flags.
type headerFlags []string

func (h *headerFlags) String() string     { return strings.Join(*h, ", ") }
func (h *headerFlags) Set(v string) error { *h = append(*h, v); return nil }

// loadFlags is the parsed command line of a single load run.
type loadFlags struct {
	cfg            loadtest.Config
	json           bool
	htmlOut        string
	cpuProfile     string
	memProfile     string
	targetPprof    string
	targetPprofOut string
	progress       string
	allowErrors    bool
}

// parseLoadFlags turns the command line into a run configuration. Errors
// are usage errors, already explained on stderr by the flag package or
// returned for the caller to print.
func parseLoadFlags(args []string, stderr io.Writer) (*loadFlags, error) {
	fs := flag.NewFlagSet("microbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: microbench -url URL [-c CONNS] [-d DURATION | -n REQUESTS] [-pipeline K] [-rate RPS] [-method M] [-body B] [-H 'Name: value']... [-insecure] [-allow-errors] [-json]")
		fmt.Fprintln(stderr, "exit status: 0 ok; 1 when any error happened (a failed connection, a timeout, an answer outside 2xx/3xx; -allow-errors relaxes this) or nothing was measured; 2 bad usage")
		fmt.Fprintln(stderr, "       microbench compare [flags]   (start and compare servers; see microbench compare -h)")
		fs.PrintDefaults()
	}
	var (
		f       loadFlags
		headers headerFlags
	)
	rawURL := fs.String("url", "", "target URL, http://host:port/path?query or https://... (the only address contacted)")
	conns := fs.Int("c", 50, "connections (virtual users with -scenario)")
	dur := fs.Duration("d", 10*time.Second, "measured duration (with -n and no -d, the run is bounded by -n alone)")
	n := fs.Int64("n", 0, "stop after this many requests (0: no count bound)")
	pipeline := fs.Int("pipeline", 1, "requests written per batch on each connection (HTTP pipelining)")
	rate := fs.Float64("rate", 0, "open loop: total requests per second, latency measured from each request's intended send time (0: closed loop)")
	method := fs.String("method", "GET", "request method")
	body := fs.String("body", "", "request body")
	bodyFile := fs.String("body-file", "", "read the request body from this file")
	fs.Var(&headers, "H", "request header 'Name: value' (repeatable)")
	timeout := fs.Duration("timeout", loadtest.DefaultTimeout, "per-request (or per pipelined batch) timeout; also the dial timeout")
	warmup := fs.Duration("warmup", 0, "run this long before measuring")
	scenario := fs.String("scenario", "", "JSON file with {\"setup\": [steps], \"steps\": [steps]}; each connection is a virtual user with its own cookie jar")
	fs.BoolVar(&f.json, "json", false, "print the result as JSON on stdout")
	fs.StringVar(&f.htmlOut, "html", "", "also write a self-contained HTML report with a latency percentile plot to this file")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write microbench's own CPU profile to this file")
	fs.StringVar(&f.memProfile, "memprofile", "", "write microbench's own heap profile to this file at the end")
	fs.StringVar(&f.targetPprof, "target-pprof", "", "fetch a CPU profile from the target during the measured run, e.g. http://127.0.0.1:6060/debug/pprof/profile")
	fs.StringVar(&f.targetPprofOut, "target-pprof-out", "target.cpu.pprof", "where to save the target's CPU profile")
	fs.StringVar(&f.progress, "progress", "auto", "live progress line on stderr: auto (when stderr is a terminal), on or off")
	fs.BoolVar(&f.allowErrors, "allow-errors", false, "exit 0 even when errors happened (failed connections, timeouts, answers outside 2xx/3xx); by default any error makes the exit status 1")
	insecure := fs.Bool("insecure", false, "https: do not verify the server's certificate (self-signed test servers)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q (flags go before; -url for the target)", fs.Args())
	}
	if *rawURL == "" {
		return nil, errors.New("-url is required")
	}
	dSet := false
	fs.Visit(func(fl *flag.Flag) { dSet = dSet || fl.Name == "d" })
	cfg := loadtest.Config{
		URL: *rawURL, Method: *method, Connections: *conns, Pipeline: *pipeline, Rate: *rate,
		Duration: *dur, Requests: *n, Timeout: *timeout, Warmup: *warmup, Header: http.Header{},
	}
	if *n > 0 && !dSet {
		cfg.Duration = 0
	}
	if *insecure {
		cfg.TLS = &tls.Config{InsecureSkipVerify: true}
	}
	if *conns <= 0 {
		return nil, fmt.Errorf("-c must be at least 1, got %d", *conns)
	}
	for _, h := range headers {
		if err := loadtest.ParseHeader(cfg.Header, h); err != nil {
			return nil, err
		}
	}
	switch {
	case *bodyFile != "" && *body != "":
		return nil, errors.New("give -body or -body-file, not both")
	case *bodyFile != "":
		b, err := os.ReadFile(*bodyFile)
		if err != nil {
			return nil, err
		}
		cfg.Body = b
	default:
		cfg.Body = []byte(*body)
	}
	if *scenario != "" {
		sc, err := readScenario(*scenario)
		if err != nil {
			return nil, err
		}
		cfg.Scenario = sc
	}
	if f.targetPprof != "" && cfg.Duration <= 0 {
		return nil, errors.New("-target-pprof needs a duration (-d)")
	}
	switch f.progress {
	case "auto", "on", "off":
	default:
		return nil, fmt.Errorf("-progress must be auto, on or off, got %q", f.progress)
	}
	f.cfg = cfg
	return &f, nil
}

// readScenario loads a scenario from a JSON file, rejecting unknown fields
// so that a typo does not silently change the load.
func readScenario(path string) (*loadtest.Scenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	var sc loadtest.Scenario
	if err := dec.Decode(&sc); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", path, err)
	}
	return &sc, nil
}

// jsonReport is what -json prints.
type jsonReport struct {
	URL         string `json:"url"`
	Method      string `json:"method"`
	Connections int    `json:"connections"`
	Pipeline    int    `json:"pipeline"`
	loadtest.Summary
}

func runLoad(args []string, stdout, stderr io.Writer) int {
	f, err := parseLoadFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "microbench:", err)
		return 2
	}
	if f.cpuProfile != "" {
		pf, err := os.Create(f.cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, "microbench:", err)
			return 1
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			fmt.Fprintln(stderr, "microbench:", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if showProgress(f.progress, stderr) {
		f.cfg.Progress = progressLine(stderr)
	}
	var fetch sync.WaitGroup
	if f.targetPprof != "" {
		fetch.Go(func() {
			if err := fetchTargetProfile(ctx, f.targetPprof, f.cfg.Warmup, f.cfg.Duration, f.targetPprofOut); err != nil {
				fmt.Fprintln(stderr, "microbench: target profile:", err)
			} else {
				fmt.Fprintln(stderr, "microbench: target CPU profile written to", f.targetPprofOut)
			}
		})
	}
	res, err := loadtest.Run(ctx, f.cfg)
	if f.cfg.Progress != nil {
		fmt.Fprint(stderr, "\r\033[K")
	}
	if err != nil {
		fmt.Fprintln(stderr, "microbench:", err)
		return 2
	}
	fetch.Wait()

	if f.json {
		rep := jsonReport{URL: f.cfg.URL, Method: f.cfg.Method, Connections: f.cfg.Connections,
			Pipeline: max(f.cfg.Pipeline, 1), Summary: res.Summary()}
		if f.cfg.Scenario != nil {
			rep.Method = "scenario"
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
	} else {
		fmt.Fprintf(stdout, "%s, %d connections", f.cfg.URL, f.cfg.Connections)
		if f.cfg.Pipeline > 1 {
			fmt.Fprintf(stdout, ", pipeline %d", f.cfg.Pipeline)
		}
		fmt.Fprintln(stdout)
		res.WriteText(stdout)
	}
	if f.htmlOut != "" {
		title := fmt.Sprintf("microbench %s %s, %d connections", f.cfg.Method, f.cfg.URL, f.cfg.Connections)
		if err := writeHTMLFile(f.htmlOut, title, []series{{Name: f.cfg.URL, Result: res}}); err != nil {
			fmt.Fprintln(stderr, "microbench:", err)
			return 1
		}
	}
	if f.memProfile != "" {
		if err := writeHeapProfile(f.memProfile); err != nil {
			fmt.Fprintln(stderr, "microbench:", err)
			return 1
		}
	}
	return exitStatus(res, f.allowErrors, stderr)
}

// exitStatus explains on stderr what went wrong in a finished run and
// returns the exit status: 1 when nothing was measured, and, unless
// allowErrors, when any error was counted; otherwise 0. An open-loop run
// that fell short of its rate is warned about but does not fail.
func exitStatus(res *loadtest.Result, allowErrors bool, stderr io.Writer) int {
	if res.BelowRate() {
		fmt.Fprintf(stderr, "microbench: warning: achieved %.0f req/s, under %.0f%% of -rate %.0f; latencies include the time requests waited to be sent\n",
			res.Throughput(), 100*loadtest.RateShortfall, res.Rate)
	}
	if res.Requests == 0 {
		fmt.Fprintln(stderr, "microbench: no response was measured")
		return 1
	}
	if e := res.Errors; e.Total() > 0 {
		fmt.Fprintf(stderr, "microbench: %d errors (connect %d, read %d, write %d, timeout %d, parse %d, status outside 2xx/3xx %d)",
			e.Total(), e.Connect, e.Read, e.Write, e.Timeout, e.Parse, e.Status)
		if allowErrors {
			fmt.Fprintln(stderr, "; -allow-errors: exit 0")
			return 0
		}
		fmt.Fprintln(stderr, "; exit 1 (-allow-errors to accept them)")
		return 1
	}
	return 0
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// showProgress decides whether to draw the live progress line.
func showProgress(mode string, stderr io.Writer) bool {
	switch mode {
	case "on":
		return true
	case "off":
		return false
	}
	f, ok := stderr.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progressLine returns a Progress callback that redraws one status line:
// elapsed time, requests so far, and the rate over the last interval.
func progressLine(w io.Writer) func(int64, time.Duration) {
	var lastN int64
	var lastT time.Duration
	return func(n int64, elapsed time.Duration) {
		rate := 0.0
		if dt := (elapsed - lastT).Seconds(); dt > 0 {
			rate = float64(n-lastN) / dt
		}
		lastN, lastT = n, elapsed
		fmt.Fprintf(w, "\r\033[K%6.1fs  %11d requests  %10.0f req/s now", elapsed.Seconds(), n, rate)
	}
}

// fetchTargetProfile waits for the warmup, then asks the target's pprof
// endpoint for a CPU profile covering the measured duration and saves it.
func fetchTargetProfile(ctx context.Context, endpoint string, warmup, d time.Duration, out string) error {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("bad -target-pprof URL %q", endpoint)
	}
	secs := int(math.Ceil(d.Seconds()))
	q := u.Query()
	if q.Get("seconds") == "" {
		q.Set("seconds", fmt.Sprint(max(secs, 1)))
		u.RawQuery = q.Encode()
	}
	select {
	case <-time.After(warmup):
	case <-ctx.Done():
		return ctx.Err()
	}
	client := &http.Client{Timeout: d + 30*time.Second}
	req, err := http.NewRequestWithContext(ctx, "GET", u.String(), nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s answered %s: %s", u.Redacted(), resp.Status, strings.TrimSpace(string(msg)))
	}
	file, err := os.Create(out)
	if err != nil {
		return err
	}
	if _, err := io.Copy(file, resp.Body); err != nil {
		file.Close()
		return err
	}
	return file.Close()
}
