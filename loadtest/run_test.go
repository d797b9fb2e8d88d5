package loadtest

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunRequestBound(t *testing.T) {
	tests := []struct {
		name     string
		conns    int
		pipeline int
		requests int64
	}{
		{"one connection", 1, 1, 500},
		{"four connections", 4, 1, 1000},
		{"pipelined 16", 4, 16, 1600},
		{"pipelined, budget not a multiple", 3, 16, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newRawServer(t, okResponse).start()
			res, err := Run(context.Background(), Config{
				URL: s.URL() + "/plaintext", Connections: tt.conns, Pipeline: tt.pipeline, Requests: tt.requests,
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Requests != tt.requests || res.Status[200] != tt.requests || res.Latency.TotalCount() != tt.requests {
				t.Fatalf("requests=%d status200=%d histogram=%d, want %d each",
					res.Requests, res.Status[200], res.Latency.TotalCount(), tt.requests)
			}
			if got := s.requests.Load(); got != tt.requests {
				t.Fatalf("server saw %d requests, want %d", got, tt.requests)
			}
			if res.Errors.Total() != 0 || res.Connects != int64(tt.conns) {
				t.Fatalf("errors %+v, connects %d (want 0 errors, %d connects)", res.Errors, res.Connects, tt.conns)
			}
			if want := tt.requests * int64(len(okResponse)); res.BytesRead != want {
				t.Fatalf("BytesRead = %d, want %d", res.BytesRead, want)
			}
			if tt.pipeline > 1 && s.maxBatch.Load() < 2 {
				t.Fatalf("server never saw two requests in one read: not pipelined")
			}
			if tt.pipeline == 1 && s.maxBatch.Load() != 1 {
				t.Fatalf("server saw %d requests in one read without pipelining", s.maxBatch.Load())
			}
		})
	}
}

func TestRunDurationBound(t *testing.T) {
	s := newRawServer(t, okResponse).start()
	const d = 300 * time.Millisecond
	begin := time.Now()
	res, err := Run(context.Background(), Config{URL: s.URL(), Connections: 2, Duration: d})
	if err != nil {
		t.Fatal(err)
	}
	// The bounds are loose on purpose: this checks that the run stops by
	// itself near its duration, on a machine that may be busy (-race, other
	// tests); precision is the benchmarks' business.
	took := time.Since(begin)
	if took < d || took > d+5*time.Second {
		t.Fatalf("run took %v for a %v duration", took, d)
	}
	if res.Elapsed < d || res.Elapsed > d+2*time.Second {
		t.Fatalf("Elapsed = %v, want about %v", res.Elapsed, d)
	}
	if res.Requests == 0 || res.Errors.Total() != 0 {
		t.Fatalf("requests %d, errors %+v", res.Requests, res.Errors)
	}
	if res.Requests > s.requests.Load() {
		t.Fatalf("measured %d responses but the server answered only %d", res.Requests, s.requests.Load())
	}
}

func TestRunWarmupNotMeasured(t *testing.T) {
	var mu sync.Mutex
	var arrivals []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		arrivals = append(arrivals, time.Now())
		mu.Unlock()
	}))
	defer srv.Close()
	const conns = 2
	// A warmup much longer than the duration, so that an Elapsed that
	// included it could not pass even on a busy machine.
	res, err := Run(context.Background(), Config{URL: srv.URL, Connections: conns, Warmup: 2 * time.Second, Duration: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Elapsed < 200*time.Millisecond || res.Elapsed >= 2*time.Second {
		t.Fatalf("Elapsed %v; want the 200ms duration without the 2s warmup", res.Elapsed)
	}
	mu.Lock()
	defer mu.Unlock()
	var during int64
	for _, at := range arrivals {
		if !at.Before(res.Start) {
			during++
		}
	}
	if during == int64(len(arrivals)) {
		t.Fatal("no request arrived during the warmup")
	}
	// Only requests that arrived after the warmup can have been measured
	// (plus one in flight per connection as measuring began).
	if res.Requests == 0 || res.Requests > during+conns {
		t.Fatalf("measured %d, but only %d of %d requests arrived after the warmup", res.Requests, during, len(arrivals))
	}
}

func TestRunContextCancel(t *testing.T) {
	s := newRawServer(t, okResponse).start()
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	begin := time.Now()
	res, err := Run(ctx, Config{URL: s.URL(), Connections: 2, Duration: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(begin); took > 10*time.Second { // the duration was an hour
		t.Fatalf("cancelled run took %v", took)
	}
	if res.Requests == 0 {
		t.Fatal("no requests measured")
	}
}

func TestRunConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	res, err := Run(context.Background(), Config{URL: "http://" + addr + "/", Connections: 2, Duration: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 0 || res.Errors.Connect == 0 {
		t.Fatalf("requests %d, connect errors %d; want 0 and > 0", res.Requests, res.Errors.Connect)
	}
	// Failed dials are paced, not spun: at most one per 10ms per connection.
	if res.Errors.Connect > 2*25 {
		t.Fatalf("%d connect errors in 200ms: dial loop is not paced", res.Errors.Connect)
	}
}

// A count-bound run against a target that refuses connections must end:
// each failed dial uses up one request.
func TestRunConnectionRefusedCountBound(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	done := make(chan *Result)
	go func() {
		res, _ := Run(context.Background(), Config{URL: "http://" + addr + "/", Connections: 2, Requests: 5})
		done <- res
	}()
	select {
	case res := <-done:
		// Each connection's last failed dial finds the budget spent.
		if res.Requests != 0 || res.Errors.Connect < 5 || res.Errors.Connect > 5+2 {
			t.Fatalf("requests %d, connect errors %d; want 0 and 5 to 7", res.Requests, res.Errors.Connect)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("count-bound run against a refusing target did not end")
	}
}

func TestRunTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() { // accept and never answer
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	})
	defer func() {
		ln.Close()
		wg.Wait()
		for _, c := range conns {
			c.Close()
		}
	}()
	res, err := Run(context.Background(), Config{
		URL: "http://" + ln.Addr().String() + "/", Connections: 2, Timeout: 50 * time.Millisecond, Duration: 400 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 0 || res.Errors.Timeout < 4 {
		t.Fatalf("requests %d, timeouts %d; want 0 and several", res.Requests, res.Errors.Timeout)
	}
	if res.Connects < 4 {
		t.Fatalf("connects = %d: a timed-out connection must be replaced", res.Connects)
	}
}

func TestRunServerClosesEachConnection(t *testing.T) {
	s := newRawServer(t, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
	s.closeAll = true
	s.start()
	res, err := Run(context.Background(), Config{URL: s.URL(), Connections: 2, Requests: 200})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 200 || res.Errors.Total() != 0 || res.Connects != 200 {
		t.Fatalf("requests %d, errors %+v, connects %d; want 200, none, 200", res.Requests, res.Errors, res.Connects)
	}
}

func TestRunMalformedResponses(t *testing.T) {
	s := newRawServer(t, "HTTP/1.1 abc\r\n\r\n").start()
	res, err := Run(context.Background(), Config{URL: s.URL(), Connections: 2, Requests: 50})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 0 || res.Errors.Parse != 50 || res.Connects != 50 {
		t.Fatalf("requests %d, parse errors %d, connects %d; want 0, 50, 50", res.Requests, res.Errors.Parse, res.Connects)
	}
}

func TestRunNetHTTPServer(t *testing.T) {
	var posted atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/echo":
			b, _ := io.ReadAll(r.Body)
			if string(b) == "payload" && r.Header.Get("X-Test") == "yes" {
				posted.Add(1)
			}
			w.Write(b)
		case "/chunked":
			w.Write([]byte("part one "))
			w.(http.Flusher).Flush()
			w.Write([]byte("part two"))
		case "/missing":
			http.NotFound(w, r)
		default:
			w.Header().Set("Content-Length", "5")
			w.Write([]byte("hello"))
		}
	}))
	defer srv.Close()
	tests := []struct {
		name   string
		cfg    Config
		status int
		bad    int64 // responses outside 2xx/3xx: Errors.Status
	}{
		{"post with body and header", Config{URL: srv.URL + "/echo", Method: "POST", Body: []byte("payload"), Header: http.Header{"X-Test": {"yes"}}}, 200, 0},
		{"chunked responses", Config{URL: srv.URL + "/chunked"}, 200, 0},
		{"head", Config{URL: srv.URL + "/", Method: "HEAD"}, 200, 0},
		{"not found", Config{URL: srv.URL + "/missing?x=1"}, 404, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.Connections, cfg.Requests, cfg.Timeout = 2, 100, time.Second
			res, err := Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if res.Requests != 100 || res.Status[tt.status] != 100 || res.Errors.Status != tt.bad || res.Errors.Total() != tt.bad {
				t.Fatalf("requests %d, status %v, errors %+v", res.Requests, res.Status, res.Errors)
			}
			if res.Connects != 2 {
				t.Fatalf("connects = %d, want 2 (keep-alive)", res.Connects)
			}
		})
	}
	if posted.Load() != 100 {
		t.Fatalf("server got the body and header right %d times, want 100", posted.Load())
	}
}

func TestRunProgress(t *testing.T) {
	s := newRawServer(t, okResponse).start()
	var mu sync.Mutex
	var seen []int64
	res, err := Run(context.Background(), Config{
		URL: s.URL(), Connections: 1, Duration: 350 * time.Millisecond, ProgressInterval: 50 * time.Millisecond,
		Progress: func(n int64, elapsed time.Duration) {
			mu.Lock()
			seen = append(seen, n)
			mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) < 3 {
		t.Fatalf("progress called %d times in 350ms at 50ms intervals", len(seen))
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] < seen[i-1] {
			t.Fatalf("progress went backwards: %v", seen)
		}
	}
	if last := seen[len(seen)-1]; last == 0 || last > res.Requests {
		t.Fatalf("last progress %d, final %d", last, res.Requests)
	}
}

func TestRunBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want error
	}{
		{"no bound", Config{URL: "http://127.0.0.1:1/"}, ErrNoBound},
		{"ftp", Config{URL: "ftp://127.0.0.1:1/", Requests: 1}, ErrScheme},
		{"relative", Config{URL: "/path", Requests: 1}, ErrBadURL},
		{"garbage", Config{URL: "http://[::1", Requests: 1}, ErrBadURL},
		{"no host", Config{URL: "http:///x", Requests: 1}, ErrBadURL},
		{"header injection", Config{URL: "http://127.0.0.1:1/", Requests: 1, Header: http.Header{"X": {"a\r\nEvil: 1"}}}, ErrBadHeaderValue},
		{"bad header name", Config{URL: "http://127.0.0.1:1/", Requests: 1, Header: http.Header{"Bad Name": {"v"}}}, ErrBadHeaderValue},
		{"bad method", Config{URL: "http://127.0.0.1:1/", Requests: 1, Method: "GET /x"}, ErrBadHeaderValue},
		{"negative conns", Config{URL: "http://127.0.0.1:1/", Requests: 1, Connections: -1}, ErrBadConfig},
		{"pipeline too deep", Config{URL: "http://127.0.0.1:1/", Requests: 1, Pipeline: 5000}, ErrBadConfig},
		{"open loop pipelined", Config{URL: "http://127.0.0.1:1/", Requests: 1, Rate: 10, Pipeline: 4}, ErrBadConfig},
		{"negative rate", Config{URL: "http://127.0.0.1:1/", Requests: 1, Rate: -1}, ErrBadConfig},
		{"negative duration", Config{URL: "http://127.0.0.1:1/", Duration: -time.Second}, ErrBadConfig},
		{"tiny buffer", Config{URL: "http://127.0.0.1:1/", Requests: 1, ReadBuffer: 10}, ErrBadConfig},
		{"empty scenario", Config{URL: "http://127.0.0.1:1/", Requests: 1, Scenario: &Scenario{}}, ErrBadConfig},
		{"scenario leaves host", Config{URL: "http://127.0.0.1:1/", Requests: 1, Scenario: &Scenario{Steps: []Step{{Path: "http://example.com/"}}}}, ErrBadURL},
		{"scenario bad expect", Config{URL: "http://127.0.0.1:1/", Requests: 1, Scenario: &Scenario{Steps: []Step{{Path: "/", Expect: 42}}}}, ErrBadConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Run(context.Background(), tt.cfg)
			if !errors.Is(err, tt.want) || res != nil {
				t.Fatalf("Run = %v, %v; want nil, %v", res, err, tt.want)
			}
		})
	}
}

