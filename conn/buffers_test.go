package conn

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestBufferClasses: getBuf never hands out less than minBufClass,
// getSmallBuf the smallest class that fits (from 256 bytes), and a
// buffer given back is handed out again by its class.
func TestBufferClasses(t *testing.T) {
	for _, tt := range []struct {
		n, big, small int
	}{{1, 4096, 256}, {256, 4096, 256}, {257, 4096, 512}, {3000, 4096, 4096}, {5000, 8192, 8192}} {
		if got := cap(getBuf(tt.n)); got != tt.big {
			t.Errorf("cap(getBuf(%d)) = %d, want %d", tt.n, got, tt.big)
		}
		if got := cap(getSmallBuf(tt.n)); got != tt.small {
			t.Errorf("cap(getSmallBuf(%d)) = %d, want %d", tt.n, got, tt.small)
		}
	}
	if got := cap(getBuf(1 << 20)); got != 1<<20 {
		t.Errorf("cap(getBuf(1 MiB)) = %d", got)
	}
}

// TestWaitingHoldsNoBuffers: a keep-alive connection waiting on its
// goroutine for its next request (BufferReleaseDelay) has given its read
// and output buffers back already; it takes a read buffer again once
// bytes come.
func TestWaitingHoldsNoBuffers(t *testing.T) {
	client, c, wait := lingerPair(t)
	defer wait()
	br := bufio.NewReader(client)
	for i := range 2 {
		ask(t, client, br, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", "Hello, World!")
		waitIdleState(t, c)
		// The actor let go of its buffers before its compare-and-swap to
		// idle, which waitIdleState saw.
		if c.w == nil {
			t.Fatal("the lingering connection holds no work: the test is stale")
		}
		if c.w.rbuf != nil || c.w.out != nil {
			t.Errorf("request %d: the lingering connection holds a %d-byte read and a %d-byte output buffer",
				i, cap(c.w.rbuf), cap(c.w.out))
		}
	}
}

// TestStopLingering: StopLingering makes a connection that waits on its
// goroutine for its next request park at once, and is refused by one
// that is not so waiting; a connection stopped just as its next request
// arrives serves it, body and all, either way.
func TestStopLingering(t *testing.T) {
	client, c, wait := lingerPair(t)
	defer wait()
	br := bufio.NewReader(client)
	ask(t, client, br, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", "Hello, World!")
	waitLingering(t, c)
	if !c.StopLingering() {
		t.Fatal("StopLingering refused a lingering connection")
	}
	deadline := time.Now().Add(5 * time.Second)
	for c.state.Load()&stateMask != stateParked {
		if time.Now().After(deadline) {
			t.Fatal("a stopped connection did not park")
		}
		time.Sleep(time.Millisecond)
	}
	if c.StopLingering() {
		t.Error("StopLingering accepted a parked connection")
	}
	for i := range 20 {
		ask(t, client, br, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", "Hello, World!")
		waitLingering(t, c)
		go c.StopLingering() // races with the next request
		io.WriteString(client, "POST /e HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\nabc")
		time.Sleep(time.Duration(i%3) * time.Millisecond)
		ask(t, client, br, "def", "abcdef")
	}
}

// lingerPair serves a loopback connection that lingers a minute between
// requests (so that it parks only when stopped); its handler echoes a
// request body, or says hello. wait ends it and waits for its goroutines.
func lingerPair(t *testing.T) (net.Conn, *Conn, func()) {
	t.Helper()
	p := testPoller(t)
	client, server := loopbackPair(t)
	var wg sync.WaitGroup
	cfg := Config{Logger: quiet, BufferReleaseDelay: time.Minute, Park: &Parking{Poller: p,
		Wake: func(c *Conn) { wg.Add(1); go func() { defer wg.Done(); c.Serve() }() },
	}}.WithDefaults()
	c := New(server, cfg, HandlerFunc(func(x *Ctx) {
		b, err := x.ReadBody()
		if err != nil {
			x.SetStatus(400)
		}
		if len(b) == 0 {
			hello(x)
			return
		}
		x.Write(b)
	}))
	wg.Add(1)
	go func() { defer wg.Done(); c.Serve() }()
	return client, c, func() {
		c.Close() // its compare-and-swap orders the test's reads of c before the actor's end
		client.Close()
		deadline := time.Now().Add(5 * time.Second)
		for cfg.Counters.Active.Load()+cfg.Counters.Idle.Load() > 0 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		wg.Wait()
	}
}

// ask sends raw and checks the body of the response.
func ask(t *testing.T, client net.Conn, br *bufio.Reader, raw, want string) {
	t.Helper()
	io.WriteString(client, raw)
	expectBody(t, client, br, want)
}

// expectBody reads the next response and checks its body.
func expectBody(t *testing.T, client net.Conn, br *bufio.Reader, want string) {
	t.Helper()
	client.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if string(body) != want {
		t.Fatalf("answered %d %q, want %q", resp.StatusCode, body, want)
	}
}

// waitLingering waits until c waits on its goroutine for its next
// request.
func waitLingering(t *testing.T, c *Conn) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for c.lingering.Load() != lingerWait {
		if time.Now().After(deadline) {
			t.Fatal("the connection is not waiting for its next request")
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// TestIdleReadNoLostWakeUp: a client that sends its next request as soon
// as it has the answer to the last one is served at once, request after
// request, by a connection that waits a minute before it parks. A wait
// that began without looking for bytes first (the readiness of bytes that
// came before it is forgotten) would sleep on them until its deadline;
// with client and server in one process this happened within a few
// thousand requests.
func TestIdleReadNoLostWakeUp(t *testing.T) {
	client, _, wait := lingerPair(t)
	defer wait()
	br := bufio.NewReader(client)
	for range 5000 {
		io.WriteString(client, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
		client.SetReadDeadline(time.Now().Add(2 * time.Second))
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
	}
}

// waitIdleState waits until c waits for its next request (idle).
func waitIdleState(t *testing.T, c *Conn) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for c.state.Load()&stateMask != stateIdle {
		if time.Now().After(deadline) {
			t.Fatal("the connection did not go idle after its response")
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// TestPipelinerKeepsOutput: a client that sends a full read buffer of
// pipelined requests at a time keeps its output buffer from batch to
// batch. Given back after each batch, it started small again and grew by
// appends, allocations each time, for responses larger than its class.
func TestPipelinerKeepsOutput(t *testing.T) {
	mc, stop := startActor(t, hello)
	defer stop()
	const size = 64
	req := fmt.Sprintf("GET /%s HTTP/1.1\r\nHost: a\r\n\r\n", strings.Repeat("p", size-len("GET / HTTP/1.1\r\nHost: a\r\n\r\n")))
	if len(req) != size {
		t.Fatalf("request is %d bytes", len(req))
	}
	batch := []byte(strings.Repeat(req, 2*DefaultReadBufferSize/size)) // two full reads
	allocs := testing.AllocsPerRun(50, func() {
		mc.in <- batch
		mc.skip() // the first read's responses, one write
		mc.skip() // the second's
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per two full batches, want 0", allocs)
	}
}
