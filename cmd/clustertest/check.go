package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// user is the name check logs in as.
const user = "ada"

// stopAfter is how many second-phase requests complete before the stop.
const stopAfter = 100

// grace is how long a stopped instance may still finish requests that
// reached it over connections it had already accepted: a graceful shutdown
// closes the listener first, then each connection once its request is
// answered. Requests that start later must all go to other instances.
const grace = 500 * time.Millisecond

// phaseLimit bounds each phase, so that a hung cluster fails the check
// instead of hanging it.
const phaseLimit = time.Minute

// client is one browser: an HTTP client and the session cookie.
type client struct {
	hc     *http.Client
	cookie string // "name=value" of the session cookie, "" before login
}

// do sends one request with the session cookie and returns the status,
// the headers and the body.
func (c *client) do(ctx context.Context, method, u string, form url.Values) (int, http.Header, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return 0, nil, "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.cookie != "" {
		req.Header.Set("Cookie", c.cookie)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b), err
}

// result is one GET /counter.
type result struct {
	value    int64
	instance string
	start    time.Time
	err      error
}

// check runs the whole check described in the package documentation and
// prints what it saw to out.
func check(ctx context.Context, cfg config, out io.Writer) error {
	c := &client{hc: &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: cfg.workers},
	}}
	defer c.hc.CloseIdleConnections()
	names := slices.Sorted(maps.Keys(cfg.instances))

	if err := login(ctx, c, cfg, names); err != nil {
		return err
	}
	fmt.Fprintf(out, "login: logged in as %s through the load balancer; the session is alive on %s\n",
		user, strings.Join(names, " and "))

	start := time.Now()
	pctx, cancel := context.WithTimeout(ctx, phaseLimit)
	res := hammer(pctx, c, cfg.lb, cfg.workers, func(started int, _ time.Time) bool { return started < cfg.n })
	cancel()
	if err := verify(res, 0); err != nil {
		return fmt.Errorf("phase 1: %w", err)
	}
	served := perInstance(res, time.Time{})
	for _, name := range names {
		if served[name] == 0 {
			return fmt.Errorf("phase 1: instance %s served none of the %d requests (served: %v); is the balancer round-robin?", name, len(res), served)
		}
	}
	fmt.Fprintf(out, "phase 1: %d concurrent GET /counter (%d workers) in %.2fs: counter went 1..%d, each value once; served by %s\n",
		len(res), cfg.workers, time.Since(start).Seconds(), len(res), formatCounts(served, names))
	total := len(res)

	if cfg.stop != nil {
		n, err := stopPhase(ctx, c, cfg, names, total, out)
		if err != nil {
			return fmt.Errorf("phase 2: %w", err)
		}
		total += n
	}

	code, _, body, err := c.do(ctx, "GET", cfg.lb+"/whoami", nil)
	if err != nil || code != 200 || body != user {
		return fmt.Errorf("the session did not survive: GET /whoami = %d %q, %v", code, body, err)
	}
	code, _, body, err = c.do(ctx, "GET", cfg.lb+"/counter", nil)
	if want := strconv.Itoa(total + 1); err != nil || code != 200 || body != want {
		return fmt.Errorf("final GET /counter = %d %q, %v; want %s", code, body, err, want)
	}
	fmt.Fprintf(out, "PASS: the session survived: still logged in as %s, counter at %s after %d requests\n", user, body, total+1)
	return nil
}

// login posts the login form through the load balancer, keeps the session
// cookie, and checks that every instance, asked directly, knows the
// session.
func login(ctx context.Context, c *client, cfg config, names []string) error {
	code, h, body, err := c.do(ctx, "POST", cfg.lb+"/login", url.Values{"user": {user}})
	if err != nil || code != 200 {
		return fmt.Errorf("login: POST /login = %d %q, %v", code, body, err)
	}
	for _, sc := range h.Values("Set-Cookie") {
		if nv, _, _ := strings.Cut(sc, ";"); strings.Contains(nv, "=") && !strings.HasSuffix(nv, "=") {
			c.cookie = nv
		}
	}
	if c.cookie == "" {
		return fmt.Errorf("login: no session cookie in %q", h.Values("Set-Cookie"))
	}
	for _, name := range names {
		code, h, body, err := c.do(ctx, "GET", cfg.instances[name]+"/whoami", nil)
		if err != nil || code != 200 || body != user || h.Get("X-Instance") != name {
			return fmt.Errorf("login: GET /whoami on %s directly = %d %q (X-Instance %q), %v; want %s from %s: the session is not shared",
				name, code, body, h.Get("X-Instance"), err, user, name)
		}
	}
	return nil
}

