package sessionstore_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
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
	storetest.RunLimits(t, storetest.Limits{MaxSessionSize: 512}, func(t *testing.T) sessionstore.Store {
		s := sessionstore.NewMemoryStore(sessionstore.MemoryOptions{MaxSessionSize: 512, SweepInterval: -1})
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestMemoryStoreCap(t *testing.T) {
	ctx := context.Background()
	s := sessionstore.NewMemoryStore(sessionstore.MemoryOptions{MaxSessions: 10, SweepInterval: -1})
	defer s.Close()
	var ids []string
	for range 10 {
		id, err := s.Create(ctx, &sessionstore.Session{Expires: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatalf("Create below the cap: %v", err)
		}
		ids = append(ids, id)
	}
	_, err := s.Create(ctx, &sessionstore.Session{Expires: time.Now().Add(time.Hour)})
	if !errors.Is(err, sessionstore.ErrTooManySessions) {
		t.Fatalf("Create at the cap: err = %v, want ErrTooManySessions", err)
	}
	// Policy: live sessions are never evicted to make room.
	for _, id := range ids {
		if _, ok, _ := s.Get(ctx, id); !ok {
			t.Fatalf("session %s was evicted at the cap", id)
		}
	}
	// Renew does not need a free place.
	if _, ok, err := s.Renew(ctx, ids[0]); !ok || err != nil {
		t.Fatalf("Renew at the cap = %v, %v", ok, err)
	}
	// Deleting one frees one place.
	if err := s.Delete(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, &sessionstore.Session{Expires: time.Now().Add(time.Hour)}); err != nil {
		t.Fatalf("Create after a Delete: %v", err)
	}
	if s.Len() != 10 {
		t.Fatalf("Len = %d, want 10", s.Len())
	}
}

func TestMemoryStoreCapConcurrent(t *testing.T) {
	// Many goroutines racing for the last places never overshoot the cap.
	const max = 100
	s := sessionstore.NewMemoryStore(sessionstore.MemoryOptions{MaxSessions: max, SweepInterval: -1})
	defer s.Close()
	var created, refused atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 20 {
				_, err := s.Create(context.Background(), &sessionstore.Session{Expires: time.Now().Add(time.Hour)})
				switch {
				case err == nil:
					created.Add(1)
				case errors.Is(err, sessionstore.ErrTooManySessions):
					refused.Add(1)
				default:
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if created.Load() != max || refused.Load() != 16*20-max || s.Len() != max {
		t.Fatalf("created %d, refused %d, Len %d; want %d, %d, %d",
			created.Load(), refused.Load(), s.Len(), max, 16*20-max, max)
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
