package engine

import (
	"testing"
	"time"

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
			if got, _ := q.pop(); got != cs[out%len(cs)] {
				t.Fatalf("round %d: pop %d out of order", round, out)
			}
			out++
		}
		if q.len() != next-out {
			t.Fatalf("len %d, want %d", q.len(), next-out)
		}
	}
	for q.len() > 0 {
		if got, _ := q.pop(); got != cs[out%len(cs)] {
			t.Fatalf("drain: pop %d out of order", out)
		}
		out++
	}
	if got, _ := q.pop(); got != nil || q.ring != nil {
		t.Fatalf("empty queue: pop not nil or ring kept (%d)", len(q.ring))
	}
}

// TestRunQueuePriority: connections starting a request run before those
// woken in the middle of one, each kind in arrival order; every pop is
// counted in the wait histogram.
func TestRunQueuePriority(t *testing.T) {
	var q runQueue
	mid := []*conn.Conn{new(conn.Conn), new(conn.Conn)}
	start := []*conn.Conn{new(conn.Conn), new(conn.Conn)}
	q.push(mid[0], true)
	q.push(start[0], false)
	q.push(mid[1], true)
	q.push(start[1], false)
	if q.len() != 4 || q.oldest() <= 0 {
		t.Fatalf("len %d, oldest %v", q.len(), q.oldest())
	}
	for i, want := range []*conn.Conn{start[0], start[1], mid[0], mid[1]} {
		if got := q.pop(); got != want {
			t.Fatalf("pop %d: wrong connection", i)
		}
	}
	if q.pop() != nil || q.len() != 0 || q.oldest() != 0 {
		t.Fatal("empty queue not empty")
	}
	var n int64
	for i := range q.wait.cur {
		n += q.wait.cur[i].Load()
	}
	if n != 4 {
		t.Fatalf("%d waits recorded, want 4", n)
	}
}

// TestWaitHistogramP99: the p99 of a closed interval is the upper bound
// of the bucket holding the 99th percentile, and an empty interval
// reports zero.
func TestWaitHistogramP99(t *testing.T) {
	var h waitHistogram
	for range 990 {
		h.record(int64(3 * time.Microsecond)) // bucket [2, 4) µs
	}
	for range 10 {
		h.record(int64(5 * time.Millisecond)) // bucket [4096, 8192) µs
	}
	now := time.Now()
	h.rotate(now)
	if got := time.Duration(h.p99.Load()); got != 4*time.Microsecond {
		t.Fatalf("p99 %v, want 4µs", got)
	}
	h.record(int64(5 * time.Millisecond))
	h.rotate(now.Add(500 * time.Millisecond)) // not a second yet: still open
	if got := time.Duration(h.p99.Load()); got != 4*time.Microsecond {
		t.Fatalf("p99 %v after an early rotate, want 4µs", got)
	}
	h.rotate(now.Add(time.Second))
	if got := time.Duration(h.p99.Load()); got != 8192*time.Microsecond {
		t.Fatalf("p99 %v, want 8.192ms", got)
	}
	h.rotate(now.Add(2 * time.Second))
	if h.p99.Load() != 0 {
		t.Fatalf("p99 of an empty interval %v", time.Duration(h.p99.Load()))
	}
}
