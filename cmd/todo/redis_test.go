package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/microframe/microframe/sessionstore/redisstore/redistest"
	"github.com/redis/go-redis/v9"
)

// TestRedisStore runs two instances of the app on one Redis, as behind a
// load balancer: a session started on one is alive on the other, and
// their writes to it add up.
func TestRedisStore(t *testing.T) {
	srv := redistest.Start(t)
	a, _ := startTodo(t, "-store", "redis", "-redis-addr", srv.Addr, "-instance", "a")
	b, _ := startTodo(t, "-store", "redis", "-redis-addr", srv.Addr, "-instance", "b")
	c := checkShared(t, a, b)

	fetch(t, c, "POST", a+"/login", url.Values{"user": {"ada"}})
	srv.Stop()
	for _, path := range []string{"/counter", "/whoami"} {
		code, h, body := fetch(t, c, "GET", b+path, nil)
		if code != 503 || h.Get("Set-Cookie") != "" {
			t.Errorf("%s with Redis down: %d %q, Set-Cookie %q; want 503 and no new cookie", path, code, body, h.Get("Set-Cookie"))
		}
	}
}

// TestRedisTopologies runs two instances on a Redis Cluster (-redis-addr
// with the nodes' addresses) and on a Sentinel group (-redis-master and
// the Sentinels' addresses): sessions are shared as on one Redis.
func TestRedisTopologies(t *testing.T) {
	tests := []struct {
		name  string
		flags func(t *testing.T) []string
	}{
		{"cluster", func(t *testing.T) []string {
			c := redistest.StartCluster(t, 3, 1)
			return []string{"-redis-addr", strings.Join(c.Addrs, ",")}
		}},
		{"sentinel", func(t *testing.T) []string {
			g := redistest.StartSentinelGroup(t, 1, 1)
			return []string{"-redis-addr", strings.Join(g.SentinelAddrs, ","), "-redis-master", g.MasterName}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			flags := append([]string{"-store", "redis"}, tt.flags(t)...)
			a, _ := startTodo(t, append(flags, "-instance", "a")...)
			b, _ := startTodo(t, append(flags, "-instance", "b")...)
			checkShared(t, a, b)
		})
	}
}

// checkShared logs in on instance a, checks that b knows the session,
// counts alternately on both, logs out on b and checks that a knows. It
// returns the browser.
func checkShared(t *testing.T, a, b string) *http.Client {
	t.Helper()
	c := browser(t) // cookies ignore the port: both instances get the cookie
	code, h, _ := fetch(t, c, "POST", a+"/login", url.Values{"user": {"ada"}})
	if code != 200 || h.Get("X-Instance") != "a" {
		t.Fatalf("login on a: %d, X-Instance %q", code, h.Get("X-Instance"))
	}
	if code, h, body := fetch(t, c, "GET", b+"/whoami", nil); code != 200 || body != "ada" || h.Get("X-Instance") != "b" {
		t.Fatalf("whoami on b: %d %q, X-Instance %q; want ada from b", code, body, h.Get("X-Instance"))
	}
	for i := 1; i <= 10; i++ {
		base := a
		if i%2 == 0 {
			base = b
		}
		if _, _, body := fetch(t, c, "GET", base+"/counter", nil); body != strconv.Itoa(i) {
			t.Fatalf("counter %d (on %s) = %q", i, base, body)
		}
	}
	fetch(t, c, "POST", b+"/logout", nil)
	if code, _, _ := fetch(t, c, "GET", a+"/whoami", nil); code != 401 {
		t.Fatalf("whoami on a after logout on b: %d, want 401", code)
	}
	return c
}

func TestRedisUnreachable(t *testing.T) {
	err := run(context.Background(), []string{"-store", "redis", "-redis-addr", "127.0.0.1:1"}, io.Discard, io.Discard, nil)
	if err == nil || !strings.Contains(err.Error(), "-store redis: Redis at 127.0.0.1:1: redisstore: ping session:") {
		t.Fatalf("err = %v, want one naming Redis and its address", err)
	}
}

// TestHardeningSessionFloodRedis is the session flood of
// TestHardeningSessionFlood on a Redis with a small maxmemory and the
// volatile-lfu policy docs/deploy.md prescribes: one client without
// cookies creates sessions until Redis has evicted some, and then as many
// again; every request is answered 200, a new visitor still gets a
// session, and a user who logged in before the flood is still logged in
// (renewed sessions have no time to live, so Redis never evicts them).
func TestHardeningSessionFloodRedis(t *testing.T) {
	srv := redistest.Start(t, "--maxmemory", "2mb", "--maxmemory-policy", "volatile-lfu")
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { rdb.Close() })
	base, logs := startTodo(t, "-store", "redis", "-redis-addr", srv.Addr, "-redis-replicas", "0")
	user := browser(t)
	if code, _, body := post(t, user, base+"/login", url.Values{"user": {"ada"}}); code != 200 {
		t.Fatalf("login: %d %q", code, body)
	}
	evicted := func() int64 {
		t.Helper()
		info, err := rdb.Info(context.Background(), "stats").Result()
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.Lines(info) {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "evicted_keys:"); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				return n
			}
		}
		t.Fatal("no evicted_keys in INFO stats")
		return 0
	}
	flooder := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	t.Cleanup(flooder.CloseIdleConnections)
	codes := map[int]int{}
	sent, full := 0, 0
	for ; full == 0 || sent < 2*full; sent++ {
		if full == 0 && sent%200 == 0 && evicted() > 0 {
			full = max(sent, 1)
		}
		if sent == 50000 {
			t.Fatalf("50000 sessions did not fill a 2 MB Redis")
		}
		codes[anonymousCounter(t, flooder, base)]++
	}
	if codes[200] != sent {
		t.Fatalf("flood of %d: statuses %v, want all 200", sent, codes)
	}
	// Redis stays full after the flood, and volatile-lfu may evict a
	// brand-new session as readily as a flood's (a new key starts with the
	// same access count): now and then a visitor's session goes between
	// its two requests, as the policy allows (the one-visitor check failed
	// so in a CI run, 2026-12-08). All three losing theirs is rare; a
	// store that lost every new session still fails.
	checkSurvivedFlood(t, base, user, logs.String(), 3)
	t.Logf("%d anonymous sessions, Redis full after about %d; %d evicted", sent, full, evicted())
}
