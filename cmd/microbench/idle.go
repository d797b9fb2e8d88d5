package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// microbench idle measures what an idle keep-alive connection costs a
// server as a real process: the growth of its resident memory (VmRSS, with
// no forced garbage collection: the server runs as it would in production)
// while N connections are open and quiet. Connections are opened in steps;
// in each step every new connection sends one request at the same moment
// (so a server that allocates per request shows it), the responses are
// read, and after -quiet of silence the server's VmRSS is read. The report
// gives the growth per connection ((RSS at N - RSS before) / N), the slope
// of a least-squares line through the steps (the marginal cost, without the
// one-time growth of pools and heaps), and the peak (VmHWM).

// idleFlags is the parsed command line of microbench idle.
type idleFlags struct {
	sources
	contenders   []string
	conns, steps int
	quiet        time.Duration
	path         string
	json         bool
}

// idleContenders are the servers microbench idle knows.
var idleContenders = []string{"native", "nethttp", "stdlib", "framework", "fasthttp", "nbio"}

func parseIdleFlags(args []string, stderr io.Writer) (*idleFlags, error) {
	fs := flag.NewFlagSet("microbench idle", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: microbench idle [-contenders native,nethttp,fasthttp,nbio] [-conns N] [-steps K] [-quiet 3s] [-json]")
		fmt.Fprintln(stderr, "Starts each contender as a process on 127.0.0.1, opens N keep-alive connections in K steps (each new connection sends one request, all at once), waits -quiet, and reports the server's VmRSS growth per connection, the slope and VmHWM. No forced GC.")
		fs.PrintDefaults()
	}
	var f idleFlags
	var contenders string
	f.sources.register(fs, false)
	fs.StringVar(&contenders, "contenders", "native,nethttp,fasthttp,nbio", "servers to measure: "+strings.Join(idleContenders, ","))
	fs.IntVar(&f.conns, "conns", 10000, "idle connections to open in all (this process holds the client ends: keep it under the file descriptor limit)")
	fs.IntVar(&f.steps, "steps", 4, "open the connections in this many equal steps, reading RSS after each")
	fs.DurationVar(&f.quiet, "quiet", 3*time.Second, "silence before each RSS reading")
	fs.StringVar(&f.path, "path", "/plaintext", "the GET request each connection sends once")
	fs.BoolVar(&f.json, "json", false, "print the results as JSON")
	if err := parseFlagSet(fs, args); err != nil {
		return nil, err
	}
	var err error
	if f.contenders, err = pickList("contender", contenders, idleContenders); err != nil {
		return nil, err
	}
	switch {
	case f.conns < 1 || f.steps < 1 || f.steps > f.conns:
		return nil, fmt.Errorf("-conns and -steps must be at least 1, -steps at most -conns (got %d, %d)", f.conns, f.steps)
	case f.quiet < 0:
		return nil, fmt.Errorf("-quiet must not be negative")
	case !strings.HasPrefix(f.path, "/") || strings.ContainsAny(f.path, " \r\n"):
		return nil, fmt.Errorf("-path %q: want an absolute path without spaces", f.path)
	}
	return &f, nil
}

// idlePoint is one reading: the server's VmRSS with conns connections open.
type idlePoint struct {
	Conns int   `json:"conns"`
	RSS   int64 `json:"rss_bytes"`
}

// idleResult is what microbench idle measured on one contender.
type idleResult struct {
	Server  string      `json:"server"`
	Conns   int         `json:"conns"`
	Points  []idlePoint `json:"points"` // the first is before any connection
	PerConn float64     `json:"rss_growth_per_conn_bytes"`
	Slope   float64     `json:"slope_bytes_per_conn"`
	PeakRSS int64       `json:"peak_rss_bytes"` // VmHWM at the end
	Failed  int         `json:"failed_conns"`   // connections that did not get their answer
	Skipped string      `json:"skipped,omitempty"`
}

