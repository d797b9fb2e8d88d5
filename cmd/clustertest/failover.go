package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"
)

// failoverConfig is what failover needs.
type failoverConfig struct {
	lb         string        // base URL of the load balancer
	users      int           // sessions counting concurrently
	before     time.Duration // counting before the kill
	after      time.Duration // counting after the kill
	errorLimit time.Duration // failures must stop this long after the kill
	kill       func() error  // kills the Redis master
}

func parseFailover(args []string, stderr io.Writer) (failoverConfig, error) {
	cfg := failoverConfig{}
	fs := flag.NewFlagSet("clustertest failover", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.lb, "lb", "", "base URL of the load balancer (required)")
	fs.IntVar(&cfg.users, "users", 30, "sessions counting concurrently")
	fs.DurationVar(&cfg.before, "before", 2*time.Second, "counting before the kill")
	fs.DurationVar(&cfg.after, "after", 8*time.Second, "counting after the kill")
	fs.DurationVar(&cfg.errorLimit, "error-limit", 6*time.Second, "failures must stop this long after the kill")
	pid := fs.Int("kill-pid", 0, "process id of the Redis master to send SIGKILL (required)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if err := checkArgs(fs, cfg.lb); err != nil {
		return cfg, err
	}
	switch {
	case *pid <= 0:
		return cfg, errors.New("-kill-pid is required")
	case cfg.users < 1 || cfg.before <= 0 || cfg.after <= cfg.errorLimit:
		return cfg, errors.New("-users and -before must be positive, -after longer than -error-limit")
	}
	cfg.lb = strings.TrimSuffix(cfg.lb, "/")
	cfg.kill = func() error { return syscall.Kill(*pid, syscall.SIGKILL) }
	return cfg, nil
}

// userLog is what one user saw: every GET /counter sent, in order.
type userLog struct {
	slowest time.Duration // the longest request after the kill
	sent    int64         // requests sent
	acked   int64         // the last value answered 200
	unknown int64         // requests failed since that answer: applied or not
	fails   []failure     // every failed request
	err     error         // the first violation seen
}

// failure is one failed request.
type failure struct {
	at  time.Time
	why string
}

// record checks one answer against what the user saw before: a 200 must
// carry a value above the last acknowledged one (no acknowledged write
// lost) and at most one more than the requests that might have counted
// (no write counted that was never sent).
func (u *userLog) record(value int64, err error, at time.Time) {
	u.sent++
	if err != nil {
		u.unknown++
		u.fails = append(u.fails, failure{at, err.Error()})
		return
	}
	if u.err == nil && (value <= u.acked || value > u.acked+1+u.unknown) {
		u.err = fmt.Errorf("request %d answered %d after %d was acknowledged and %d requests failed since: want %d..%d",
			u.sent, value, u.acked, u.unknown, u.acked+1, u.acked+1+u.unknown)
	}
	u.acked, u.unknown = value, 0
}

