package sessionstore

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/puzpuzpuz/xsync/v3"
)

// MemoryOptions configures NewMemoryStore. The zero value gives the
// defaults.
type MemoryOptions struct {
	// MaxSessions caps the number of stored sessions. When the store is
	// full, Create makes room by evicting a never-renewed session that was
	// not used recently (see MemoryStore); renewed sessions (users who
	// logged in) are never evicted, so a flood of anonymous sessions cannot
	// log anybody out nor lock new visitors out. Create fails with
	// ErrTooManySessions only when every stored session is renewed.
	// Zero or negative means DefaultMaxSessions.
	MaxSessions int
	// SweepInterval is how often a background goroutine removes expired
	// sessions. Zero means DefaultSweepInterval; negative starts no sweeper
	// (call Sweep yourself). Expired sessions are never returned, swept or
	// not.
	SweepInterval time.Duration
	// MaxSessionSize is the per-session size limit in bytes of keys and
	// values ([Session.Size]): Create and Update refuse a larger session
	// with an error matching ErrSessionTooLarge. Zero means
	// DefaultMaxSessionSize; negative means no limit.
	MaxSessionSize int
}

// Defaults of MemoryOptions.
const (
	// DefaultMaxSessions bounds the memory a MemoryStore may use to a few
	// hundred megabytes for small sessions.
	DefaultMaxSessions = 1_000_000
	// DefaultSweepInterval keeps expired sessions around for at most a
	// minute.
	DefaultSweepInterval = time.Minute
)

// MemoryStore is the embedded Store: sessions live in this process's
// memory, in an xsync.MapOf. Reads take no lock at all (Get does not
// allocate); writes lock one small bucket of the map, and only to swap a
// pointer, so sessions in different buckets never wait for each other.
// Stored sessions are immutable snapshots; Update builds a new one
// (copying the values only when fn writes to them) and swaps it in.
//
// # Eviction
//
// When the store holds MaxSessions sessions, Create evicts one
// never-renewed session chosen by the CLOCK ("second chance") algorithm,
// an approximation of least-recently-used: never-renewed sessions wait in
// a queue in creation order, and each carries a bit set by every Get and
// Update. The eviction hand takes the head of the queue: an expired session
// goes at once; one whose bit is set has the bit cleared and goes to the
// back (a second chance); the first one without the bit is evicted. So a
// session is evicted only if it was not used since the hand last passed
// it, and a flood of sessions that are never used again (a client that
// drops its cookie) is evicted oldest first while visitors who come back
// keep theirs. Renewed sessions are not in the queue and are never
// evicted. Gets stay lock-free (they set the bit only when it is clear);
// Create takes the queue's mutex for an append, and an eviction for a few
// steps of the hand. Evictions are counted in Stats.
//
// A MemoryStore must be closed with Close to stop its sweeper.
type MemoryStore struct {
	m     *xsync.MapOf[[16]byte, *entry]
	count atomic.Int64 // stored sessions, including expired ones not yet swept
	max   int64
	size  int // per-session size limit, as for CheckSize

	clock   clockQueue
	evicted atomic.Uint64
	refused atomic.Uint64

	now func() time.Time // tests replace the clock

	closed    atomic.Bool
	closeOnce sync.Once
	stop      chan struct{}
	done      chan struct{}
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore and starts its sweeper.
func NewMemoryStore(opts MemoryOptions) *MemoryStore {
	s := &MemoryStore{
		m:    xsync.NewMapOf[[16]byte, *entry](),
		max:  int64(opts.MaxSessions),
		size: opts.MaxSessionSize,
		now:  time.Now,
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	if s.max <= 0 {
		s.max = DefaultMaxSessions
	}
	interval := opts.SweepInterval
	if interval == 0 {
		interval = DefaultSweepInterval
	}
	if interval < 0 {
		close(s.done)
		return s
	}
	go s.sweeper(interval)
	return s
}

// sweeper calls Sweep every interval until Close.
func (s *MemoryStore) sweeper(interval time.Duration) {
	defer close(s.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.Sweep()
		}
	}
}

// Close stops the sweeper, waits for it to finish and drops every session.
// Later calls of any method return ErrClosed (Close itself returns nil
// again).
func (s *MemoryStore) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		close(s.stop)
		<-s.done
		s.m.Clear()
		s.count.Store(0)
		s.clock.reset()
	})
	return nil
}