func TestParseHeader(t *testing.T) {
	tests := []struct {
		line, name, value string
		ok                bool
	}{
		{"Accept: text/plain", "Accept", "text/plain", true},
		{"x-token:abc:def ", "X-Token", "abc:def", true},
		{"NoColon", "", "", false},
		{"Bad Name: v", "", "", false},
		{": v", "", "", false},
	}
	for _, tt := range tests {
		h := http.Header{}
		err := ParseHeader(h, tt.line)
		if (err == nil) != tt.ok {
			t.Errorf("ParseHeader(%q) err = %v, want ok=%v", tt.line, err, tt.ok)
			continue
		}
		if tt.ok && h.Get(tt.name) != tt.value {
			t.Errorf("ParseHeader(%q) gave %v", tt.line, h)
		}
	}
}

func TestAppendRequest(t *testing.T) {
	tgt, err := parseTarget("http://127.0.0.1:8080/a/b?q=1")
	if err != nil {
		t.Fatal(err)
	}
	got := string(appendRequest(nil, "POST", tgt.url, tgt.host, http.Header{"X-B": {"2"}, "X-A": {"1"}, "Host": {"evil"}}, "sid=1", []byte("hi")))
	want := "POST /a/b?q=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: microbench\r\nX-A: 1\r\nX-B: 2\r\nCookie: sid=1\r\nContent-Length: 2\r\n\r\nhi"
	if got != want {
		t.Fatalf("request =\n%q\nwant\n%q", got, want)
	}
	if !strings.HasPrefix(string(appendRequest(nil, "GET", tgt.url, tgt.host, nil, "", nil)), "GET /a/b?q=1 HTTP/1.1\r\n") {
		t.Fatal("GET request line wrong")
	}
}

