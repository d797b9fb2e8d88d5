package sessionstore

import (
	"sync"
	"sync/atomic"
	"time"
)

// entry is what a MemoryStore's map holds for one id: the current snapshot,
// swapped under the map bucket's lock, and the "used" bit of the CLOCK
// eviction.
type entry struct {
	sess atomic.Pointer[Session]
	used atomic.Bool
}

func newEntry(s *Session) *entry {
	e := &entry{}
	e.sess.Store(s)
	return e
}

// load returns the current snapshot.
func (e *entry) load() *Session { return e.sess.Load() }

// store replaces the snapshot (the caller holds the bucket lock) and counts
// as a use.
func (e *entry) store(s *Session) {
	e.sess.Store(s)
	e.use()
}

// use sets the used bit. It writes only when the bit is clear, so that a
// session read by many requests at once does not bounce its cache line.
func (e *entry) use() {
	if !e.used.Load() {
		e.used.Store(true)
	}
}

// clockQueue holds the ids of never-renewed sessions in the order the
// eviction hand visits them. Ids of sessions that are gone (deleted,
// renewed, expired and swept) stay until the hand or a compaction meets
// them.
type clockQueue struct {
	mu   sync.Mutex
	ids  [][16]byte
	head int // ids[:head] are consumed
}

// queue puts the id of a new never-renewed session at the back of the
// eviction queue. Ids of sessions that are gone pile up in the queue while
// the store is not full (the hand does not run); once they outnumber the
// stored sessions, they are dropped, which keeps the queue within about
// twice the number of sessions at an amortized constant cost per Create.
func (s *MemoryStore) queue(id [16]byte) {
	q := &s.clock
	q.mu.Lock()
	defer q.mu.Unlock()
	q.ids = append(q.ids, id)
	if q.len() > 2*int(s.count.Load())+1024 {
		s.compactLocked()
	}
}

// compactLocked drops the ids of sessions that are gone or renewed from the
// queue; s.clock.mu is held.
func (s *MemoryStore) compactLocked() {
	s.clock.compact(func(id [16]byte) bool {
		e, ok := s.m.Load(id)
		return ok && !e.load().Renewed
	})
}

// reset empties the queue.
func (q *clockQueue) reset() {
	q.mu.Lock()
	q.ids, q.head = nil, 0
	q.mu.Unlock()
}

// len returns the number of queued ids; q.mu is held.
func (q *clockQueue) len() int { return len(q.ids) - q.head }

// pop takes the id at the front; q.mu is held and the queue is not empty.
func (q *clockQueue) pop() [16]byte {
	id := q.ids[q.head]
	q.head++
	if q.head >= 1024 && q.head*2 >= len(q.ids) {
		// Reuse the consumed front half instead of growing forever.
		n := copy(q.ids, q.ids[q.head:])
		q.ids, q.head = q.ids[:n], 0
	}
	return id
}

// compact drops the ids for which keep is false; q.mu is held.
func (q *clockQueue) compact(keep func([16]byte) bool) {
	out := q.ids[:0]
	for _, id := range q.ids[q.head:] {
		if keep(id) {
			out = append(out, id)
		}
	}
	clear(q.ids[len(out):])
	q.ids, q.head = out, 0
}

// evict makes room for one session: it removes one expired or evictable
// session, found by the CLOCK hand (see MemoryStore), and reports whether
// it did. The caller has already counted the session it is making room
// for.
func (s *MemoryStore) evict(now time.Time) bool {
	q := &s.clock
	q.mu.Lock()
	defer q.mu.Unlock()
	// Each queued id is visited at most twice: once to clear its bit, once
	// to evict it. A bound of twice the queue keeps a store that holds
	// only renewed sessions from spinning.
	for budget := 2*q.len() + 1; budget > 0 && q.len() > 0; budget-- {
		id := q.pop()
		e, ok := s.m.Load(id)
		if !ok || e.load().Renewed {
			continue // gone or renewed since it was queued
		}
		expired := e.load().expired(now)
		if !expired && e.used.Swap(false) {
			q.ids = append(q.ids, id) // a second chance
			continue
		}
		if s.deleteIf(id, func(cur *entry) bool {
			// The same session, still not renewed; used since the check
			// above or not, it is the hand's choice now.
			return cur == e && !cur.load().Renewed
		}) {
			if !expired {
				s.evicted.Add(1)
			}
			return true
		}
	}
	return false
}

// MemoryStats are counters of a MemoryStore, from its creation.
type MemoryStats struct {
	// Sessions is the number of stored sessions, as Len.
	Sessions int
	// Evicted counts live never-renewed sessions removed to make room for
	// a new one.
	Evicted uint64
	// Refused counts Creates that failed with ErrTooManySessions because
	// the store was full of renewed sessions.
	Refused uint64
}

// Stats returns the store's counters.
func (s *MemoryStore) Stats() MemoryStats {
	return MemoryStats{Sessions: s.Len(), Evicted: s.evicted.Load(), Refused: s.refused.Load()}
}