// Len returns the number of stored sessions, including expired sessions
// that have not been swept yet.
func (s *MemoryStore) Len() int { return int(s.count.Load()) }

// Sweep removes every expired session now and returns how many it removed.
// The sweeper calls it; it is safe to call at any time.
func (s *MemoryStore) Sweep() int {
	now := s.now()
	removed := 0
	s.m.Range(func(k [16]byte, e *entry) bool {
		if e.load().expired(now) && s.deleteIf(k, func(cur *entry) bool { return cur.load().expired(now) }) {
			removed++
		}
		return true
	})
	return removed
}

// deleteIf removes the session under k if cond holds for its entry, and
// reports whether it did.
func (s *MemoryStore) deleteIf(k [16]byte, cond func(*entry) bool) bool {
	deleted := false
	s.m.Compute(k, func(cur *entry, loaded bool) (*entry, bool) {
		if !loaded {
			return nil, true
		}
		if cond(cur) {
			deleted = true
			return nil, true
		}
		return cur, false
	})
	if deleted {
		s.count.Add(-1)
	}
	return deleted
}

// insert stores sess under a fresh id, and queues it for eviction unless
// it is renewed. The caller has counted it.
func (s *MemoryStore) insert(sess *Session) (string, error) {
	e := newEntry(sess)
	for {
		u, err := uuid.NewRandom()
		if err != nil {
			return "", err
		}
		// A collision of 122 random bits does not happen; if the random
		// source were broken enough to repeat, never overwrite.
		if _, loaded := s.m.LoadOrStore(u, e); !loaded {
			if !sess.Renewed {
				s.queue(u)
			}
			return u.String(), nil
		}
	}
}

// Create implements Store. When the store holds MaxSessions sessions it
// first evicts one never-renewed session (see MemoryStore), and fails with
// ErrTooManySessions if there is none. It fails with ErrNoExpiry when
// sess.Expires is zero, with an error matching ErrSessionTooLarge when sess
// is over MaxSessionSize, and with ErrClosed after Close.
func (s *MemoryStore) Create(_ context.Context, sess *Session) (string, error) {
	if s.closed.Load() {
		return "", ErrClosed
	}
	if sess.Expires.IsZero() {
		return "", ErrNoExpiry
	}
	if err := CheckSize(sess, s.size); err != nil {
		return "", err
	}
	if sess.Created.IsZero() {
		sess.Created = s.now()
	}
	if s.count.Add(1) > s.max && !s.evict(s.now()) {
		s.count.Add(-1)
		s.refused.Add(1)
		return "", ErrTooManySessions
	}
	id, err := s.insert(sess)
	if err != nil {
		s.count.Add(-1)
	}
	return id, err
}

// Get implements Store. It takes no lock and does not allocate.
func (s *MemoryStore) Get(_ context.Context, id string) (*Session, bool, error) {
	if s.closed.Load() {
		return nil, false, ErrClosed
	}
	k, ok := ParseID(id)
	if !ok {
		return nil, false, nil
	}
	e, ok := s.m.Load(k)
	if !ok {
		return nil, false, nil
	}
	sess := e.load()
	if sess.expired(s.now()) {
		return nil, false, nil
	}
	e.use()
	return sess, true, nil
}

