package engine

import (
	"testing"

	"github.com/microframe/microframe/conn"
)

// TestReadyQueueFIFO: the ready queue keeps order across growth and
// wrap-around, and reports its length.
func TestReadyQueueFIFO(t *testing.T) {
	var q readyQueue
	cs := make([]*conn.Conn, 3000)
	for i := range cs {
		cs[i] = new(conn.Conn)
	}
	next, out := 0, 0
	for round := range 4 {
		for range 700 * (round + 1) { // push more than is popped: grows while wrapped
			q.push(cs[next%len(cs)])
			next++
		}
		for range 500 {
			if got := q.pop(); got != cs[out%len(cs)] {
				t.Fatalf("round %d: pop %d out of order", round, out)
			}
			out++
		}
		if q.len() != next-out {
			t.Fatalf("len %d, want %d", q.len(), next-out)
		}
	}
	for q.len() > 0 {
		if got := q.pop(); got != cs[out%len(cs)] {
			t.Fatalf("drain: pop %d out of order", out)
		}
		out++
	}
	if q.pop() != nil || q.ring != nil {
		t.Fatalf("empty queue: pop not nil or ring kept (%d)", len(q.ring))
	}
}