// stopPhase is the second phase: requests keep going while one instance
// is stopped. It returns how many requests it made.
func stopPhase(ctx context.Context, c *client, cfg config, names []string, base int, out io.Writer) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, phaseLimit)
	defer cancel()
	var (
		mu        sync.Mutex
		downAt    time.Time
		stopErr   error
		afterDown int
		stopOnce  sync.Once
		stopped   = make(chan struct{})
	)
	stopAt := time.Time{}
	more := func(started int, now time.Time) bool {
		if started == stopAfter {
			stopOnce.Do(func() {
				stopAt = now
				go func() {
					defer close(stopped)
					at, err := stopAndWait(ctx, cfg)
					mu.Lock()
					downAt, stopErr = at, err
					mu.Unlock()
				}()
			})
		}
		mu.Lock()
		defer mu.Unlock()
		if stopErr != nil {
			return false
		}
		if !downAt.IsZero() && now.After(downAt.Add(grace)) {
			afterDown++
		}
		return started < stopAfter || downAt.IsZero() || afterDown <= cfg.after
	}
	res := hammer(ctx, c, cfg.lb, cfg.workers, more)
	select {
	case <-stopped:
	case <-ctx.Done():
		return 0, fmt.Errorf("instance %s did not stop within %v", cfg.stopName, phaseLimit)
	}
	if stopErr != nil {
		return 0, stopErr
	}
	if err := verify(res, base); err != nil {
		return 0, err
	}
	late := perInstance(res, downAt.Add(grace))
	if late[cfg.stopName] > 0 {
		return 0, fmt.Errorf("instance %s served %d requests that started more than %v after it refused connections", cfg.stopName, late[cfg.stopName], grace)
	}
	nLate := 0
	for _, n := range late {
		nLate += n
	}
	if nLate == 0 {
		return 0, fmt.Errorf("no request started more than %v after the stopped instance was down", grace)
	}
	fmt.Fprintf(out, "phase 2: SIGTERM to %s after %d requests, refusing connections %dms later; %d requests, all succeeded: counter went %d..%d, each value once; served by %s; from the stop to %v after: %s; later: %s\n",
		cfg.stopName, stopAfter, downAt.Sub(stopAt).Milliseconds(), len(res), base+1, base+len(res),
		formatCounts(perInstance(res, time.Time{}), names), grace,
		formatCounts(sub(perInstance(res, downAt), late), names), formatCounts(late, names))
	return len(res), nil
}

// stopAndWait stops the instance and returns when it first refused a
// connection.
func stopAndWait(ctx context.Context, cfg config) (time.Time, error) {
	if err := cfg.stop(); err != nil {
		return time.Time{}, fmt.Errorf("stopping %s: %w", cfg.stopName, err)
	}
	probe := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", cfg.instances[cfg.stopName]+"/", nil)
		resp, err := probe.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return time.Time{}, fmt.Errorf("instance %s still answers after %v", cfg.stopName, phaseLimit)
			}
			return time.Now(), nil
		}
		resp.Body.Close()
		time.Sleep(5 * time.Millisecond)
	}
}

// hammer sends GET /counter through base from workers goroutines for as
// long as more, asked before each request with the number of requests
// started so far and the time, says so, or until ctx ends.
func hammer(ctx context.Context, c *client, base string, workers int, more func(started int, now time.Time) bool) []result {
	var (
		mu      sync.Mutex
		started int
		results []result
		wg      sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				mu.Lock()
				now := time.Now()
				if !more(started, now) {
					mu.Unlock()
					return
				}
				started++
				mu.Unlock()
				r := counter(ctx, c, base)
				r.start = now
				mu.Lock()
				results = append(results, r)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return results
}

// counter makes one GET /counter.
func counter(ctx context.Context, c *client, base string) result {
	code, h, body, err := c.do(ctx, "GET", base+"/counter", nil)
	r := result{instance: h.Get("X-Instance")}
	switch {
	case err != nil:
		r.err = err
	case code != 200:
		r.err = fmt.Errorf("status %d from %q: %q", code, r.instance, strings.TrimSpace(body))
	case h.Get("Set-Cookie") != "":
		r.err = fmt.Errorf("instance %q set a new cookie %q: the session was lost", r.instance, h.Get("Set-Cookie"))
	default:
		r.value, r.err = strconv.ParseInt(body, 10, 64)
	}
	return r
}

// verify checks that every request succeeded and that the counter values
// seen are exactly base+1 .. base+len(res), each once.
func verify(res []result, base int) error {
	var errs []string
	for _, r := range res {
		if r.err != nil {
			errs = append(errs, r.err.Error())
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%d of %d requests failed; first: %s", len(errs), len(res), strings.Join(errs[:min(3, len(errs))], "; "))
	}
	seen := make(map[int64]int, len(res))
	for _, r := range res {
		seen[r.value]++
	}
	var missing, repeated []int64
	for v := int64(base + 1); v <= int64(base+len(res)); v++ {
		switch seen[v] {
		case 0:
			missing = append(missing, v)
		case 1:
		default:
			repeated = append(repeated, v)
		}
	}
	if len(missing)+len(repeated) > 0 {
		return fmt.Errorf("after %d increments the values seen are not %d..%d once each: missing %v, repeated %v (updates lost or applied twice)",
			len(res), base+1, base+len(res), head(missing), head(repeated))
	}
	return nil
}

// sub returns a - b, per key.
func sub(a, b map[string]int) map[string]int {
	d := maps.Clone(a)
	for k, n := range b {
		d[k] -= n
	}
	return d
}

// head returns the first few of vs.
func head(vs []int64) []int64 { return vs[:min(10, len(vs))] }

// perInstance counts the results by instance, only those started after
// since.
func perInstance(res []result, since time.Time) map[string]int {
	n := map[string]int{}
	for _, r := range res {
		if r.start.After(since) {
			n[r.instance]++
		}
	}
	return n
}

// formatCounts prints counts as "a=500 b=500", in the order of names, then
// any other instance seen.
func formatCounts(n map[string]int, names []string) string {
	var parts []string
	for _, name := range names {
		parts = append(parts, fmt.Sprintf("%s=%d", name, n[name]))
	}
	for _, name := range slices.Sorted(maps.Keys(n)) {
		if !slices.Contains(names, name) {
			parts = append(parts, fmt.Sprintf("%q=%d", name, n[name]))
		}
	}
	return strings.Join(parts, " ")
}