// Update implements Store, in two steps. First, optimistically, fn runs
// on a copy of the current snapshot without any lock, and the result is
// swapped in if no other update of the session came in between (the
// common case: the bucket lock is then held only for the swap). If one
// did, fn runs a second time, on a copy of the newer snapshot, while the
// session's map bucket is locked, which cannot lose the race. So fn runs
// once or twice.
//
// A panic in fn leaves the session unchanged and propagates to the caller.
// In the locked step it is recovered inside the lock, so that the bucket is
// released, and re-raised after. (runtime.Goexit in fn, as t.FailNow does,
// cannot be intercepted there and would leave the bucket locked: do not
// call it in fn.)
func (s *MemoryStore) Update(_ context.Context, id string, fn func(*Session) error) (bool, error) {
	if s.closed.Load() {
		return false, ErrClosed
	}
	k, ok := ParseID(id)
	if !ok {
		return false, nil
	}
	now := s.now()
	e, ok := s.m.Load(k)
	if !ok {
		return false, nil
	}
	old := e.load()
	if old.expired(now) {
		s.deleteIf(k, func(cur *entry) bool { return cur.load().expired(now) })
		return false, nil
	}
	cp := old.cow()
	if err := fn(cp); err != nil {
		return true, err
	}
	if err := CheckSize(cp, s.size); err != nil {
		return true, err
	}
	var found, swapped, removed bool
	s.m.Compute(k, func(cur *entry, loaded bool) (*entry, bool) {
		switch {
		case !loaded:
			return nil, true
		case cur != e || cur.load() != old:
			found = true
			return cur, false // lost the race; keep the newer snapshot
		}
		found, swapped = true, true
		if cp.expired(now) {
			removed = true
			return nil, true
		}
		cur.store(cp)
		return cur, false
	})
	if removed {
		s.count.Add(-1)
	}
	if swapped || !found {
		return found, nil
	}
	return s.updateLocked(k, now, fn)
}

// updateLocked is the second step of Update: fn runs on a copy of the
// current snapshot while its bucket is locked.
func (s *MemoryStore) updateLocked(k [16]byte, now time.Time, fn func(*Session) error) (bool, error) {
	var (
		found, removed bool
		fnErr          error
		panicked       bool
		panicVal       any
	)
	s.m.Compute(k, func(e *entry, loaded bool) (*entry, bool) {
		if !loaded {
			return nil, true
		}
		old := e.load()
		if old.expired(now) {
			removed = true
			return nil, true
		}
		found = true
		cp := old.cow()
		fnErr, panicked, panicVal = callGuarded(fn, cp)
		if fnErr == nil && !panicked {
			fnErr = CheckSize(cp, s.size)
		}
		if panicked || fnErr != nil {
			return e, false
		}
		if cp.expired(now) {
			removed = true
			return nil, true
		}
		e.store(cp)
		return e, false
	})
	if removed {
		s.count.Add(-1)
	}
	if panicked {
		panic(panicVal)
	}
	return found, fnErr
}

// callGuarded calls fn(sess) and recovers a panic, so that the caller can
// release its lock before re-raising it.
func callGuarded(fn func(*Session) error, sess *Session) (err error, panicked bool, val any) {
	normal := false
	defer func() {
		if !normal {
			panicked, val = true, recover()
		}
	}()
	err = fn(sess)
	normal = true
	return err, false, nil
}

// Renew implements Store. The old id dies in one step under its bucket
// lock, so every Update of the old id either completed before (and its
// effect moves to the new id) or finds nothing.
func (s *MemoryStore) Renew(_ context.Context, oldID string) (string, bool, error) {
	if s.closed.Load() {
		return "", false, ErrClosed
	}
	k, ok := ParseID(oldID)
	if !ok {
		return "", false, nil
	}
	now := s.now()
	var taken *Session
	removed := false
	s.m.Compute(k, func(e *entry, loaded bool) (*entry, bool) {
		if loaded {
			removed = true
			if old := e.load(); !old.expired(now) {
				taken = old
			}
		}
		return nil, true
	})
	if taken == nil {
		if removed {
			s.count.Add(-1)
		}
		return "", false, nil
	}
	// The session keeps its place in the count under its new id.
	renewed := taken.cow()
	renewed.Renewed = true
	newID, err := s.insert(renewed)
	if err != nil {
		s.count.Add(-1)
		return "", false, err
	}
	return newID, true, nil
}

// Delete implements Store.
func (s *MemoryStore) Delete(_ context.Context, id string) error {
	if s.closed.Load() {
		return ErrClosed
	}
	k, ok := ParseID(id)
	if !ok {
		return nil
	}
	if _, loaded := s.m.LoadAndDelete(k); loaded {
		s.count.Add(-1)
	}
	return nil
}
