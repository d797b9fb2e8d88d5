package conn

import (
	"bufio"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestMidRequestWakeReads: with workers scarce (Linger always 0), a
// connection woken in the middle of a head or a body reads the bytes that
// woke it before it parks again; parking first would wake it again at
// once, and spin for as long as workers stay scarce. Each piece the
// client sends costs about one wake-up, and the handler runs once, with
// the whole body.
func TestMidRequestWakeReads(t *testing.T) {
	p, err := OpenPoller()
	if err != nil {
		t.Skip("no poller on this system:", err)
	}
	defer p.Close()
	client, server := loopbackPair(t)
	defer client.Close()
	var wg sync.WaitGroup
	var wakes, handlers atomic.Int64
	cfg := Config{Logger: quiet, Park: &Parking{Poller: p,
		Wake: func(c *Conn) {
			wakes.Add(1)
			wg.Add(1)
			go func() { defer wg.Done(); c.Serve() }()
		},
		Linger: func() time.Duration { return 0 },
	}}.WithDefaults()
	c := New(server, cfg, HandlerFunc(func(x *Ctx) {
		handlers.Add(1)
		b, err := x.ReadBody()
		if err != nil {
			x.SetStatus(400)
		}
		x.Write(b)
	}))
	wg.Add(1)
	go func() { defer wg.Done(); c.Serve() }()

	pieces := []string{"POST / HTTP/1.1\r\nHost: a\r\n", "Content-Length: 10\r\n\r\n", "abc", "defg", "hij"}
	for _, piece := range pieces {
		io.WriteString(client, piece)
		time.Sleep(20 * time.Millisecond)
		if piece != pieces[len(pieces)-1] && handlers.Load() != 0 {
			t.Fatalf("handler ran before the body was complete (after %q)", piece)
		}
	}
	client.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(client), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "abcdefghij" || handlers.Load() != 1 {
		t.Fatalf("body %q, %d handler runs", body, handlers.Load())
	}
	if n := wakes.Load(); n > int64(2*len(pieces)) {
		t.Errorf("%d wake-ups for %d pieces: the connection parked before reading what woke it", n, len(pieces))
	}
	client.Close()
	deadline := time.Now().Add(5 * time.Second)
	for cfg.Counters.Active.Load()+cfg.Counters.Idle.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	wg.Wait()
}
