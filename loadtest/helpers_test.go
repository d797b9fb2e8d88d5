package loadtest

import (
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// rawServer is an allocation-free HTTP/1.1 server for tests: it answers
// every request head (GET requests, no body) with the same canned bytes,
// batching the answers to pipelined requests into one write. Because it
// allocates nothing per request, testing.AllocsPerRun measures the load
// generator alone.
type rawServer struct {
	ln       net.Listener
	resp     []byte
	requests atomic.Int64 // request heads seen
	maxBatch atomic.Int64 // most requests seen in one read
	closeAll bool         // close each connection after answering

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

const okResponse = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!"

func newRawServer(t testing.TB, resp string) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{ln: ln, resp: []byte(resp), conns: map[net.Conn]struct{}{}}
	t.Cleanup(s.Close)
	return s
}

// start begins accepting; separate from newRawServer so fields can be set.
func (s *rawServer) start() *rawServer {
	s.wg.Go(s.accept)
	return s
}

func (s *rawServer) URL() string { return "http://" + s.ln.Addr().String() }

func (s *rawServer) accept() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Go(func() { s.serve(c) })
	}
}

func (s *rawServer) serve(c net.Conn) {
	defer func() {
		c.Close()
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}()
	in := make([]byte, 64<<10)
	out := make([]byte, 0, 64<<10)
	state := 0 // how much of "\r\n\r\n" was matched at the end of the last read
	for {
		n, err := c.Read(in)
		if err != nil {
			return
		}
		heads := 0
		for _, b := range in[:n] {
			switch {
			case b == "\r\n\r\n"[state]:
				state++
			case b == '\r':
				state = 1
			default:
				state = 0
			}
			if state == 4 {
				heads++
				state = 0
			}
		}
		if heads == 0 {
			continue
		}
		s.requests.Add(int64(heads))
		for {
			m := s.maxBatch.Load()
			if int64(heads) <= m || s.maxBatch.CompareAndSwap(m, int64(heads)) {
				break
			}
		}
		out = out[:0]
		for range heads {
			out = append(out, s.resp...)
		}
		if _, err := c.Write(out); err != nil || s.closeAll {
			return
		}
	}
}

// Close stops the server and waits for its goroutines.
func (s *rawServer) Close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// countAtLeast returns how many recorded values are at least us.
func countAtLeast(r *Result, us int64) int64 {
	var n int64
	for _, b := range r.Latency.Distribution() {
		if b.From >= us {
			n += b.Count
		}
	}
	return n
}
