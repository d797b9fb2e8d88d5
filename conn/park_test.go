package conn

import (
	"bufio"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testPoller opens a poller closed when the test ends, or skips the test
// on a system without one.
func testPoller(t *testing.T) Poller {
	t.Helper()
	p, err := OpenPoller()
	if err != nil {
		t.Skip("no poller on this system:", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// parkPair serves one real loopback connection with a Config that parks
// after 5 ms idle; Wake runs Serve on a fresh goroutine. It returns the
// client end, the config and a function that waits for the actor to finish.
func parkPair(t *testing.T, idle time.Duration) (net.Conn, *Conn, *Config, func()) {
	t.Helper()
	p, err := OpenPoller()
	if err != nil {
		t.Skip("no poller on this system:", err)
	}
	client, server := loopbackPair(t)
	var wg sync.WaitGroup
	var finished atomic.Int32
	cfg := Config{Logger: quiet, BufferReleaseDelay: 5 * time.Millisecond, IdleTimeout: idle,
		Park: &Parking{Poller: p,
			Wake: func(c *Conn) { wg.Add(1); go func() { defer wg.Done(); c.Serve() }() },
		},
		Finished: func(*Conn) { finished.Add(1) },
	}.WithDefaults()
	c := New(server, cfg, HandlerFunc(hello))
	if !c.parkable {
		t.Fatal("a TCP connection with a poller is not parkable")
	}
	wg.Add(1)
	go func() { defer wg.Done(); c.Serve() }()
	return client, c, cfg, func() {
		// The client's close wakes a parked actor, which then finishes;
		// only after that may wg.Wait run (a wake calls wg.Add).
		client.Close()
		deadline := time.Now().Add(5 * time.Second)
		for finished.Load() == 0 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if finished.Load() == 0 {
			t.Error("the connection did not finish after its client closed")
			c.Close()
		}
		wg.Wait()
		p.Close()
		if n := finished.Load(); n != 1 {
			t.Errorf("Finished called %d times, want 1", n)
		}
	}
}

// loopbackPair returns both ends of a new loopback TCP connection.
func loopbackPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if client, err = net.Dial("tcp", ln.Addr().String()); err != nil {
		t.Fatal(err)
	}
	if server, err = ln.Accept(); err != nil {
		client.Close()
		t.Fatal(err)
	}
	return client, server
}

func waitCounter(t *testing.T, what string, v *atomic.Int64, want int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for v.Load() != want {
		if time.Now().After(deadline) {
			t.Fatalf("%s = %d, want %d", what, v.Load(), want)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestConnParkWake: the actor parks when idle (its goroutine returns from
// Serve, its buffers and work go back) and answers the next request on
// the goroutine the wake starts, a head split across the park included.
func TestConnParkWake(t *testing.T) {
	client, _, cfg, stop := parkPair(t, time.Minute)
	defer stop()
	br := bufio.NewReader(client)
	client.SetDeadline(time.Now().Add(10 * time.Second))
	for i, parts := range [][]string{{shortGET}, {shortGET[:7], shortGET[7:]}, {shortGET}} {
		for j, part := range parts {
			if j > 0 {
				// Woken by the first part, it parks again in the middle
				// of the head: parked, and counted active, not idle.
				waitCounter(t, "Active", &cfg.Counters.Active, 1)
				waitCounter(t, "Parked", &cfg.Counters.Parked, 1)
			}
			client.Write([]byte(part))
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("request %d: %v", i, err)
		}
		resp.Body.Close()
		waitCounter(t, "Parked", &cfg.Counters.Parked, 1)
	}
	if got := cfg.Counters.Requests.Load(); got != 3 {
		t.Fatalf("%d requests served, want 3", got)
	}
}

// TestConnParkedTimeout: ExpireParked closes a parked connection once its
// idle timeout has passed, and not before.
func TestConnParkedTimeout(t *testing.T) {
	const idle = 100 * time.Millisecond
	client, c, cfg, stop := parkPair(t, idle)
	defer stop()
	client.SetDeadline(time.Now().Add(10 * time.Second))
	client.Write([]byte(shortGET))
	br := bufio.NewReader(client)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	waitCounter(t, "Parked", &cfg.Counters.Parked, 1)
	if c.ExpireParked(time.Now()) {
		t.Fatal("expired before its idle timeout")
	}
	if !c.ExpireParked(time.Now().Add(idle)) {
		t.Fatal("not expired after its idle timeout")
	}
	if _, err := br.ReadByte(); err == nil {
		t.Fatal("connection still open after expiry")
	}
	if cfg.Counters.Parked.Load() != 0 || cfg.Counters.Idle.Load() != 0 {
		t.Fatalf("counters after expiry: parked %d idle %d", cfg.Counters.Parked.Load(), cfg.Counters.Idle.Load())
	}
	if c.ExpireParked(time.Now().Add(idle)) {
		t.Fatal("expired twice")
	}
}
