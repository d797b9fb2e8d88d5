package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/microframe/microframe/cmd/tfb/internal/tfbdb"
	"github.com/microframe/microframe/internal/pgtest"
	"go.uber.org/goleak"
)

// srv is the test binary's PostgreSQL; nil when it could not start (the
// tests that need it skip, or fail with MICROFRAME_REQUIRE_PG=1).
var srv *pgtest.Server

// IgnoreCurrent: ants starts a default pool in its package init.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(pgtest.WithServer(m, &srv), goleak.IgnoreCurrent())
}

var handlers = []string{"framework", "native"}

// dbCount names the databases the tests create, one each.
var dbCount atomic.Int32

// newDatabase creates a benchmark database of its own for t.
func newDatabase(t testing.TB) (name, url string) {
	t.Helper()
	pgtest.Need(t, srv)
	name = "tfb_" + strconv.Itoa(int(dbCount.Add(1)))
	url, err := tfbdb.Create(srv, name)
	if err != nil {
		t.Fatal(err)
	}
	return name, url
}

// serve starts the server of c on a free port until the test ends, and
// returns its base URL.
func serve(t testing.TB, c config) string {
	t.Helper()
	if c.pool == 0 {
		c.pool = 8
	}
	if c.timeout == 0 {
		c.timeout = 2 * time.Second
	}
	if c.connectTimeout == 0 {
		c.connectTimeout = time.Second
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	s, db, err := newServer(c, quiet)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		<-done
		db.Close()
	})
	return "http://" + l.Addr().String()
}

// client makes the tests' requests; its connections are closed when the
// test ends.
func client(t *testing.T) *http.Client {
	tr := &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 64}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// TestVerify: both handlers pass every check of the verifier, run as
// "tfb verify -db URL" runs it, against a real PostgreSQL: a database
// each, since the verifier's /updates check wants no other writer.
func TestVerify(t *testing.T) {
	for _, h := range handlers {
		t.Run(h, func(t *testing.T) {
			_, url := newDatabase(t)
			t.Parallel()
			base := serve(t, config{handler: h, dbURL: url})
			var out bytes.Buffer
			err := runVerify([]string{"-db", url, base}, &out)
			t.Logf("tfb verify -db %s %s:\n%s", url, base, out.String())
			if err != nil {
				t.Error(err)
			}
			if want := "every check passed"; !strings.Contains(out.String(), want) {
				t.Errorf("output %q lacks %q", out.String(), want)
			}
		})
	}
}

// TestHeadAndErrors: HEAD answers like GET without the body; another
// method is 405 with Allow; an unknown path is 404.
func TestHeadAndErrors(t *testing.T) {
	_, url := newDatabase(t)
	c := client(t)
	for _, h := range handlers {
		base := serve(t, config{handler: h, dbURL: url})
		for _, tc := range []struct {
			method, path string
			status       int
		}{
			{"HEAD", "/json", 200},
			{"HEAD", "/fortunes", 200},
			{"POST", "/json", 405},
			{"GET", "/nothing", 404},
		} {
			req, _ := http.NewRequest(tc.method, base+tc.path, nil)
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Errorf("%s: %s %s: status %d, want %d", h, tc.method, tc.path, resp.StatusCode, tc.status)
			}
			if resp.Header.Get("Server") != serverName {
				t.Errorf("%s: %s %s: Server %q", h, tc.method, tc.path, resp.Header.Get("Server"))
			}
			if tc.method == "HEAD" && (len(body) != 0 || resp.ContentLength <= 0) {
				t.Errorf("%s: HEAD %s: body %d bytes, Content-Length %d", h, tc.path, len(body), resp.ContentLength)
			}
			if tc.status == 405 && resp.Header.Get("Allow") == "" {
				t.Errorf("%s: 405 without Allow", h)
			}
		}
	}
}

