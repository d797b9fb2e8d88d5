package conn

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// fixedRequest returns a GET of exactly size bytes, its path padded.
func fixedRequest(t *testing.T, size int) string {
	t.Helper()
	const shape = "GET /%s HTTP/1.1\r\nHost: a\r\n\r\n"
	pad := size - len(fmt.Sprintf(shape, ""))
	if pad < 1 {
		t.Fatalf("size %d too small", size)
	}
	r := fmt.Sprintf(shape, strings.Repeat("p", pad))
	if len(r) != size {
		t.Fatalf("request is %d bytes, want %d", len(r), size)
	}
	return r
}

// TestReadAfterFullBuffer sends pipelined requests that fill the read
// buffer exactly, plus more that stay in the socket. After answering the
// buffered ones the connection has nothing buffered; it must read the
// rest at once, not wait for a readiness event that will never come (the
// netpoller is edge-triggered, and those bytes raised theirs already).
// Each round after the first waits with the socket drained, which must
// still see the next request.
func TestReadAfterFullBuffer(t *testing.T) {
	client, server := loopbackPair(t)
	defer client.Close()
	// The connection waits for the next request on its goroutine for up
	// to a minute: a wait that misses bytes already there stalls the
	// client past its 5 s deadline instead of ending at the linger.
	cfg := Config{Logger: quiet, ReadBufferSize: 4096,
		BufferReleaseDelay: time.Minute, IdleTimeout: 2 * time.Minute}.WithDefaults()
	c := New(server, cfg, HandlerFunc(func(x *Ctx) { x.Write(x.Path()[:2]) }))
	done := make(chan struct{})
	go func() { defer close(done); c.Serve() }()

	bufCap := cap(getBuf(4096))
	const size = 64
	if bufCap%size != 0 {
		t.Fatalf("buffer class %d is not a multiple of %d", bufCap, size)
	}
	req := fixedRequest(t, size)
	br := bufio.NewReader(client)
	client.SetDeadline(time.Now().Add(5 * time.Second))
	for round := range 3 {
		n := bufCap/size + 3 // a buffer's worth, and three beyond it
		if _, err := io.WriteString(client, strings.Repeat(req, n)); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("round %d, response %d of %d: %v", round, i+1, n, err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		time.Sleep(10 * time.Millisecond) // the connection waits drained
	}
	client.Close()
	<-done
}
