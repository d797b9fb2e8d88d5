package sessionstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/microframe/microframe/sessionstore"
	"github.com/microframe/microframe/sessionstore/storetest"
)

func TestMemoryStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) sessionstore.Store {
		s := sessionstore.NewMemoryStore(sessionstore.MemoryOptions{SweepInterval: 10 * time.Millisecond})
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestMemoryStoreLimitsContract(t *testing.T) {
	storetest.RunLimits(t, storetest.Limits{MaxSessionSize: 512, Flood: 1000}, func(t *testing.T) sessionstore.Store {
		s := sessionstore.NewMemoryStore(sessionstore.MemoryOptions{MaxSessions: 200, MaxSessionSize: 512, SweepInterval: -1})
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// renewed creates a session and renews it, as a login does.
func renewed(t *testing.T, s sessionstore.Store) string {
	t.Helper()
	id, err := s.Create(context.Background(), &sessionstore.Session{Expires: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	newID, ok, err := s.Renew(context.Background(), id)
	if !ok || err != nil {
		t.Fatalf("Renew = %v, %v", ok, err)
	}
	return newID
}

func TestMemoryStoreCap(t *testing.T) {
	ctx := context.Background()
	s := sessionstore.NewMemoryStore(sessionstore.MemoryOptions{MaxSessions: 10, SweepInterval: -1})
	defer s.Close()
	var users []string
	for range 9 {
		users = append(users, renewed(t, s))
	}
	newSession := func() (string, error) {
		return s.Create(ctx, &sessionstore.Session{Expires: time.Now().Add(time.Hour)})
	}
	// One place left for anonymous sessions: each new one evicts the last.
	prev := ""
	for i := range 5 {
		id, err := newSession()
		if err != nil {
			t.Fatalf("anonymous Create %d: %v", i, err)
		}
		if prev != "" {
			if _, ok, _ := s.Get(ctx, prev); ok {
				t.Fatalf("Create %d: the previous anonymous session was not evicted", i)
			}
		}
		prev = id
	}
	if st := s.Stats(); st.Evicted != 4 || st.Sessions != 10 {
		t.Fatalf("Stats = %+v, want 4 evicted, 10 sessions", st)
	}
	// Renewing the last anonymous one fills the store with renewed
	// sessions: now Create is refused, and nobody was evicted.
	if _, ok, err := s.Renew(ctx, prev); !ok || err != nil {
		t.Fatalf("Renew at the cap = %v, %v", ok, err)
	}
	if _, err := newSession(); !errors.Is(err, sessionstore.ErrTooManySessions) {
		t.Fatalf("Create with only renewed sessions: err = %v, want ErrTooManySessions", err)
	}
	for _, id := range users {
		if _, ok, _ := s.Get(ctx, id); !ok {
			t.Fatalf("renewed session %s was evicted", id)
		}
	}
	if st := s.Stats(); st.Refused != 1 || st.Evicted != 4 {
		t.Fatalf("Stats = %+v, want 1 refused, 4 evicted", st)
	}
	// Deleting one frees one place.
	if err := s.Delete(ctx, users[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := newSession(); err != nil {
		t.Fatalf("Create after a Delete: %v", err)
	}
	if s.Len() != 10 {
		t.Fatalf("Len = %d, want 10", s.Len())
	}
}

func TestMemoryStoreSecondChance(t *testing.T) {
	// A session used since the hand last passed survives; one never used
	// again is evicted first, even if it is younger.
	ctx := context.Background()
	s := sessionstore.NewMemoryStore(sessionstore.MemoryOptions{MaxSessions: 4, SweepInterval: -1})
	defer s.Close()
	ids := make([]string, 4)
	for i := range ids {
		var err error
		if ids[i], err = s.Create(ctx, &sessionstore.Session{Expires: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	// ids[0] and ids[2] are used again (one read, one write).
	if _, ok, _ := s.Get(ctx, ids[0]); !ok {
		t.Fatal("lost ids[0]")
	}
	if ok, err := s.Update(ctx, ids[2], func(x *sessionstore.Session) error { x.PutInt("n", 1); return nil }); !ok || err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := s.Create(ctx, &sessionstore.Session{Expires: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	for i, want := range []bool{true, false, true, false} {
		if _, ok, _ := s.Get(ctx, ids[i]); ok != want {
			t.Errorf("session %d alive %v, want %v", i, ok, want)
		}
	}
}

func TestMemoryStoreEvictsExpiredFirst(t *testing.T) {
	ctx := context.Background()
	s := sessionstore.NewMemoryStore(sessionstore.MemoryOptions{MaxSessions: 2, SweepInterval: -1})
	defer s.Close()
	live, _ := s.Create(ctx, &sessionstore.Session{Expires: time.Now().Add(time.Hour)})
	_, _, _ = s.Get(ctx, live) // used: has a second chance
	if _, err := s.Create(ctx, &sessionstore.Session{Expires: time.Now().Add(-time.Second)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, &sessionstore.Session{Expires: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Get(ctx, live); !ok {
		t.Fatal("a live, used session was evicted while an expired one held a place")
	}
	if st := s.Stats(); st.Evicted != 0 {
		t.Fatalf("removing an expired session counted as an eviction: %+v", st)
	}
}

func TestMemoryStoreCapConcurrent(t *testing.T) {
	// Many goroutines creating at once past the cap: every Create succeeds
	// by evicting, and the store ends exactly at its cap.
	const max = 100
	s := sessionstore.NewMemoryStore(sessionstore.MemoryOptions{MaxSessions: max, SweepInterval: -1})
	defer s.Close()
	users := []string{renewed(t, s), renewed(t, s)}
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 20 {
				id, err := s.Create(context.Background(), &sessionstore.Session{Expires: time.Now().Add(time.Hour)})
				if err != nil {
					t.Error(err)
					continue
				}
				_, _, _ = s.Get(context.Background(), id)
			}
		})
	}
	wg.Wait()
	if st := s.Stats(); st.Sessions != max || st.Evicted != 2+16*20-max || st.Refused != 0 {
		t.Fatalf("Stats = %+v; want %d sessions, %d evicted", st, max, 2+16*20-max)
	}
	for _, id := range users {
		if _, ok, _ := s.Get(context.Background(), id); !ok {
			t.Fatal("a renewed session was evicted")
		}
	}
}

func TestMemoryStoreSweeperFreesPlaces(t *testing.T) {
	ctx := context.Background()
	s := sessionstore.NewMemoryStore(sessionstore.MemoryOptions{MaxSessions: 5, SweepInterval: 5 * time.Millisecond})
	defer s.Close()
	for range 5 {
		if _, err := s.Create(ctx, &sessionstore.Session{Expires: time.Now().Add(20 * time.Millisecond)}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.Len() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("sweeper left %d expired sessions", s.Len())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := s.Create(ctx, &sessionstore.Session{Expires: time.Now().Add(time.Hour)}); err != nil {
		t.Fatalf("Create after the sweep: %v", err)
	}
}

func TestMemoryStoreClose(t *testing.T) {
	ctx := context.Background()
	s := sessionstore.NewMemoryStore(sessionstore.MemoryOptions{SweepInterval: time.Millisecond})
	id, err := s.Create(ctx, &sessionstore.Session{Expires: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	// goleak (TestMain) checks that the sweeper is gone.
	if _, err := s.Create(ctx, &sessionstore.Session{Expires: time.Now().Add(time.Hour)}); !errors.Is(err, sessionstore.ErrClosed) {
		t.Errorf("Create after Close: %v", err)
	}
	if _, _, err := s.Get(ctx, id); !errors.Is(err, sessionstore.ErrClosed) {
		t.Errorf("Get after Close: %v", err)
	}
	if _, err := s.Update(ctx, id, func(*sessionstore.Session) error { return nil }); !errors.Is(err, sessionstore.ErrClosed) {
		t.Errorf("Update after Close: %v", err)
	}
	if _, _, err := s.Renew(ctx, id); !errors.Is(err, sessionstore.ErrClosed) {
		t.Errorf("Renew after Close: %v", err)
	}
	if err := s.Delete(ctx, id); !errors.Is(err, sessionstore.ErrClosed) {
		t.Errorf("Delete after Close: %v", err)
	}
}

func TestMemoryStoreGetAllocs(t *testing.T) {
	ctx := context.Background()
	s := sessionstore.NewMemoryStore(sessionstore.MemoryOptions{SweepInterval: -1})
	defer s.Close()
	id, err := s.Create(ctx, &sessionstore.Session{Expires: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	missing, _ := sessionstore.NewID()
	allocs := testing.AllocsPerRun(1000, func() {
		if _, ok, _ := s.Get(ctx, id); !ok {
			t.Fatal("lost the session")
		}
		if _, ok, _ := s.Get(ctx, missing); ok {
			t.Fatal("found a missing session")
		}
	})
	if allocs != 0 {
		t.Fatalf("Get allocates %v times per call, want 0", allocs)
	}
}

// TestMemoryStorePanicDoesNotBlockBucket checks the guard around fn more
// strictly than the contract suite: after a panic in fn, every session of
// the store (whatever bucket it is in) stays writable.
func TestMemoryStorePanicDoesNotBlockBucket(t *testing.T) {
	ctx := context.Background()
	s := sessionstore.NewMemoryStore(sessionstore.MemoryOptions{SweepInterval: -1})
	defer s.Close()
	ids := make([]string, 200)
	for i := range ids {
		var err error
		if ids[i], err = s.Create(ctx, &sessionstore.Session{Expires: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range ids {
		func() {
			defer func() { _ = recover() }()
			_, _ = s.Update(ctx, id, func(*sessionstore.Session) error { panic(errors.New("handler bug")) })
		}()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, id := range ids {
			if ok, err := s.Update(ctx, id, func(x *sessionstore.Session) error { x.PutInt("n", 1); return nil }); !ok || err != nil {
				t.Errorf("Update after panic = %v, %v", ok, err)
			}
		}
		if _, err := s.Create(ctx, &sessionstore.Session{Expires: time.Now().Add(time.Hour)}); err != nil {
			t.Error(err)
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("store blocked after panics in Update callbacks")
	}
}
