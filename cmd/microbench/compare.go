package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/microframe/microframe/loadtest"
)

// compareFlags is the parsed command line of microbench compare.
type compareFlags struct {
	sources
	contenders, scenarios  []string
	rounds                 int
	dur, warmup            time.Duration
	conns, depth           int
	wrk                    bool
	wrkBin                 string
	wrkThreads             int
	pin                    bool
	json                   bool
	htmlOut                string
	paramPath, sessionPath string
	keepBuild              bool
}

// allContenders lists the servers compare knows, in table order.
var allContenders = []string{"native", "nethttp", "stdlib", "framework", "fasthttp", "nbio", "todo"}

// allScenarios lists the loads compare knows, in table order.
var allScenarios = []string{"plaintext", "pipelined", "json", "param", "session"}

func parseCompareFlags(args []string, stderr io.Writer) (*compareFlags, error) {
	fs := flag.NewFlagSet("microbench compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: microbench compare [flags]")
		fmt.Fprintln(stderr, "Builds and starts the contenders on 127.0.0.1, loads each in alternating rounds, and prints the medians.")
		fs.PrintDefaults()
	}
	var f compareFlags
	var contenders, scenarios string
	f.sources.register(fs, true)
	fs.StringVar(&contenders, "contenders", strings.Join(allContenders, ","), "servers to compare: "+strings.Join(allContenders, ","))
	fs.StringVar(&scenarios, "scenarios", strings.Join(allScenarios, ","), "loads to run: "+strings.Join(allScenarios, ","))
	fs.IntVar(&f.rounds, "rounds", 3, "rounds; each runs every load against every contender once, in rotating order")
	fs.DurationVar(&f.dur, "d", 5*time.Second, "measured duration of each run")
	fs.DurationVar(&f.warmup, "warmup", time.Second, "unmeasured load before each microbench run")
	fs.IntVar(&f.conns, "c", 64, "connections")
	fs.IntVar(&f.depth, "depth", 16, "pipeline depth of the pipelined load")
	fs.BoolVar(&f.wrk, "wrk", false, "also run wrk with the same connections and duration right after each microbench run")
	fs.StringVar(&f.wrkBin, "wrk-bin", "wrk", "wrk executable")
	fs.IntVar(&f.wrkThreads, "wrk-threads", runtime.NumCPU(), "wrk -t")
	fs.BoolVar(&f.pin, "pin", false, "pin servers to CPU 0 and the load generators to the other CPUs with taskset")
	fs.BoolVar(&f.json, "json", false, "print every sample and the medians as JSON instead of a table")
	fs.StringVar(&f.htmlOut, "html", "", "also write an HTML report of the last round's latency percentiles to this file")
	fs.StringVar(&f.paramPath, "param-path", "/todo/2?format=json&upper=true", "path of the param load (cmd/todo, started with -seed 3: a path parameter and injected query parameters)")
	fs.StringVar(&f.sessionPath, "session-path", "/counter", "path of the session load (cmd/todo: a page that reads and writes the session)")
	fs.BoolVar(&f.keepBuild, "keep", false, "keep the build directory")
	if err := parseFlagSet(fs, args); err != nil {
		return nil, err
	}
	var err error
	if f.contenders, err = pickList("contender", contenders, allContenders); err != nil {
		return nil, err
	}
	if f.scenarios, err = pickList("scenario", scenarios, allScenarios); err != nil {
		return nil, err
	}
	switch {
	case f.rounds < 1:
		return nil, fmt.Errorf("-rounds must be at least 1")
	case f.dur < time.Second:
		return nil, fmt.Errorf("-d must be at least 1s (wrk counts whole seconds)")
	case f.conns < 1 || f.depth < 1:
		return nil, fmt.Errorf("-c and -depth must be at least 1")
	}
	return &f, nil
}

// pickList splits a comma list and checks each item against known,
// keeping the order of known.
func pickList(what, list string, known []string) ([]string, error) {
	var picked []string
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !slices.Contains(known, s) {
			return nil, fmt.Errorf("unknown %s %q (known: %s)", what, s, strings.Join(known, ", "))
		}
		picked = append(picked, s)
	}
	if len(picked) == 0 {
		return nil, fmt.Errorf("no %s selected", what)
	}
	var out []string
	for _, k := range known {
		if slices.Contains(picked, k) {
			out = append(out, k)
		}
	}
	return out, nil
}

// load is one kind of traffic in the comparison.
type load struct {
	name     string
	path     string
	pipeline int
	session  bool     // each connection is a virtual user with a cookie jar
	servers  []string // the contenders it applies to
}

