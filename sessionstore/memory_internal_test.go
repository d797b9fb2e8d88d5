package sessionstore

import (
	"context"
	"testing"
	"time"
)

func TestMemoryStoreExpiryWithClock(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock()
	s := newTestStore(t, 0, clock)
	short, _ := s.Create(ctx, &Session{Expires: clock.Now().Add(time.Minute)})
	long, _ := s.Create(ctx, &Session{Expires: clock.Now().Add(time.Hour)})

	clock.Advance(time.Minute - time.Nanosecond)
	if _, ok, _ := s.Get(ctx, short); !ok {
		t.Fatal("session gone before its expiry")
	}
	clock.Advance(time.Nanosecond) // Expires == now: expired
	if _, ok, _ := s.Get(ctx, short); ok {
		t.Fatal("session alive at its expiry")
	}
	if s.Len() != 2 {
		t.Fatalf("Len = %d before the sweep, want 2", s.Len())
	}
	if n := s.Sweep(); n != 1 {
		t.Fatalf("Sweep removed %d, want 1", n)
	}
	if _, ok, _ := s.Get(ctx, long); !ok || s.Len() != 1 {
		t.Fatalf("after Sweep: long alive %v, Len %d", ok, s.Len())
	}
	// Update of an expired session removes it and frees its place.
	clock.Advance(time.Hour)
	if ok, _ := s.Update(ctx, long, func(*Session) error { return nil }); ok || s.Len() != 0 {
		t.Fatalf("Update(expired) = %v, Len %d", ok, s.Len())
	}
}

func TestMemoryStoreSweepRacesUpdate(t *testing.T) {
	// A session whose expiry is extended between the sweeper's scan and
	// its delete must survive: the delete re-checks under the lock.
	ctx := context.Background()
	clock := newFakeClock()
	s := newTestStore(t, 0, clock)
	id, _ := s.Create(ctx, &Session{Expires: clock.Now().Add(time.Second)})
	k, _ := ParseID(id)
	clock.Advance(2 * time.Second)
	s.m.Store(k, newEntry(&Session{Created: clock.Now(), Expires: clock.Now().Add(time.Hour)}))
	now := clock.Now()
	if s.deleteIf(k, func(cur *entry) bool { return cur.load().expired(now) }) {
		t.Fatal("deleteIf removed a live session")
	}
	if _, ok, _ := s.Get(ctx, id); !ok {
		t.Fatal("live session lost")
	}
}

// TestMemoryStoreLockedStepPanics forces Update into its locked second step
// (a concurrent update wins the optimistic race) and panics there: the
// panic must reach the caller, the session stay as the winner left it, and
// the bucket be unlocked.
func TestMemoryStoreLockedStepPanics(t *testing.T) {
	ctx := context.Background()
	// No sweeper and no Close: if the bucket stayed locked, Close would
	// hang instead of letting the test fail.
	s := NewMemoryStore(MemoryOptions{SweepInterval: -1})
	id, _ := s.Create(ctx, &Session{Expires: time.Now().Add(time.Hour)})
	calls := 0
	fn := func(x *Session) error {
		calls++
		if calls == 1 {
			done := make(chan struct{})
			go func() {
				defer close(done)
				_, _ = s.Update(ctx, id, func(y *Session) error { y.PutString("winner", "yes"); return nil })
			}()
			<-done
			x.PutString("loser", "first try")
			return nil
		}
		x.PutString("loser", "second try")
		panic("in the locked step")
	}
	func() {
		defer func() {
			if r := recover(); r != "in the locked step" {
				t.Fatalf("recovered %v", r)
			}
		}()
		_, _ = s.Update(ctx, id, fn)
	}()
	if calls != 2 {
		t.Fatalf("fn ran %d times, want 2", calls)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if ok, err := s.Update(ctx, id, func(*Session) error { return nil }); !ok || err != nil {
			t.Errorf("Update after the panic = %v, %v", ok, err)
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("bucket left locked by a panic in the locked step")
	}
	sess, _, _ := s.Get(ctx, id)
	if sess.GetString("winner") != "yes" || sess.GetString("loser") != "" {
		t.Fatalf("session after the panic: winner %q loser %q", sess.GetString("winner"), sess.GetString("loser"))
	}
}

// TestMemoryStoreLockedStepApplies checks the normal outcome of a lost
// optimistic race: fn runs again on the newer snapshot and both updates
// survive.
func TestMemoryStoreLockedStepApplies(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, 0, nil)
	id, _ := s.Create(ctx, &Session{Expires: time.Now().Add(time.Hour)})
	calls := 0
	ok, err := s.Update(ctx, id, func(x *Session) error {
		calls++
		if calls == 1 {
			done := make(chan struct{})
			go func() {
				defer close(done)
				_, _ = s.Update(ctx, id, func(y *Session) error { y.AddInt("n", 10); return nil })
			}()
			<-done
		}
		x.AddInt("n", 1)
		return nil
	})
	if !ok || err != nil || calls != 2 {
		t.Fatalf("Update = %v, %v after %d calls", ok, err, calls)
	}
	if sess, _, _ := s.Get(ctx, id); sess.GetInt("n") != 11 {
		t.Fatalf("n = %d, want 11", sess.GetInt("n"))
	}
}

func TestMemoryStoreQueueStaysBounded(t *testing.T) {
	// Sessions created and deleted while the store is far from full leave
	// their ids in the eviction queue; the queue must not grow with them.
	ctx := context.Background()
	s := newTestStore(t, 0, nil)
	for range 20_000 {
		id, err := s.Create(ctx, &Session{Expires: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	s.clock.mu.Lock()
	n := s.clock.len()
	s.clock.mu.Unlock()
	if n > 2*s.Len()+1025 {
		t.Fatalf("eviction queue holds %d ids for %d sessions", n, s.Len())
	}
}
