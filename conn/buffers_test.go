package conn

import (
	"bufio"
	"io"
	"net/http"
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

// TestWaitingHoldsNoOutput: a keep-alive connection waiting on its
// goroutine for its next request (BufferReleaseDelay) has given its
// output buffer back already; only the read buffer waits with it.
func TestWaitingHoldsNoOutput(t *testing.T) {
	p, err := OpenPoller()
	if err != nil {
		t.Skip("no poller on this system:", err)
	}
	defer p.Close()
	client, server := loopbackPair(t)
	defer client.Close()
	var wg sync.WaitGroup
	cfg := Config{Logger: quiet, BufferReleaseDelay: time.Minute, Park: &Parking{Poller: p,
		Wake: func(c *Conn) { wg.Add(1); go func() { defer wg.Done(); c.Serve() }() },
	}}.WithDefaults()
	c := New(server, cfg, HandlerFunc(hello))
	wg.Add(1)
	go func() { defer wg.Done(); c.Serve() }()

	io.WriteString(client, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	client.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(client), nil)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body)
	deadline := time.Now().Add(5 * time.Second)
	for c.state.Load()&stateMask != stateIdle {
		if time.Now().After(deadline) {
			t.Fatal("the connection did not go idle after its response")
		}
		time.Sleep(time.Millisecond)
	}
	// The actor set its buffers before the compare-and-swap to idle, and
	// waits in a read now.
	if c.w == nil || c.w.rbuf == nil {
		t.Fatal("the lingering connection holds no read buffer: the test is stale")
	}
	if c.w.out != nil {
		t.Errorf("the lingering connection holds a %d-byte output buffer", cap(c.w.out))
	}
	if !c.CloseIfIdle() { // its compare-and-swap orders the reads above before the actor's end
		t.Error("CloseIfIdle refused a lingering connection")
	}
	wg.Wait()
}
