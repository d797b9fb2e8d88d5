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
	s.m.Store(k, &Session{Created: clock.Now(), Expires: clock.Now().Add(time.Hour)})
	now := clock.Now()
	if s.deleteIf(k, func(cur *Session) bool { return cur.expired(now) }) {
		t.Fatal("deleteIf removed a live session")
	}
	if _, ok, _ := s.Get(ctx, id); !ok {
		t.Fatal("live session lost")
	}
}