func runIdle(args []string, stdout, stderr io.Writer) int {
	return runSubcommand("microbench idle", args, stderr, parseIdleFlags, func(ctx context.Context, f *idleFlags) error {
		results, err := idle(ctx, f, stderr)
		if err != nil {
			return err
		}
		if f.json {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			enc.Encode(results)
		} else {
			writeIdleTable(stdout, f, results)
		}
		for _, r := range results {
			if r.Skipped != "" {
				return fmt.Errorf("%s skipped: %s", r.Server, r.Skipped)
			}
			if r.Failed > 0 {
				return fmt.Errorf("%s: %d connections got no answer", r.Server, r.Failed)
			}
		}
		return nil
	})
}

// idle builds and measures each contender in turn.
func idle(ctx context.Context, f *idleFlags, stderr io.Writer) ([]idleResult, error) {
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) }
	if err := raiseFileLimit(f.conns + 256); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "microbench-idle-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	needed := map[string]bool{}
	for _, c := range f.contenders {
		needed[c] = true
	}
	var results []idleResult
	for _, s := range prepareServers(ctx, &f.sources, dir, needed, logf) {
		if s.skip != "" {
			results = append(results, idleResult{Server: s.name, Skipped: s.skip})
			continue
		}
		if err := s.start(ctx, nil, nil); err != nil {
			s.stop()
			results = append(results, idleResult{Server: s.name, Skipped: err.Error()})
			continue
		}
		r, err := measureIdle(ctx, f, s, logf)
		s.stop()
		if err != nil {
			return results, fmt.Errorf("%s: %w", s.name, err)
		}
		results = append(results, r)
	}
	return results, nil
}

// raiseFileLimit sets this process's soft limit on open files to its hard
// limit, and fails when even that is below need. (Calling Setrlimit also
// makes the servers started afterwards inherit the raised limit.)
func raiseFileLimit(need int) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("raising the open-file limit to %d: %w", lim.Max, err)
	}
	if lim.Cur < uint64(need) {
		return fmt.Errorf("open-file limit %d is below the %d this run needs: lower -conns", lim.Cur, need)
	}
	return nil
}

// measureIdle opens f.conns connections to s in f.steps steps and reads the
// server's memory after each.
func measureIdle(ctx context.Context, f *idleFlags, s *server, logf func(string, ...any)) (idleResult, error) {
	res := idleResult{Server: s.name, Conns: f.conns}
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	request := []byte("GET " + f.path + " HTTP/1.1\r\nHost: " + s.addr + "\r\n\r\n")
	for step := 0; step <= f.steps; step++ {
		if step > 0 {
			want := f.conns * step / f.steps
			opened, failed, err := openAndAsk(ctx, s.addr, want-len(conns), request)
			conns = append(conns, opened...)
			res.Failed += failed
			if err != nil {
				return res, err
			}
		}
		if err := sleepCtx(ctx, f.quiet); err != nil {
			return res, err
		}
		rss, err := procStatus(s.pid, "VmRSS:")
		if err != nil {
			return res, err
		}
		res.Points = append(res.Points, idlePoint{Conns: len(conns), RSS: rss})
		logf("%-9s %6d connections: VmRSS %.1f MiB", s.name, len(conns), float64(rss)/(1<<20))
	}
	var err error
	if res.PeakRSS, err = procStatus(s.pid, "VmHWM:"); err != nil {
		return res, err
	}
	first, last := res.Points[0], res.Points[len(res.Points)-1]
	if last.Conns > 0 {
		res.PerConn = float64(last.RSS-first.RSS) / float64(last.Conns)
	}
	res.Slope = slope(res.Points)
	return res, nil
}

