package conn

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// memConn is an in-memory net.Conn: each Read returns the next chunk sent
// on in; each Write hands its bytes to the receiver of out and waits for
// the receiver's ack before the writer may reuse them. It lets tests and
// benchmarks drive an actor without sockets (and without allocating).
type memConn struct {
	in      chan []byte
	out     chan []byte
	ack     chan struct{}
	pending []byte
	closed  chan struct{}
}

func newMemConn() *memConn {
	return &memConn{in: make(chan []byte, 1), out: make(chan []byte), ack: make(chan struct{}), closed: make(chan struct{})}
}

// recv returns a copy of the next write.
func (m *memConn) recv() []byte {
	b := bytes.Clone(<-m.out)
	m.ack <- struct{}{}
	return b
}

// skip waits for the next write and discards it, without allocating.
func (m *memConn) skip() {
	<-m.out
	m.ack <- struct{}{}
}

func (m *memConn) Read(p []byte) (int, error) {
	if len(m.pending) == 0 {
		select {
		case b, ok := <-m.in:
			if !ok {
				return 0, io.EOF
			}
			m.pending = b
		case <-m.closed:
			return 0, net.ErrClosed
		}
	}
	n := copy(p, m.pending)
	m.pending = m.pending[n:]
	return n, nil
}

func (m *memConn) Write(p []byte) (int, error) {
	select {
	case m.out <- p:
		<-m.ack
		return len(p), nil
	case <-m.closed:
		return 0, net.ErrClosed
	}
}

func (m *memConn) Close() error {
	select {
	case <-m.closed:
	default:
		close(m.closed)
	}
	return nil
}

var memAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}

func (m *memConn) LocalAddr() net.Addr                { return memAddr }
func (m *memConn) RemoteAddr() net.Addr               { return memAddr }
func (m *memConn) SetDeadline(t time.Time) error      { return nil }
func (m *memConn) SetReadDeadline(t time.Time) error  { return nil }
func (m *memConn) SetWriteDeadline(t time.Time) error { return nil }

var quiet = slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))

func hello(x *Ctx) {
	x.SetContentType("text/plain")
	x.WriteString("Hello, World!")
}

// startActor runs a connection actor over a memConn and returns the conn
// and a function that ends it and waits.
func startActor(tb testing.TB, h HandlerFunc) (*memConn, func()) {
	mc := newMemConn()
	cfg := Config{Logger: quiet}.WithDefaults()
	c := New(mc, cfg, h)
	done := make(chan struct{})
	go func() {
		c.Serve()
		close(done)
	}()
	return mc, func() {
		close(mc.in)
		mc.Close()
		<-done
	}
}

const browserGET = "GET /plaintext HTTP/1.1\r\nHost: localhost:8080\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/120.0\r\n" +
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
	"Accept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br\r\n" +
	"Connection: keep-alive\r\nCookie: session=abc123; theme=dark\r\nUpgrade-Insecure-Requests: 1\r\n\r\n"

const shortGET = "GET /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n"

func TestServeOneRequest(t *testing.T) {
	mc, stop := startActor(t, hello)
	defer stop()
	mc.in <- []byte(browserGET)
	got := string(mc.recv())
	for _, want := range []string{"HTTP/1.1 200 OK\r\n", "Content-Type: text/plain\r\n", "Content-Length: 13\r\n", "\r\n\r\nHello, World!"} {
		if !strings.Contains(got, want) {
			t.Errorf("response lacks %q:\n%s", want, got)
		}
	}
}

// TestPipelinedBatchOneWrite: 16 pipelined requests that arrive together
// are answered with a single write.
func TestPipelinedBatchOneWrite(t *testing.T) {
	mc, stop := startActor(t, hello)
	defer stop()
	mc.in <- bytes.Repeat([]byte(shortGET), 16)
	got := mc.recv()
	if n := bytes.Count(got, []byte("HTTP/1.1 200 OK")); n != 16 {
		t.Fatalf("first write carries %d responses, want all 16", n)
	}
}

// TestZeroAllocsPerRequest: once buffers are warm, a keep-alive GET through
// the native path allocates nothing.
func TestZeroAllocsPerRequest(t *testing.T) {
	mc, stop := startActor(t, hello)
	defer stop()
	req := []byte(browserGET)
	allocs := testing.AllocsPerRun(1000, func() {
		mc.in <- req
		mc.skip()
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per request, want 0", allocs)
	}
}

func BenchmarkServeGET(b *testing.B) {
	mc, stop := startActor(b, hello)
	defer stop()
	req := []byte(browserGET)
	b.ReportAllocs()
	b.SetBytes(int64(len(req)))
	for b.Loop() {
		mc.in <- req
		mc.skip()
	}
}

func BenchmarkServePipelined16(b *testing.B) {
	mc, stop := startActor(b, hello)
	defer stop()
	req := bytes.Repeat([]byte(shortGET), 16)
	b.ReportAllocs()
	for b.Loop() {
		mc.in <- req
		mc.skip()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(16*b.N), "ns/request")
}
