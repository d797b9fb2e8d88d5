package engine

import (
	"sync"
	"unsafe"

	"github.com/microframe/microframe/conn"
)

// connSet is the set of the server's open connections, for Shutdown,
// Close and the parked connections' sweep. Every open connection, parked
// ones included, has an entry, so the entry is kept small: a slot of a Go
// map (8 bytes of key and a control byte, about 15 bytes per connection
// with the maps' free slots) in one of connShards shards, each under its
// own mutex so that the accept loop and the goroutines finishing
// connections rarely meet. (An xsync.MapOf entry cost about 42 bytes: a
// node per entry besides its bucket slot.)
//
// add and remove may be called from any goroutine; forEach too, and its
// function may add or remove connections (closing one removes it).
type connSet struct {
	shards [connShards]connShard
}

const connShards = 64 // a power of two

type connShard struct {
	mu sync.Mutex
	m  map[*conn.Conn]struct{}
	_  [64 - 16]byte // a cache line each: shards are locked by different cores
}

// shard returns the shard of c, by a multiplicative hash of its address
// (heap objects do not move).
func (s *connSet) shard(c *conn.Conn) *connShard {
	h := uint64(uintptr(unsafe.Pointer(c))) * 0x9e3779b97f4a7c15
	return &s.shards[h>>(64-6)]
}

// add puts c in the set.
func (s *connSet) add(c *conn.Conn) {
	sh := s.shard(c)
	sh.mu.Lock()
	if sh.m == nil {
		sh.m = make(map[*conn.Conn]struct{})
	}
	sh.m[c] = struct{}{}
	sh.mu.Unlock()
}

// remove takes c out of the set.
func (s *connSet) remove(c *conn.Conn) {
	sh := s.shard(c)
	sh.mu.Lock()
	delete(sh.m, c)
	sh.mu.Unlock()
}

// rangeBufs holds forEach's snapshots of a shard, reused so that the
// periodic sweep allocates nothing.
var rangeBufs = sync.Pool{New: func() any { return new([]*conn.Conn) }}

// forEach calls f for each connection in the set, shard by shard: it
// copies a shard's connections under its lock and calls f without it, so
// f may close connections (which removes them). A connection added or
// removed meanwhile may be seen or not.
func (s *connSet) forEach(f func(*conn.Conn)) {
	bp := rangeBufs.Get().(*[]*conn.Conn)
	for i := range s.shards {
		sh := &s.shards[i]
		b := (*bp)[:0]
		sh.mu.Lock()
		for c := range sh.m {
			b = append(b, c)
		}
		sh.mu.Unlock()
		for _, c := range b {
			f(c)
		}
		clear(b) // the pooled buffer must not keep connections alive
		*bp = b[:0]
	}
	rangeBufs.Put(bp)
}
