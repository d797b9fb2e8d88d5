package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/microframe/microframe/framework"
	"github.com/microframe/microframe/framework/session"
	"github.com/microframe/microframe/sessionstore"
	"go.uber.org/goleak"
)

// IgnoreCurrent: ants starts a default pool (two goroutines) in its package
// init; every goroutine a test starts is still checked.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m, goleak.IgnoreCurrent()) }

// instanceApp is a stand-in for cmd/todo -instance name: /login, /whoami
// and /counter on store. With atomic false, /counter reads the counter and
// then writes it back, losing updates under concurrency.
func instanceApp(name string, store sessionstore.Store, atomic bool) http.Handler {
	app := framework.New()
	app.Logger = nil
	app.Use(func(next framework.Handler) framework.Handler {
		return func(r *framework.Request) framework.Response { return next(r).WithHeader("X-Instance", name) }
	})
	app.Use(session.Middleware(sessionstore.NewManager(store)))
	app.Post("/login", func(r *framework.Request) framework.Response {
		s := session.From(r)
		if err := s.Renew(); err != nil {
			return framework.Error(err)
		}
		if err := s.PutString("user", r.Form("user")); err != nil {
			return framework.Error(err)
		}
		return framework.Text("ok")
	})
	app.Get("/whoami", func(r *framework.Request) framework.Response {
		if u := session.From(r).GetString("user"); u != "" {
			return framework.Text(u)
		}
		return framework.Errorf(http.StatusUnauthorized, "not logged in")
	})
	app.Get("/counter", func(r *framework.Request) framework.Response {
		s := session.From(r)
		if atomic {
			n, err := s.AddInt("counter", 1)
			if err != nil {
				return framework.Error(err)
			}
			return framework.Text(strconv.FormatInt(n, 10))
		}
		n := s.GetInt("counter") + 1
		time.Sleep(100 * time.Microsecond) // widen the race window
		if err := s.PutInt("counter", n); err != nil {
			return framework.Error(err)
		}
		return framework.Text(strconv.FormatInt(n, 10))
	})
	app.Get("/", func(r *framework.Request) framework.Response { return framework.Text("ok") })
	return app
}

// roundRobin is a minimal load balancer: each request goes to the next
// backend, and to the one after when a backend refuses the connection or
// closes it without answering. Like HAProxy's retry-on conn-failure
// empty-response, that is only safe because the backends stop gracefully
// and without keep-alive: a connection closed without an answer was never
// served (it was still in the listen queue), whereas resending a request a
// backend did serve would count a GET /counter twice.
type roundRobin struct {
	backends []string
	next     atomic.Uint64
	client   *http.Client
}

func (rr *roundRobin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	start := rr.next.Add(1)
	for i := range uint64(len(rr.backends)) {
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, rr.backends[(start+i)%uint64(len(rr.backends))]+r.URL.RequestURI(), bytes.NewReader(body))
		req.Header = r.Header.Clone()
		resp, err := rr.client.Do(req)
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) {
			continue
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
		resp.Body.Close()
		return
	}
	http.Error(w, "no backend", http.StatusBadGateway)
}

// cluster starts instances a and b behind a round-robin balancer. With
// shared, both use one store.
func cluster(t *testing.T, shared, atomic bool) (cfg config, stopB func() error) {
	t.Helper()
	storeA := sessionstore.NewMemoryStore(sessionstore.MemoryOptions{})
	storeB := storeA
	if !shared {
		storeB = sessionstore.NewMemoryStore(sessionstore.MemoryOptions{})
	}
	a := httptest.NewServer(instanceApp("a", storeA, atomic))
	b := httptest.NewServer(instanceApp("b", storeB, atomic))
	// No keep-alive towards the instances: net/http (unlike the engine)
	// may close an idle connection on which a request has just arrived,
	// and the client could not know whether it was served.
	tr := &http.Transport{DisableKeepAlives: true}
	rr := &roundRobin{backends: []string{a.URL, b.URL}, client: &http.Client{Transport: tr}}
	lb := httptest.NewServer(rr)
	t.Cleanup(func() {
		lb.Close()
		tr.CloseIdleConnections()
		a.Close()
		b.Close()
		storeA.Close()
		storeB.Close()
	})
	cfg = config{lb: lb.URL, instances: map[string]string{"a": a.URL, "b": b.URL}, n: 200, workers: 8, after: 50}
	// A graceful stop: the listener closes at once, requests in progress
	// finish.
	return cfg, func() error { go b.Config.Shutdown(context.Background()); return nil }
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name           string
		shared, atomic bool
		stop           bool
		want           string // in the error; "" for success
	}{
		{"shared store", true, true, true, ""},
		{"shared store, no stop", true, true, false, ""},
		{"store per instance", false, true, false, "the session is not shared"},
		{"lost updates", true, false, false, "updates lost or applied twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, stop := cluster(t, tt.shared, tt.atomic)
			if tt.stop {
				cfg.stopName, cfg.stop = "b", stop
			}
			var out bytes.Buffer
			err := check(context.Background(), cfg, &out)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("check failed: %v\n%s", err, out.String())
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("check = %v, want an error about %q\n%s", err, tt.want, out.String())
			}
			if tt.want == "" && !strings.Contains(out.String(), "PASS: the session survived") {
				t.Fatalf("no PASS line:\n%s", out.String())
			}
			if tt.stop && !strings.Contains(out.String(), "phase 2: SIGTERM to b") {
				t.Fatalf("no phase 2:\n%s", out.String())
			}
		})
	}
}