func (f *compareFlags) loads() []load {
	hello := []string{"native", "nethttp", "stdlib", "framework", "fasthttp", "nbio"}
	all := map[string]load{
		"plaintext": {name: "plaintext", path: "/plaintext", pipeline: 1, servers: hello},
		"pipelined": {name: fmt.Sprintf("pipelined %d", f.depth), path: "/plaintext", pipeline: f.depth, servers: hello},
		"json":      {name: "json", path: "/json", pipeline: 1, servers: hello},
		"param":     {name: "param+query", path: f.paramPath, pipeline: 1, servers: []string{"todo"}},
		"session":   {name: "session", path: f.sessionPath, pipeline: 1, session: true, servers: []string{"todo"}},
	}
	var out []load
	for _, s := range f.scenarios {
		out = append(out, all[s])
	}
	return out
}

// sample is one measurement of one load against one server by one tool.
type sample struct {
	Round      int     `json:"round"`
	Load       string  `json:"load"`
	Server     string  `json:"server"`
	Tool       string  `json:"tool"`
	Requests   int64   `json:"requests"`
	Throughput float64 `json:"requests_per_sec"`
	ServerCPU  float64 `json:"server_cpu_us_per_request"`
	ClientCPU  float64 `json:"client_cpu_us_per_request"`
	P50        float64 `json:"p50_us"`
	P99        float64 `json:"p99_us"`
	Errors     int64   `json:"errors"`
}

// row is the median of a cell's samples.
type row struct {
	sample
	Rounds  int     `json:"rounds"`
	MinRate float64 `json:"min_requests_per_sec"`
	MaxRate float64 `json:"max_requests_per_sec"`
	PeakRSS int64   `json:"server_peak_rss_bytes"`
}

func runCompare(args []string, stdout, stderr io.Writer) int {
	return runSubcommand("microbench compare", args, stderr, parseCompareFlags, func(ctx context.Context, f *compareFlags) error {
		return compare(ctx, f, stdout, stderr)
	})
}

// runSubcommand parses a subcommand's flags with parse and runs body with a
// context that SIGINT and SIGTERM cancel. It returns the exit status: 0
// for -h or success, 2 for bad usage, 1 when body fails (its error is
// printed after name).
func runSubcommand[F any](name string, args []string, stderr io.Writer, parse func([]string, io.Writer) (F, error), body func(context.Context, F) error) int {
	f, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, name+":", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := body(ctx, f); err != nil {
		fmt.Fprintln(stderr, name+":", err)
		return 1
	}
	return 0
}