// failover runs the check scripts/cluster-test.sh REDIS=cluster asks for:
// users log in, count concurrently through the load balancer, the Redis
// master is killed, they keep counting; see the package documentation.
func failover(ctx context.Context, cfg failoverConfig, out io.Writer) error {
	tr := &http.Transport{MaxIdleConnsPerHost: cfg.users}
	defer tr.CloseIdleConnections()
	users := make([]*client, cfg.users)
	for i := range users {
		users[i] = &client{hc: &http.Client{Timeout: 10 * time.Second, Transport: tr}}
		c := users[i]
		code, h, body, err := c.do(ctx, "POST", cfg.lb+"/login", url.Values{"user": {fmt.Sprint("user", i)}})
		if err != nil || code != 200 {
			return fmt.Errorf("login of user %d: %d %q, %v", i, code, body, err)
		}
		for _, sc := range h.Values("Set-Cookie") {
			if nv, _, _ := strings.Cut(sc, ";"); strings.Contains(nv, "=") && !strings.HasSuffix(nv, "=") {
				c.cookie = nv
			}
		}
		if c.cookie == "" {
			return fmt.Errorf("login of user %d: no session cookie", i)
		}
	}
	logs := make([]userLog, cfg.users)
	start := time.Now()
	end := start.Add(cfg.before + cfg.after)
	var killedAt time.Time
	var killErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		select {
		case <-time.After(cfg.before):
			killedAt, killErr = time.Now(), cfg.kill()
		case <-ctx.Done():
		}
	})
	for i, c := range users {
		wg.Go(func() {
			for time.Now().Before(end) && ctx.Err() == nil {
				t0 := time.Now()
				r := counter(ctx, c, cfg.lb)
				logs[i].record(r.value, r.err, time.Now())
				if d := time.Since(t0); d > logs[i].slowest {
					logs[i].slowest = d
				}
				if r.err != nil {
					time.Sleep(20 * time.Millisecond)
				}
			}
		})
	}
	wg.Wait()
	if killErr != nil {
		return fmt.Errorf("killing the Redis master: %w", killErr)
	}
	if killedAt.IsZero() {
		return errors.New("the run ended before the kill")
	}
	return judge(ctx, users, logs, cfg, killedAt, out)
}

// judge checks what the users saw and the sessions afterwards, and prints
// the outcome.
func judge(ctx context.Context, users []*client, logs []userLog, cfg failoverConfig, killedAt time.Time, out io.Writer) error {
	var sent, failed int64
	var lastFail time.Time
	var slowest, others time.Duration // the slowest request, and that of users under a second
	waited := 0                       // users with a request of over a second: their master was the one killed
	var firstFail string
	for i := range logs {
		u := &logs[i]
		if u.err != nil {
			return fmt.Errorf("user %d: %w", i, u.err)
		}
		sent += u.sent
		failed += int64(len(u.fails))
		slowest = max(slowest, u.slowest)
		if u.slowest > time.Second {
			waited++
		} else {
			others = max(others, u.slowest)
		}
		for _, f := range u.fails {
			if f.at.Before(killedAt) {
				return fmt.Errorf("user %d: a request failed before the kill: %s", i, f.why)
			}
			if f.at.After(lastFail) {
				lastFail, firstFail = f.at, f.why
			}
		}
	}
	if !lastFail.IsZero() && lastFail.Sub(killedAt) > cfg.errorLimit {
		return fmt.Errorf("requests still failed %v after the kill (limit %v): %s", lastFail.Sub(killedAt).Round(time.Millisecond), cfg.errorLimit, firstFail)
	}
	// Every session is readable afterwards, logged in, and its counter
	// consistent with what its user saw.
	for i, c := range users {
		code, _, body, err := c.do(ctx, "GET", cfg.lb+"/whoami", nil)
		if err != nil || code != 200 || body != fmt.Sprint("user", i) {
			return fmt.Errorf("user %d after the failover: GET /whoami = %d %q, %v", i, code, body, err)
		}
		r := counter(ctx, c, cfg.lb)
		logs[i].record(r.value, r.err, time.Now())
		if r.err != nil || logs[i].err != nil {
			return fmt.Errorf("user %d after the failover: GET /counter: %v %v", i, r.err, logs[i].err)
		}
	}
	quiet := "none failed"
	if failed > 0 {
		quiet = fmt.Sprintf("%d failed, the last %v after the kill", failed, lastFail.Sub(killedAt).Round(time.Millisecond))
	}
	fmt.Fprintf(out, "failover: %d users counted %d times in %v through the load balancer; Redis master SIGKILLed at %v; "+
		"%d users had a request of over 1s (the slowest %v): their sessions were on the killed master; the others' slowest took %v; %s; "+
		"no acknowledged count lost, none counted that was not sent; every session readable and logged in afterwards\n",
		len(users), sent, (cfg.before + cfg.after).Round(time.Second), cfg.before,
		waited, slowest.Round(time.Millisecond), others.Round(time.Millisecond), quiet)
	return nil
}
