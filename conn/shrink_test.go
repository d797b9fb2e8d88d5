package conn

import (
	"bufio"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"
)

// TestParkedMidRequestShrinks: a connection that parks in the middle of a
// request (a body being collected, or the rest of a head, after a served
// request whose bytes came in the same packet) holds a read buffer of a
// small class while it is away, not the 4 KiB one it read into; the
// request it then serves sees its head (method, path, query, every
// header) and body intact.
func TestParkedMidRequestShrinks(t *testing.T) {
	p := testPoller(t)
	client, server := loopbackPair(t)
	defer client.Close()
	var wg sync.WaitGroup
	// inspecting orders the test's look at a parked connection before the
	// wake-up its next bytes cause: the socket orders them, but the race
	// detector does not see through the kernel.
	var inspecting sync.Mutex
	cfg := Config{Logger: quiet, Park: &Parking{Poller: p,
		Wake: func(c *Conn) {
			inspecting.Lock()
			inspecting.Unlock()
			wg.Add(1)
			go func() { defer wg.Done(); c.Serve() }()
		},
	}}.WithDefaults()
	c := New(server, cfg, HandlerFunc(func(x *Ctx) {
		b, err := x.ReadBody()
		if err != nil {
			x.SetStatus(400)
		}
		x.SetContentType("text/plain")
		x.WriteString(string(x.Method()) + " " + string(x.Path()) + " " + string(x.Request().RawQuery) + " " +
			string(x.Header("Host")) + " " + string(x.Header("X-Long")) + " " + string(b))
	}))
	wg.Add(1)
	go func() { defer wg.Done(); c.Serve() }()

	br := bufio.NewReader(client)
	// whileParked sends piece, waits for the connection to park in the
	// middle of a request once more, and checks the buffer it parked
	// with (the actor wrote it before the compare-and-swap that parked it,
	// and touches it again only once more bytes come).
	whileParked := func(piece string) {
		t.Helper()
		parks := c.state.Load() / parkStep
		io.WriteString(client, piece)
		deadline := time.Now().Add(5 * time.Second)
		for {
			w := c.state.Load()
			if w&stateMask == stateParkedHead && w/parkStep > parks {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after %q: not parked in the middle of a request (state %#x)", piece, w)
			}
			time.Sleep(time.Millisecond)
		}
		inspecting.Lock()
		defer inspecting.Unlock()
		if n := cap(c.w.rbuf); n >= minBufClass {
			t.Errorf("after %q: parked with a %d-byte read buffer, want a small class", piece, n)
		}
		if c.collecting { // the head is parsed: its fields must have moved with it
			req := &c.x.req
			fields := [][]byte{req.Method, req.Target, req.Path, req.RawQuery, req.Host}
			for _, h := range req.Headers {
				fields = append(fields, h.Name, h.Value)
			}
			for _, f := range fields {
				if !inside(f, c.w.rbuf) {
					t.Errorf("after %q: field %q is not in the read buffer", piece, f)
				}
			}
		}
	}
	answer := func(want string) {
		t.Helper()
		expectBody(t, client, br, want)
	}
	long := strings.Repeat("v", 100)
	whileParked("POST /up?q=1 HTTP/1.1\r\nHost: h\r\nX-Long: " + long + "\r\nContent-Length: 10\r\n\r\nabc")
	whileParked("defg")
	io.WriteString(client, "hij")
	answer("POST /up q=1 h " + long + " abcdefghij")

	// A request served, then half of the next head in the same packet.
	whileParked("GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b?x HTTP/1.1\r\nHost: i\r\nX-Lo")
	answer("GET /a  h  ")
	io.WriteString(client, "ng: w\r\n\r\n")
	answer("GET /b x i w ")

	client.Close()
	deadline := time.Now().Add(5 * time.Second)
	for cfg.Counters.Active.Load()+cfg.Counters.Idle.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	wg.Wait()
}

// TestRebase: fields that point into the old buffer move to the same
// offset in the new one, an empty field there stays non-nil, and nil or
// a field elsewhere is left alone.
func TestRebase(t *testing.T) {
	old := []byte("GET /x HTTP/1.1")
	nb := make([]byte, 32)
	copy(nb, old)
	other := []byte("/")
	if got := rebase(old[4:6], old, nb); &got[0] != &nb[4] || string(got) != "/x" {
		t.Errorf("rebase of old[4:6] = %q at the wrong place", got)
	}
	if got := rebase(old[6:6], old, nb); got == nil || len(got) != 0 {
		t.Errorf("rebase of an empty field = %#v, want empty and non-nil", got)
	}
	if got := rebase(nil, old, nb); got != nil {
		t.Errorf("rebase(nil) = %#v", got)
	}
	if got := rebase(other, old, nb); &got[0] != &other[0] {
		t.Error("a field outside the old buffer was moved")
	}
}

// inside reports whether f lies within buf.
func inside(f, buf []byte) bool {
	p, b := uintptr(unsafe.Pointer(unsafe.SliceData(f))), uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	return p >= b && p+uintptr(len(f)) <= b+uintptr(len(buf))
}

// TestMakeRoomRegrows: a read buffer shrunk for a park grows back to
// ReadBufferSize before the next read, its bytes kept: a client that
// sends much at once must not be read a few hundred bytes at a time.
func TestMakeRoomRegrows(t *testing.T) {
	client, server := loopbackPair(t)
	defer client.Close()
	defer server.Close()
	cfg := Config{Logger: quiet}.WithDefaults()
	c := New(server, cfg, HandlerFunc(func(x *Ctx) {}))
	c.takeWork()
	defer c.putWork()
	small := getSmallBuf(256)
	small = small[:cap(small)]
	copy(small, "GET /partial HT")
	c.w.rbuf, c.w.r0, c.w.r1 = small, 4, 15
	if err := c.makeRoom(); err != nil {
		t.Fatal(err)
	}
	if len(c.w.rbuf) < cfg.ReadBufferSize {
		t.Fatalf("read buffer %d bytes after makeRoom, want at least %d", len(c.w.rbuf), cfg.ReadBufferSize)
	}
	if got := string(c.w.rbuf[c.w.r0:c.w.r1]); got != "/partial HT" {
		t.Fatalf("unread bytes %q after makeRoom, want %q", got, "/partial HT")
	}
}