func compare(ctx context.Context, f *compareFlags, stdout, stderr io.Writer) error {
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) }
	if f.wrk {
		if p, err := exec.LookPath(f.wrkBin); err != nil {
			return fmt.Errorf("-wrk: %w", err)
		} else {
			f.wrkBin = p
		}
	}
	var pinServer, pinClient []string
	if f.pin {
		ts, err := exec.LookPath("taskset")
		if err != nil {
			return fmt.Errorf("-pin: %w", err)
		}
		if runtime.NumCPU() < 2 {
			return errors.New("-pin needs at least 2 CPUs")
		}
		clientCPUs := fmt.Sprintf("1-%d", runtime.NumCPU()-1)
		pinServer = []string{ts, "-c", "0"}
		pinClient = []string{ts, "-c", clientCPUs}
		if out, err := exec.Command(ts, "-a", "-p", "-c", clientCPUs, fmt.Sprint(os.Getpid())).CombinedOutput(); err != nil {
			return fmt.Errorf("pinning microbench: %v: %s", err, out)
		}
	}

	dir, err := os.MkdirTemp("", "microbench-compare-")
	if err != nil {
		return err
	}
	if f.keepBuild {
		logf("build directory: %s", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	script := ""
	if f.wrk {
		if script, err = writeWrkScript(dir); err != nil {
			return err
		}
	}

	loads := f.loads()
	needed := map[string]bool{}
	for _, l := range loads {
		for _, s := range l.servers {
			if slices.Contains(f.contenders, s) {
				needed[s] = true
			}
		}
	}
	servers := prepareServers(ctx, &f.sources, dir, needed, logf)
	defer func() {
		for _, s := range servers {
			s.stop()
		}
	}()
	for _, s := range servers {
		if s.skip != "" {
			continue
		}
		if err := s.start(ctx, pinServer, loads); err != nil {
			s.skip = err.Error()
		}
		if s.skip != "" {
			logf("skipping %s: %s", s.name, s.skip)
			continue
		}
		logf("started %s (pid %d) on %s", s.name, s.pid, s.addr)
		for l, why := range s.badLoads {
			logf("skipping %s on %s: %s", l, s.name, why)
		}
	}

	var samples []sample
	last := map[string]*loadtest.Result{} // load/server → last microbench result, for -html
	for round := 1; round <= f.rounds; round++ {
		for _, l := range loads {
			var live []*server
			for _, s := range servers {
				if s.skip == "" && s.badLoads[l.name] == "" && slices.Contains(l.servers, s.name) {
					live = append(live, s)
				}
			}
			// Rotate the order every round so no contender always runs first.
			for i := range live {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				s := live[(i+round-1)%len(live)]
				logf("round %d/%d  %-12s  %-9s  microbench", round, f.rounds, l.name, s.name)
				smp, res, err := measureMicrobench(ctx, f, l, s)
				if err != nil {
					return err
				}
				smp.Round = round
				samples = append(samples, smp)
				last[l.name+" / "+s.name] = res
				if f.wrk && !l.session {
					logf("round %d/%d  %-12s  %-9s  wrk", round, f.rounds, l.name, s.name)
					smp, err := measureWrk(ctx, f, l, s, pinClient, script)
					if err != nil {
						logf("wrk failed: %v", err)
						continue
					}
					smp.Round = round
					samples = append(samples, smp)
				}
			}
		}
	}
	rss := map[string]int64{}
	for _, s := range servers {
		if s.skip == "" {
			rss[s.name], _ = procPeakRSS(s.pid)
		}
	}
	rows := medians(samples, rss)

	if f.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Machine machineInfo `json:"machine"`
			Rows    []row       `json:"medians"`
			Samples []sample    `json:"samples"`
			Skipped []string    `json:"skipped,omitempty"`
		}{describeMachine(f), rows, samples, skipped(servers)})
	}
	writeMachine(stdout, describeMachine(f))
	writeTable(stdout, rows)
	for _, s := range skipped(servers) {
		fmt.Fprintf(stdout, "\nskipped: %s\n", s)
	}
	if f.htmlOut != "" {
		var ss []series
		for _, l := range loads {
			for _, s := range servers {
				if r := last[l.name+" / "+s.name]; r != nil {
					ss = append(ss, series{Name: l.name + " / " + s.name, Result: r})
				}
			}
		}
		if err := writeHTMLFile(f.htmlOut, "microbench compare", ss); err != nil {
			return err
		}
	}
	return nil
}

func skipped(servers []*server) []string {
	var out []string
	for _, s := range servers {
		if s.skip != "" {
			out = append(out, s.name+": "+s.skip)
			continue
		}
		for l, why := range s.badLoads {
			out = append(out, l+" on "+s.name+": "+why)
		}
	}
	slices.Sort(out)
	return out
}

// loadConfig is the microbench configuration of load l against s.
func loadConfig(f *compareFlags, l load, s *server, d time.Duration) loadtest.Config {
	cfg := loadtest.Config{URL: "http://" + s.addr + l.path, Connections: f.conns, Pipeline: l.pipeline, Duration: d}
	if l.session {
		cfg.Scenario = &loadtest.Scenario{Steps: []loadtest.Step{{Path: l.path, Expect: 200}}}
	}
	return cfg
}

func measureMicrobench(ctx context.Context, f *compareFlags, l load, s *server) (sample, *loadtest.Result, error) {
	if f.warmup > 0 {
		if _, err := loadtest.Run(ctx, loadConfig(f, l, s, f.warmup)); err != nil {
			return sample{}, nil, err
		}
	}
	self := os.Getpid()
	srv0, err1 := procCPU(s.pid)
	cli0, err2 := procCPU(self)
	res, err := loadtest.Run(ctx, loadConfig(f, l, s, f.dur))
	if err != nil {
		return sample{}, nil, err
	}
	srv1, err3 := procCPU(s.pid)
	cli1, err4 := procCPU(self)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return sample{}, nil, fmt.Errorf("reading CPU time of %s: %w", s.name, err)
	}
	sum := res.Summary()
	return sample{
		Load: l.name, Server: s.name, Tool: "microbench",
		Requests: res.Requests, Throughput: res.Throughput(),
		ServerCPU: perRequestUS(srv1-srv0, res.Requests), ClientCPU: perRequestUS(cli1-cli0, res.Requests),
		P50: float64(sum.LatencyUS.P50), P99: float64(sum.LatencyUS.P99), Errors: sum.Errors.Total(),
	}, res, nil
}