func TestVerify(t *testing.T) {
	ok := func(vs ...int64) []result {
		var rs []result
		for _, v := range vs {
			rs = append(rs, result{value: v})
		}
		return rs
	}
	tests := []struct {
		name string
		res  []result
		base int
		want string
	}{
		{"exact", ok(3, 1, 2), 0, ""},
		{"exact after base", ok(12, 11), 10, ""},
		{"lost", ok(1, 2, 2), 0, "missing [3], repeated [2]"},
		{"applied twice", ok(1, 3, 4), 0, "missing [2]"},
		{"failed request", append(ok(1), result{err: errors.New("status 503")}), 0, "1 of 2 requests failed; first: status 503"},
	}
	for _, tt := range tests {
		err := verify(tt.res, tt.base)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: verify = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestParseCheck(t *testing.T) {
	good := []string{"-lb", "http://127.0.0.1:1", "-instance", "a=http://127.0.0.1:2", "-instance", "b=http://127.0.0.1:3"}
	tests := []struct {
		args []string
		want string
	}{
		{good, ""},
		{append(good, "-stop", "b", "-stop-pid", "12345"), ""},
		{good[:4], "at least two"},
		{append(good, "-instance", "a=http://x"), `instance "a" given twice`},
		{append(good, "-instance", "c"), "want NAME=http://HOST:PORT"},
		{append(good, "-stop", "c", "-stop-pid", "1"), `-stop "c" is not one of`},
		{append(good, "-stop", "b"), "-stop needs -stop-pid"},
		{append(good, "-n", "0"), "must be positive"},
		{[]string{"-lb", "ftp://x"}, "not an http:// URL"},
		{append(good, "extra"), "unexpected arguments"},
	}
	for _, tt := range tests {
		cfg, err := parseCheck(tt.args, io.Discard)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%q: err = %v, want %q", tt.args, err, tt.want)
		}
		if err == nil && (cfg.n != 1000 || cfg.workers != 20 || len(cfg.instances) != 2) {
			t.Errorf("%q: defaults not applied: %+v", tt.args, cfg)
		}
	}
}

func TestPortsAndWait(t *testing.T) {
	var out bytes.Buffer
	if code := run([]string{"ports", "3"}, &out, io.Discard); code != 0 {
		t.Fatalf("ports exited %d", code)
	}
	ports := strings.Fields(out.String())
	if len(ports) != 3 || ports[0] == ports[1] || ports[1] == ports[2] || ports[0] == ports[2] {
		t.Fatalf("ports 3 printed %q, want three different ports", out.String())
	}
	for _, bad := range [][]string{{"ports"}, {"ports", "0"}, {"ports", "x"}, {"nope"}, {}} {
		if code := run(bad, io.Discard, io.Discard); code == 0 {
			t.Errorf("%q exited 0", bad)
		}
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	if err := cmdWait([]string{u.Host}, time.Second); err != nil {
		t.Fatalf("wait for a listening server: %v", err)
	}
	if err := cmdWait([]string{"127.0.0.1:" + ports[0]}, 100*time.Millisecond); err == nil {
		t.Fatal("wait for a closed port succeeded")
	}
}
