package sessionstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The benchmarks compare MemoryStore with the two obvious alternatives, a
// map behind a sync.RWMutex and a sync.Map, implementing the same
// semantics (immutable snapshots, copy-on-write updates, expiry checks).
// Only Get and Update are compared: they are what every request does.

// benchStore is the part of Store the benchmarks use.
type benchStore interface {
	Get(ctx context.Context, id string) (*Session, bool, error)
	Update(ctx context.Context, id string, fn func(*Session) error) (bool, error)
}

// mutexStore is a map guarded by one sync.RWMutex.
type mutexStore struct {
	mu sync.RWMutex
	m  map[[16]byte]*Session
}

func (s *mutexStore) Get(_ context.Context, id string) (*Session, bool, error) {
	k, ok := ParseID(id)
	if !ok {
		return nil, false, nil
	}
	s.mu.RLock()
	sess, ok := s.m[k]
	s.mu.RUnlock()
	if !ok || sess.expired(time.Now()) {
		return nil, false, nil
	}
	return sess, true, nil
}

func (s *mutexStore) Update(_ context.Context, id string, fn func(*Session) error) (bool, error) {
	k, ok := ParseID(id)
	if !ok {
		return false, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.m[k]
	if !ok || old.expired(time.Now()) {
		return false, nil
	}
	cp := old.cow()
	if err := fn(cp); err != nil {
		return true, err
	}
	s.m[k] = cp
	return true, nil
}

// syncMapStore is a sync.Map; Update is a compare-and-swap loop.
type syncMapStore struct{ m sync.Map }

func (s *syncMapStore) Get(_ context.Context, id string) (*Session, bool, error) {
	k, ok := ParseID(id)
	if !ok {
		return nil, false, nil
	}
	v, ok := s.m.Load(k)
	if !ok || v.(*Session).expired(time.Now()) {
		return nil, false, nil
	}
	return v.(*Session), true, nil
}

func (s *syncMapStore) Update(_ context.Context, id string, fn func(*Session) error) (bool, error) {
	k, ok := ParseID(id)
	if !ok {
		return false, nil
	}
	for {
		v, ok := s.m.Load(k)
		if !ok || v.(*Session).expired(time.Now()) {
			return false, nil
		}
		cp := v.(*Session).cow()
		if err := fn(cp); err != nil {
			return true, err
		}
		if s.m.CompareAndSwap(k, v, cp) {
			return true, nil
		}
	}
}

// benchSessions is the number of live sessions in each store.
const benchSessions = 10_000

// fillStores creates the same sessions in the three stores.
func fillStores(b *testing.B) (ids []string, stores map[string]benchStore) {
	mem := NewMemoryStore(MemoryOptions{SweepInterval: -1})
	b.Cleanup(func() { mem.Close() })
	mu := &mutexStore{m: make(map[[16]byte]*Session)}
	sm := &syncMapStore{}
	for range benchSessions {
		s := &Session{Created: time.Now(), Expires: time.Now().Add(time.Hour)}
		s.PutString("user", "someone")
		s.PutInt("n", 0)
		id, err := mem.Create(context.Background(), s)
		if err != nil {
			b.Fatal(err)
		}
		k, _ := ParseID(id)
		mu.m[k] = s
		sm.m.Store(k, s)
		ids = append(ids, id)
	}
	return ids, map[string]benchStore{"xsync": mem, "rwmutex": mu, "syncmap": sm}
}

func increment(s *Session) error { s.AddInt("n", 1); return nil }

// BenchmarkStore runs parallel workloads: the percentage is the share of
// Updates among operations on random sessions of 10,000; "hot" has every
// goroutine update one session; "par16" runs 16 goroutines per core.
func BenchmarkStore(b *testing.B) {
	ids, stores := fillStores(b)
	workloads := []struct {
		name       string
		writePct   int
		oneSession bool
		par        int // goroutines per GOMAXPROCS, as many requests in flight
	}{
		{"read100", 0, false, 1},
		{"read90", 10, false, 1},
		{"mixed50", 50, false, 1},
		{"write90", 90, false, 1},
		{"hot-write", 100, true, 1},
		{"read90-par16", 10, false, 16},
		{"mixed50-par16", 50, false, 16},
	}
	for _, w := range workloads {
		for _, name := range []string{"xsync", "rwmutex", "syncmap"} {
			s := stores[name]
			b.Run(fmt.Sprintf("%s/%s", w.name, name), func(b *testing.B) {
				var seed atomic.Uint64
				ctx := context.Background()
				b.ReportAllocs()
				b.SetParallelism(w.par)
				b.RunParallel(func(pb *testing.PB) {
					r := rand.New(rand.NewPCG(seed.Add(1), 42))
					for pb.Next() {
						id := ids[0]
						if !w.oneSession {
							id = ids[r.IntN(len(ids))]
						}
						if r.IntN(100) < w.writePct {
							if ok, _ := s.Update(ctx, id, increment); !ok {
								b.Error("lost a session")
							}
						} else if _, ok, _ := s.Get(ctx, id); !ok {
							b.Error("lost a session")
						}
					}
				})
			})
		}
	}
}

// BenchmarkHandle measures the per-request cost of the Manager: a request
// that never touches its session, one that reads it, one that writes it.
func BenchmarkHandle(b *testing.B) {
	store := NewMemoryStore(MemoryOptions{SweepInterval: -1})
	defer store.Close()
	m := NewManager(store)
	h := m.Load(context.Background(), "")
	_ = h.PutString("user", "ada")
	cookie := h.ID()
	ctx := context.Background()
	b.Run("untouched", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			h := m.Load(ctx, cookie)
			if _, changed, _ := h.Commit(false); changed {
				b.Fatal("changed")
			}
		}
	})
	b.Run("read", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if m.Load(ctx, cookie).GetString("user") != "ada" {
				b.Fatal("lost")
			}
		}
	})
	b.Run("write", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := m.Load(ctx, cookie).AddInt("n", 1); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkMemoryStoreCreate measures Create below the cap and at the cap,
// where every Create first evicts an anonymous session (the flood case),
// one goroutine and in parallel.
func BenchmarkMemoryStoreCreate(b *testing.B) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		full bool
	}{{"room", false}, {"full-evicts", true}} {
		for _, par := range []bool{false, true} {
			name := tc.name
			if par {
				name += "/parallel"
			}
			b.Run(name, func(b *testing.B) {
				max := 10_000
				if !tc.full {
					max = 1 << 30 // never reached
				}
				s := NewMemoryStore(MemoryOptions{MaxSessions: max, SweepInterval: -1})
				defer s.Close()
				if tc.full {
					for range max {
						if _, err := s.Create(ctx, &Session{Expires: time.Now().Add(time.Hour)}); err != nil {
							b.Fatal(err)
						}
					}
				}
				exp := time.Now().Add(time.Hour)
				create := func() {
					if _, err := s.Create(ctx, &Session{Expires: exp}); err != nil {
						b.Error(err)
					}
				}
				b.ReportAllocs()
				b.ResetTimer()
				if par {
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							create()
						}
					})
				} else {
					for b.Loop() {
						create()
					}
				}
				b.StopTimer()
				if tc.full && s.Stats().Evicted == 0 {
					b.Fatal("nothing was evicted")
				}
			})
		}
	}
}