func measureWrk(ctx context.Context, f *compareFlags, l load, s *server, pin []string, script string) (sample, error) {
	args := wrkArgs("http://"+s.addr+l.path, f.conns, f.wrkThreads, l.pipeline, f.dur, script)
	srv0, err1 := procCPU(s.pid)
	r, err := runWrk(ctx, f.wrkBin, pin, args)
	if err != nil {
		return sample{}, err
	}
	srv1, err2 := procCPU(s.pid)
	if err := errors.Join(err1, err2); err != nil {
		return sample{}, err
	}
	return sample{
		Load: l.name, Server: s.name, Tool: "wrk",
		Requests: r.Requests, Throughput: r.Throughput,
		ServerCPU: perRequestUS(srv1-srv0, r.Requests), ClientCPU: perRequestUS(r.ClientCPU, r.Requests),
		P50: float64(r.P50.Microseconds()), P99: float64(r.P99.Microseconds()), Errors: r.Errors,
	}, nil
}

func perRequestUS(d time.Duration, n int64) float64 {
	if n <= 0 {
		return 0
	}
	return float64(d.Microseconds()) / float64(n)
}

// medians groups samples by load, server and tool and takes the median of
// each number separately.
func medians(samples []sample, rss map[string]int64) []row {
	type key struct{ load, server, tool string }
	var order []key
	groups := map[key][]sample{}
	for _, s := range samples {
		k := key{s.Load, s.Server, s.Tool}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], s)
	}
	slices.SortStableFunc(order, func(a, b key) int {
		return rank(a.load, b.load, samples)
	})
	var rows []row
	for _, k := range order {
		g := groups[k]
		med := func(get func(sample) float64) float64 {
			v := make([]float64, len(g))
			for i, s := range g {
				v[i] = get(s)
			}
			return median(v)
		}
		r := row{sample: sample{Load: k.load, Server: k.server, Tool: k.tool,
			Throughput: med(func(s sample) float64 { return s.Throughput }),
			ServerCPU:  med(func(s sample) float64 { return s.ServerCPU }),
			ClientCPU:  med(func(s sample) float64 { return s.ClientCPU }),
			P50:        med(func(s sample) float64 { return s.P50 }),
			P99:        med(func(s sample) float64 { return s.P99 }),
		}, Rounds: len(g), PeakRSS: rss[k.server], MinRate: g[0].Throughput, MaxRate: g[0].Throughput}
		for _, s := range g {
			r.Requests += s.Requests
			r.Errors += s.Errors
			r.MinRate = min(r.MinRate, s.Throughput)
			r.MaxRate = max(r.MaxRate, s.Throughput)
		}
		rows = append(rows, r)
	}
	return rows
}

// rank orders loads by their first appearance in samples.
func rank(a, b string, samples []sample) int {
	pos := func(l string) int {
		return slices.IndexFunc(samples, func(s sample) bool { return s.Load == l })
	}
	return pos(a) - pos(b)
}

// median of v (v is reordered); 0 for none.
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// minRounds is the fewest samples of a cell for which compare calls the
// middle one a median and shows the spread.
const minRounds = 3

// writeTable prints the rows as a Markdown table. A cell with fewer than
// minRounds samples shows its value (one sample, or the mean of two) with
// the spread marked unknown, and a note under the table says so.
func writeTable(w io.Writer, rows []row) {
	few := 0
	for _, r := range rows {
		if r.Rounds < minRounds {
			few = max(few, r.Rounds)
		}
	}
	head := "req/s (median)"
	if few > 0 {
		head = "req/s (median; fewer than 3 rounds: value)"
	}
	fmt.Fprintf(w, "| load | server | client | %s | req/s min–max | server CPU/req | client CPU/req | p50 | p99 | server peak RSS | errors |\n", head)
	fmt.Fprintln(w, "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, r := range rows {
		spread := fmt.Sprintf("%.0f–%.0f", r.MinRate, r.MaxRate)
		if r.Rounds < minRounds {
			spread = fmt.Sprintf("unknown (%d round%s)", r.Rounds, map[bool]string{true: "s"}[r.Rounds != 1])
		}
		fmt.Fprintf(w, "| %s | %s | %s | %.0f | %s | %.2fµs | %.2fµs | %s | %s | %.1f MiB | %d |\n",
			r.Load, r.Server, r.Tool, r.Throughput, spread, r.ServerCPU, r.ClientCPU,
			loadtest.FormatMicros(int64(r.P50)), loadtest.FormatMicros(int64(r.P99)), float64(r.PeakRSS)/(1<<20), r.Errors)
	}
	if few > 0 {
		fmt.Fprintf(w, "\nFewer than %d rounds: each figure is one sample (or the mean of two), not a median, and the spread is unknown; use -rounds %d or more before comparing rows.\n", minRounds, minRounds)
	}
}
