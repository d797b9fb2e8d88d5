package engine

import (
	"net"
	"sync"
	"testing"

	"github.com/microframe/microframe/conn"
)

// TestConnSet: the set holds exactly what was added and not removed, from
// many goroutines at once, and forEach's function may remove connections.
func TestConnSet(t *testing.T) {
	cfg := (&conn.Config{}).WithDefaults()
	h := conn.HandlerFunc(func(*conn.Ctx) {})
	cs := make([]*conn.Conn, 1000)
	for i := range cs {
		a, b := net.Pipe()
		defer a.Close()
		defer b.Close()
		cs[i] = conn.New(a, cfg, h)
	}
	var s connSet
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := g; i < len(cs); i += 4 {
				s.add(cs[i])
				if i%3 == 0 {
					s.remove(cs[i])
				}
			}
		})
	}
	wg.Wait()
	seen := map[*conn.Conn]int{}
	s.forEach(func(c *conn.Conn) {
		seen[c]++
		s.remove(c) // as a closed connection's Finished does
	})
	for i, c := range cs {
		want := 1
		if i%3 == 0 {
			want = 0
		}
		if seen[c] != want {
			t.Errorf("connection %d seen %d times, want %d", i, seen[c], want)
		}
	}
	n := 0
	s.forEach(func(*conn.Conn) { n++ })
	if n != 0 {
		t.Errorf("%d connections left after removing all", n)
	}
}