// TestSteadyStateAllocs drives one worker against the allocation-free
// server and checks that a request/response round trip allocates nothing.
func TestSteadyStateAllocs(t *testing.T) {
	for _, pipeline := range []int{1, 16} {
		s := newRawServer(t, okResponse).start()
		cfg, err := Config{URL: s.URL() + "/plaintext", Connections: 1, Pipeline: pipeline, Duration: time.Hour}.withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		r := &runner{cfg: cfg}
		r.ctx, r.cancel = context.WithCancel(context.Background())
		r.stopCh = r.ctx.Done()
		r.tgt, _ = parseTarget(cfg.URL)
		one := appendRequest(nil, "GET", r.tgt.url, r.tgt.host, nil, "", nil)
		r.one = len(one)
		for range pipeline {
			r.batch = append(r.batch, one...)
		}
		w := newWorker(r, 0)
		r.workers = []*worker{w}
		w.exchange(pipeline, time.Time{}, false) // dial outside the measurement
		allocs := testing.AllocsPerRun(200, func() { w.exchange(pipeline, time.Time{}, false) })
		r.stop()
		w.closeConn()
		if allocs != 0 {
			t.Errorf("pipeline %d: %.2f allocations per batch, want 0", pipeline, allocs)
		}
		if w.errs.Total() != 0 || w.measured.Load() != int64(202*pipeline) { // AllocsPerRun runs f once more to warm up
			t.Errorf("pipeline %d: errors %+v, measured %d", pipeline, w.errs, w.measured.Load())
		}
	}
}