// openAndAsk dials n connections to addr, then has every one of them send
// request at the same moment, and reads each one's response. It returns
// the connections that got their answer and the count of those that did
// not (closed). err is only for a cancelled context.
func openAndAsk(ctx context.Context, addr string, n int, request []byte) (ok []net.Conn, failed int, err error) {
	const workers = 64
	conns := make([]net.Conn, n)
	var dialers sync.WaitGroup
	for w := range workers {
		dialers.Go(func() {
			d := net.Dialer{Timeout: 10 * time.Second}
			for i := w; i < n; i += workers {
				if c, err := d.DialContext(ctx, "tcp", addr); err == nil {
					conns[i] = c
				}
			}
		})
	}
	dialers.Wait()
	// Every connection is open: now all send, then all read.
	start := make(chan struct{})
	good := make([]bool, n)
	var askers sync.WaitGroup
	for w := range workers {
		askers.Go(func() {
			buf := make([]byte, 4096)
			<-start
			for i := w; i < n; i += workers {
				if c := conns[i]; c != nil {
					c.SetDeadline(time.Now().Add(30 * time.Second))
					_, err := c.Write(request)
					if err == nil {
						err = readOne(c, buf)
					}
					good[i] = err == nil
					c.SetDeadline(time.Time{})
				}
			}
		})
	}
	close(start)
	askers.Wait()
	for i, c := range conns {
		switch {
		case c == nil:
			failed++
		case !good[i]:
			c.Close()
			failed++
		default:
			ok = append(ok, c)
		}
	}
	return ok, failed, ctx.Err()
}

// readOne reads one response with a Content-Length body (as every
// contender sends for a GET) into buf, which must hold it whole.
func readOne(c net.Conn, buf []byte) error {
	n := 0
	for {
		m, err := c.Read(buf[n:])
		n += m
		if end := bytes.Index(buf[:n], []byte("\r\n\r\n")); end >= 0 {
			head := string(buf[:end])
			status, _, _ := strings.Cut(strings.TrimPrefix(head, "HTTP/1.1 "), " ")
			if status != "200" {
				return fmt.Errorf("status %q", status)
			}
			length := -1
			for line := range strings.SplitSeq(head, "\r\n") {
				if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "Content-Length") {
					length, _ = strconv.Atoi(strings.TrimSpace(v))
				}
			}
			if length < 0 {
				return errors.New("no Content-Length")
			}
			if n >= end+4+length {
				return nil
			}
		}
		if err != nil {
			return err
		}
		if n == len(buf) {
			return errors.New("response larger than the buffer")
		}
	}
}

// slope fits rss = a + b·conns through the points by least squares and
// returns b, the memory each further connection costs.
func slope(pts []idlePoint) float64 {
	if len(pts) < 2 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for _, p := range pts {
		x, y := float64(p.Conns), float64(p.RSS)
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	n := float64(len(pts))
	den := n*sxx - sx*sx
	if den == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / den
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func writeIdleTable(w io.Writer, f *idleFlags, results []idleResult) {
	fmt.Fprintf(w, "microbench idle: %d connections in %d steps, each sent one GET %s (all at once per step), %s quiet before each VmRSS reading; no forced GC\n\n",
		f.conns, f.steps, f.path, f.quiet)
	fmt.Fprintln(w, "| server | connections | VmRSS before | VmRSS after | growth per connection | slope | peak (VmHWM) | failed |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|--:|")
	for _, r := range results {
		if r.Skipped != "" {
			fmt.Fprintf(w, "| %s | skipped: %s |||||||\n", r.Server, r.Skipped)
			continue
		}
		first, last := r.Points[0], r.Points[len(r.Points)-1]
		fmt.Fprintf(w, "| %s | %d | %.1f MiB | %.1f MiB | %.1f KiB | %.1f KiB | %.1f MiB | %d |\n",
			r.Server, last.Conns, float64(first.RSS)/(1<<20), float64(last.RSS)/(1<<20),
			r.PerConn/1024, r.Slope/1024, float64(r.PeakRSS)/(1<<20), r.Failed)
	}
}