// TestQueryCount: the queries parameter, missing, malformed, out of range.
func TestQueryCount(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"", 1}, {"0", 1}, {"foo", 1}, {"-1", 1}, {"-0", 1}, {"+", 1}, {"-", 1},
		{"1", 1}, {"+7", 7}, {"20", 20}, {"500", 500}, {"501", 500},
		{"99999999999999999999999", 500}, {"-99999999999999999999", 1},
		{"2x", 1}, {" 2", 1}, {"2 ", 1}, {"0020", 20}, {"1e2", 1},
	} {
		if got := queryCount(tc.in); got != tc.want {
			t.Errorf("queryCount(%q) = %d, want %d", tc.in, got, tc.want)
		}
		if got := queryCount([]byte(tc.in)); got != tc.want {
			t.Errorf("queryCount([]byte(%q)) = %d, want %d", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct{ raw, want string }{
		{"queries=5", "5"}, {"a=1&queries=7&queries=9", "7"}, {"queriesx=3", ""},
		{"xqueries=3", ""}, {"queries", ""}, {"queries=", ""}, {"", ""}, {"&&queries=2&", "2"},
	} {
		if got := queryParam([]byte(tc.raw), "queries"); string(got) != tc.want {
			t.Errorf("queryParam(%q) = %q, want %q", tc.raw, got, tc.want)
		}
	}
}

// TestNativeAllocs: appending a row and reading queries allocate nothing.
func TestNativeAllocs(t *testing.T) {
	var buf [64]byte
	if n := testing.AllocsPerRun(100, func() {
		_ = appendWorld(buf[:0], World{ID: 10000, RandomNumber: 10000})
		_ = queryCount([]byte("500"))
	}); n != 0 {
		t.Errorf("%v allocations per run, want 0", n)
	}
}

// allocsPerRequest is the mean number of allocations of the whole process
// per GET of path on one keep-alive connection to base, over runs
// requests after a first one that warms up (the pool's connection, a
// template), measured as testing.AllocsPerRun does (GOMAXPROCS 1) but not
// rounded down: a pooled object now and then reused makes the mean fall
// just short of the whole count (25.995 for 26), which AllocsPerRun
// would report as one fewer. A status other than 200 fails the test.
func allocsPerRequest(t *testing.T, base, path string, runs int) float64 {
	t.Helper()
	c := dialRaw(t, base)
	req := []byte("GET " + path + " HTTP/1.1\r\nHost: tfb\r\n\r\n")
	get := func() {
		if s := c.do(t, req); s != 200 {
			t.Fatalf("%s: status %d", path, s)
		}
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	get()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		get()
	}
	runtime.ReadMemStats(&after)
	return float64(after.Mallocs-before.Mallocs) / float64(runs)
}

// TestServerAllocs: /plaintext and /json, served by the engine on both
// handlers, allocate nothing per request (whole process, the client
// included, which allocates nothing; without the race detector, as
// make allocs runs it). They need no database: the pool connects lazily.
func TestServerAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	for _, h := range handlers {
		base := serve(t, config{handler: h, dbURL: "postgres://postgres@127.0.0.1:1/none"})
		for _, path := range []string{"/plaintext", "/json"} {
			if n := allocsPerRequest(t, base, path, 1000); n >= 1 {
				t.Errorf("%s %s: %.3f allocations per request, want 0", h, path, n)
			}
		}
	}
}

// TestFrameworkAllocsOverNative pins what the framework path allocates
// beyond the native one on the database types, per request (whole
// process; without the race detector). Seven allocations are the
// framework's: the request's context, which the native handler does not
// make (it detaches) — context.WithCancelCause's cancelCtx and cancel
// func, conn's requestCtx, the Done channel, and the children map the
// handler's timeout context registers in (two) — and the response value
// boxed in an interface (framework.JSON, Templates.Render). /queries
// adds two of the handler's own: its []World (the native handler reuses
// one) and the queries value as a string. Anything beyond that is a
// framework cost that crept in.
func TestFrameworkAllocsOverNative(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	paths := map[string]float64{"/db": 7, "/fortunes": 7, "/queries?queries=5": 9}
	_, url := newDatabase(t)
	allocs := map[string]float64{}
	for _, h := range handlers {
		base := serve(t, config{handler: h, dbURL: url})
		for path := range paths {
			allocs[h+path] = allocsPerRequest(t, base, path, 300)
		}
	}
	for path, want := range paths {
		fw, nat := allocs["framework"+path], allocs["native"+path]
		if more := math.Round(fw - nat); more > want {
			t.Errorf("%s: %.3f allocations per request on the framework path, %.3f on the native one: %v more, want at most %v",
				path, fw, nat, more, want)
		}
		t.Logf("%s: framework %.3f, native %.3f allocations per request", path, fw, nat)
	}
}
