package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/microframe/microframe/sessionstore"
)

// Limits describes the limits of the store under test, for RunLimits.
type Limits struct {
	// MaxSessionSize is the store's per-session size limit, as configured
	// (zero: sessionstore.DefaultMaxSessionSize; negative: none, which
	// skips the size tests).
	MaxSessionSize int

	// Flood is how many anonymous sessions to create, one after another,
	// to overflow the store's capacity: it must be well above the capacity
	// (two to ten times is right; a store limited by memory may need an
	// estimate). Zero skips the eviction tests. While flooding, one
	// anonymous session is read after every Flood/50 creations, so it
	// must be the least recently used of none of them; the store needs room
	// for at least Flood/50 sessions.
	Flood int
}

// RunLimits runs the contract tests of the per-session size limit and of
// the eviction policy (see sessionstore.Store), each as a subtest with its
// own store from newStore, which must have the limits lim describes.
func RunLimits(t *testing.T, lim Limits, newStore func(t *testing.T) sessionstore.Store) {
	t.Run("SizeLimit", func(t *testing.T) {
		if lim.MaxSessionSize < 0 {
			t.Skip("the store has no size limit")
		}
		testSizeLimit(t, newStore(t), lim.MaxSessionSize)
	})
	t.Run("FloodEvictsAnonymousLRU", func(t *testing.T) {
		if lim.Flood <= 0 {
			t.Skip("Limits.Flood is zero")
		}
		testFlood(t, newStore(t), lim.Flood)
	})
}

// sized returns a session expiring in an hour whose Size is n (n >= 1).
func sized(n int) *sessionstore.Session {
	s := &sessionstore.Session{Expires: time.Now().Add(time.Hour)}
	s.PutString("k", strings.Repeat("x", n-1))
	return s
}

func testSizeLimit(t *testing.T, s sessionstore.Store, limit int) {
	if limit == 0 {
		limit = sessionstore.DefaultMaxSessionSize
	}
	ctx := context.Background()
	if _, err := s.Create(ctx, sized(limit)); err != nil {
		t.Fatalf("Create of a session of exactly the limit (%d bytes): %v", limit, err)
	}
	for _, n := range []int{limit + 1, limit + 1<<20} {
		if id, err := s.Create(ctx, sized(n)); !errors.Is(err, sessionstore.ErrSessionTooLarge) {
			t.Fatalf("Create of %d bytes (limit %d) = %q, %v; want ErrSessionTooLarge", n, limit, id, err)
		}
	}
	id := create(t, s, "k", "small")
	for _, n := range []int{limit + 1, limit + 1<<20} {
		ok, err := s.Update(ctx, id, func(x *sessionstore.Session) error {
			x.PutString("k", strings.Repeat("y", n-1))
			return nil
		})
		if !ok || !errors.Is(err, sessionstore.ErrSessionTooLarge) {
			t.Fatalf("Update to %d bytes (limit %d) = %v, %v; want true, ErrSessionTooLarge", n, limit, ok, err)
		}
		if got := mustGet(t, s, id).GetString("k"); got != "small" {
			t.Fatalf("a refused Update changed the session (value of %d bytes)", len(got))
		}
	}
	update(t, s, id, func(x *sessionstore.Session) error { x.PutString("k", strings.Repeat("z", limit-1)); return nil })
	if got := mustGet(t, s, id).Size(); got != limit {
		t.Fatalf("after an Update to the limit: Size %d, want %d", got, limit)
	}
}

func testFlood(t *testing.T, s sessionstore.Store, flood int) {
	ctx := context.Background()
	// Users who logged in (renewed) before the flood; not touched during it.
	// One was created renewed, as Handle.Renew does for a login without a
	// session.
	born, err := s.Create(ctx, &sessionstore.Session{Expires: time.Now().Add(time.Hour), Renewed: true})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	var users []string
	for i := range 3 {
		id := create(t, s, "user", string(rune('a'+i)))
		newID, ok, err := s.Renew(ctx, id)
		if err != nil || !ok {
			t.Fatalf("Renew = %v, %v", ok, err)
		}
		users = append(users, newID)
	}
	if !mustGet(t, s, born).Renewed {
		t.Fatal("Create lost Renewed")
	}
	regular := create(t, s, "visitor", "regular")
	every := max(1, flood/50)
	ids := make([]string, flood)
	for i := range ids {
		sess := &sessionstore.Session{Expires: time.Now().Add(time.Hour)}
		sess.PutString("flood", strings.Repeat("f", 64))
		id, err := s.Create(ctx, sess)
		if err != nil {
			t.Fatalf("anonymous Create %d of %d failed: %v (a flood must never lock out new visitors)", i+1, flood, err)
		}
		ids[i] = id
		if i%every == 0 {
			if _, ok, err := s.Get(ctx, regular); err != nil || !ok {
				t.Fatalf("after %d creations, a regularly used anonymous session was evicted (ok %v, err %v): eviction is not least-recently-used", i+1, ok, err)
			}
		}
	}
	for i, id := range users {
		sess := mustGet(t, s, id)
		if want := string(rune('a' + i)); sess.GetString("user") != want || !sess.Renewed {
			t.Fatalf("renewed session %d after the flood: user %q, Renewed %v", i, sess.GetString("user"), sess.Renewed)
		}
		update(t, s, id, func(x *sessionstore.Session) error { x.AddInt("visits", 1); return nil })
	}
	if !mustGet(t, s, born).Renewed {
		t.Fatal("a session created renewed was evicted or lost Renewed")
	}
	live := func(part []string) int {
		n := 0
		for _, id := range part {
			if _, ok, err := s.Get(ctx, id); err != nil {
				t.Fatalf("Get: %v", err)
			} else if ok {
				n++
			}
		}
		return n
	}
	tenth := max(1, flood/10)
	oldest, newest, all := live(ids[:tenth]), live(ids[flood-tenth:]), live(ids)
	if all == flood {
		t.Fatalf("no session was evicted: a flood of %d did not fill the store; set Limits.Flood above its capacity", flood)
	}
	if oldest >= newest {
		t.Fatalf("the oldest tenth of the flood kept %d sessions, the newest %d: eviction is not least-recently-used", oldest, newest)
	}
	// A new visitor still gets a session.
	mustGet(t, s, create(t, s, "visitor", "new"))
}
