// Package storetest checks that a sessionstore.Store honours the contract
// documented on that interface. A backend's tests call Run with a function
// that makes a fresh, empty store:
//
//	func TestContract(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) sessionstore.Store {
//			s := redisstore.New(client)
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// The suite needs a store with room for at least 200 sessions. RunLimits
// checks the per-session size limit and, for a store with a small
// capacity, the eviction policy. It uses the
// real clock: two subtests wait for an expiry of a few hundred
// milliseconds, so stores whose expiry is coarse (whole seconds) fail them.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/microframe/microframe/sessionstore"
)

// Run runs the contract tests, each as a subtest with its own store from
// newStore.
func Run(t *testing.T, newStore func(t *testing.T) sessionstore.Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, sessionstore.Store)
	}{
		{"CreateGet", testCreateGet},
		{"CreateNeedsExpiry", testCreateNeedsExpiry},
		{"UnknownAndMalformedIDs", testUnknownIDs},
		{"NoClientChosenIDs", testNoClientChosenIDs},
		{"Update", testUpdate},
		{"UpdateError", testUpdateError},
		{"UpdatePanic", testUpdatePanic},
		{"SnapshotsAreImmutable", testSnapshots},
		{"ExpiredIsNotFound", testExpired},
		{"UpdateCanExpire", testUpdateCanExpire},
		{"ExpiryPassesInTime", testExpiryInTime},
		{"Renew", testRenew},
		{"RenewMarksRenewed", testRenewMarks},
		{"Delete", testDelete},
		{"ConcurrentUpdatesOneSession", testConcurrentSame},
		{"ConcurrentSessions", testConcurrentMany},
		{"ConcurrentRenewAndUpdate", testConcurrentRenew},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newStore(t)) })
	}
}

// create stores a session with the given values that expires in an hour.
func create(t *testing.T, s sessionstore.Store, kv ...string) string {
	t.Helper()
	sess := &sessionstore.Session{Expires: time.Now().Add(time.Hour)}
	for i := 0; i+1 < len(kv); i += 2 {
		sess.PutString(kv[i], kv[i+1])
	}
	id, err := s.Create(context.Background(), sess)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if _, ok := sessionstore.ParseID(id); !ok {
		t.Fatalf("Create returned id %q, not a canonical UUID v4", id)
	}
	return id
}

// mustGet returns the live session under id or fails.
func mustGet(t *testing.T, s sessionstore.Store, id string) *sessionstore.Session {
	t.Helper()
	sess, ok, err := s.Get(context.Background(), id)
	if err != nil || !ok {
		t.Fatalf("Get(%q) = ok %v, err %v; want the session", id, ok, err)
	}
	return sess
}

// mustNotFind checks that id names no session.
func mustNotFind(t *testing.T, s sessionstore.Store, id string) {
	t.Helper()
	sess, ok, err := s.Get(context.Background(), id)
	if err != nil || ok || sess != nil {
		t.Fatalf("Get(%.60q) = %v, ok %v, err %v; want not found, no error", id, sess, ok, err)
	}
}

// update runs Update and reports an error unless it found the session
// without error. It does not stop the test, so goroutines may call it.
func update(t *testing.T, s sessionstore.Store, id string, fn func(*sessionstore.Session) error) {
	t.Helper()
	ok, err := s.Update(context.Background(), id, fn)
	if err != nil || !ok {
		t.Errorf("Update(%q) = ok %v, err %v", id, ok, err)
	}
}

func testCreateGet(t *testing.T, s sessionstore.Store) {
	before := time.Now()
	id := create(t, s, "user", "ada", "empty", "", "bytes", "\x00\xff;=\"")
	if id2 := create(t, s); id2 == id {
		t.Fatalf("two Creates returned the same id %q", id)
	}
	sess := mustGet(t, s, id)
	for k, want := range map[string]string{"user": "ada", "empty": "", "bytes": "\x00\xff;=\""} {
		if got, ok := sess.Lookup(k); !ok || got != want {
			t.Errorf("Lookup(%q) = %q, %v; want %q", k, got, ok, want)
		}
	}
	if sess.Len() != 3 {
		t.Errorf("Len = %d, want 3", sess.Len())
	}
	if sess.Created.Before(before.Add(-time.Second)) || sess.Created.After(time.Now().Add(time.Second)) {
		t.Errorf("Created = %v, want about %v", sess.Created, before)
	}
}

func testCreateNeedsExpiry(t *testing.T, s sessionstore.Store) {
	_, err := s.Create(context.Background(), &sessionstore.Session{})
	if !errors.Is(err, sessionstore.ErrNoExpiry) {
		t.Fatalf("Create without Expires: err = %v, want ErrNoExpiry", err)
	}
}

func testUnknownIDs(t *testing.T, s sessionstore.Store) {
	id := create(t, s, "k", "v")
	fresh, err := sessionstore.NewID()
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{
		fresh, "", "x", strings.ToUpper(id), "{" + id + "}", "urn:uuid:" + id,
		strings.ReplaceAll(id, "-", ""), id + " ", " " + id, id[:35], id + "0",
		"../../etc/passwd", "\x00", strings.Repeat("a", 1<<16),
	} {
		mustNotFind(t, s, bad)
		ok, err := s.Update(context.Background(), bad, func(*sessionstore.Session) error {
			t.Errorf("Update(%.40q) called fn", bad)
			return nil
		})
		if ok || err != nil {
			t.Errorf("Update(%.40q) = ok %v, err %v; want not found", bad, ok, err)
		}
		if newID, ok, err := s.Renew(context.Background(), bad); ok || err != nil || newID != "" {
			t.Errorf("Renew(%.40q) = %q, %v, %v; want not found", bad, newID, ok, err)
		}
		if err := s.Delete(context.Background(), bad); err != nil {
			t.Errorf("Delete(%.40q) = %v", bad, err)
		}
	}
	mustGet(t, s, id) // untouched by all of the above
}

func testNoClientChosenIDs(t *testing.T, s sessionstore.Store) {
	// An id a client invents must never come to exist by being used.
	chosen, err := sessionstore.NewID()
	if err != nil {
		t.Fatal(err)
	}
	_, _ = s.Update(context.Background(), chosen, func(x *sessionstore.Session) error {
		x.PutString("user", "victim")
		return nil
	})
	mustNotFind(t, s, chosen)
	if newID, ok, _ := s.Renew(context.Background(), chosen); ok || newID != "" {
		t.Fatalf("Renew of a client-chosen id issued %q", newID)
	}
	mustNotFind(t, s, chosen)
	for range 50 {
		if id := create(t, s); id == chosen {
			t.Fatal("Create issued the client-chosen id")
		}
	}
}

func testUpdate(t *testing.T, s sessionstore.Store) {
	id := create(t, s, "a", "1", "gone", "x")
	update(t, s, id, func(x *sessionstore.Session) error {
		if x.GetString("a") != "1" {
			t.Errorf("fn saw a=%q, want 1", x.GetString("a"))
		}
		x.PutInt("a", 2)
		x.PutBool("b", true)
		x.Delete("gone")
		return nil
	})
	sess := mustGet(t, s, id)
	if sess.GetInt("a") != 2 || !sess.GetBool("b") || sess.Len() != 2 {
		t.Fatalf("after Update: keys %v, a=%d b=%v", sess.Keys(), sess.GetInt("a"), sess.GetBool("b"))
	}
}

func testUpdateError(t *testing.T, s sessionstore.Store) {
	id := create(t, s, "a", "1")
	boom := errors.New("boom")
	ok, err := s.Update(context.Background(), id, func(x *sessionstore.Session) error {
		x.PutString("a", "changed")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = ok %v, err %v; want the callback's error", ok, err)
	}
	if got := mustGet(t, s, id).GetString("a"); got != "1" {
		t.Fatalf("a failed Update changed a to %q", got)
	}
}

func testUpdatePanic(t *testing.T, s sessionstore.Store) {
	id := create(t, s, "a", "1")
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the panic of fn", r)
			}
		}()
		_, _ = s.Update(context.Background(), id, func(x *sessionstore.Session) error {
			x.PutString("a", "changed")
			panic("boom")
		})
	}()
	done := make(chan struct{})
	go func() {
		defer close(done)
		// The session (and whatever lock guards it) must still be usable.
		update(t, s, id, func(x *sessionstore.Session) error { x.PutString("b", "2"); return nil })
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Update blocked after a panic in a previous fn: lock left held")
	}
	if sess := mustGet(t, s, id); sess.GetString("a") != "1" || sess.GetString("b") != "2" {
		t.Fatalf("after panic: a=%q b=%q, want 1 and 2", sess.GetString("a"), sess.GetString("b"))
	}
}

func testSnapshots(t *testing.T, s sessionstore.Store) {
	id := create(t, s, "a", "1")
	before := mustGet(t, s, id)
	update(t, s, id, func(x *sessionstore.Session) error { x.PutString("a", "2"); x.PutString("b", "3"); return nil })
	if before.GetString("a") != "1" || before.Len() != 1 {
		t.Fatalf("a snapshot from Get changed after Update: keys %v a=%q", before.Keys(), before.GetString("a"))
	}
}

func testExpired(t *testing.T, s sessionstore.Store) {
	id, err := s.Create(context.Background(), &sessionstore.Session{Expires: time.Now().Add(-time.Second)})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	mustNotFind(t, s, id)
	ok, err := s.Update(context.Background(), id, func(*sessionstore.Session) error {
		t.Error("Update called fn for an expired session")
		return nil
	})
	if ok || err != nil {
		t.Fatalf("Update(expired) = %v, %v; want not found", ok, err)
	}
	if _, ok, err := s.Renew(context.Background(), id); ok || err != nil {
		t.Fatalf("Renew(expired) = %v, %v; want not found", ok, err)
	}
}

func testUpdateCanExpire(t *testing.T, s sessionstore.Store) {
	id := create(t, s, "a", "1")
	update(t, s, id, func(x *sessionstore.Session) error { x.Expires = time.Now().Add(-time.Millisecond); return nil })
	mustNotFind(t, s, id)
}

func testExpiryInTime(t *testing.T, s sessionstore.Store) {
	const ttl = 300 * time.Millisecond
	id, err := s.Create(context.Background(), &sessionstore.Session{Expires: time.Now().Add(ttl)})
	if err != nil {
		t.Fatal(err)
	}
	touched := create(t, s)
	update(t, s, touched, func(x *sessionstore.Session) error { x.Expires = time.Now().Add(ttl); return nil })
	time.Sleep(ttl + 200*time.Millisecond)
	mustNotFind(t, s, id)
	mustNotFind(t, s, touched)
}

func testRenew(t *testing.T, s sessionstore.Store) {
	old := create(t, s, "user", "ada")
	created := mustGet(t, s, old).Created
	newID, ok, err := s.Renew(context.Background(), old)
	if err != nil || !ok {
		t.Fatalf("Renew = %q, %v, %v", newID, ok, err)
	}
	if newID == old {
		t.Fatal("Renew kept the id")
	}
	if _, ok := sessionstore.ParseID(newID); !ok {
		t.Fatalf("Renew returned id %q, not a canonical UUID v4", newID)
	}
	mustNotFind(t, s, old)
	if ok, err := s.Update(context.Background(), old, func(*sessionstore.Session) error { return nil }); ok || err != nil {
		t.Fatalf("Update(old id) = %v, %v; want not found", ok, err)
	}
	sess := mustGet(t, s, newID)
	if sess.GetString("user") != "ada" || !sess.Created.Equal(created) {
		t.Fatalf("renewed session: user=%q created=%v; want ada, %v", sess.GetString("user"), sess.Created, created)
	}
}

func testRenewMarks(t *testing.T, s sessionstore.Store) {
	id := create(t, s, "user", "ada")
	if mustGet(t, s, id).Renewed {
		t.Fatal("a new session is marked Renewed")
	}
	newID, ok, err := s.Renew(context.Background(), id)
	if err != nil || !ok {
		t.Fatalf("Renew = %v, %v", ok, err)
	}
	if !mustGet(t, s, newID).Renewed {
		t.Fatal("Renew did not set Renewed")
	}
	update(t, s, newID, func(x *sessionstore.Session) error {
		if !x.Renewed {
			t.Error("Update's fn sees Renewed false on a renewed session")
		}
		x.PutString("more", "data")
		return nil
	})
	if sess := mustGet(t, s, newID); !sess.Renewed || sess.GetString("user") != "ada" {
		t.Fatalf("after Update: Renewed %v, user %q; want true, ada", sess.Renewed, sess.GetString("user"))
	}
	born, err := s.Create(context.Background(), &sessionstore.Session{Expires: time.Now().Add(time.Hour), Renewed: true})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if !mustGet(t, s, born).Renewed {
		t.Fatal("Create of a session with Renewed set lost it")
	}
}

func testDelete(t *testing.T, s sessionstore.Store) {
	id := create(t, s, "a", "1")
	other := create(t, s, "a", "2")
	if err := s.Delete(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	mustNotFind(t, s, id)
	if err := s.Delete(context.Background(), id); err != nil {
		t.Fatalf("second Delete: %v", err)
	}
	if mustGet(t, s, other).GetString("a") != "2" {
		t.Fatal("Delete touched another session")
	}
}

func testConcurrentSame(t *testing.T, s sessionstore.Store) {
	id := create(t, s)
	const workers, each = 50, 100
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				update(t, s, id, func(x *sessionstore.Session) error { x.AddInt("n", 1); return nil })
				_, _, _ = s.Get(context.Background(), id)
			}
		})
	}
	wg.Wait()
	if n := mustGet(t, s, id).GetInt("n"); n != workers*each {
		t.Fatalf("n = %d after %d concurrent increments: updates were lost", n, workers*each)
	}
}

func testConcurrentMany(t *testing.T, s sessionstore.Store) {
	const sessions, each = 100, 30
	ids := make([]string, sessions)
	for i := range ids {
		ids[i] = create(t, s, "owner", fmt.Sprint(i))
	}
	var wg sync.WaitGroup
	for i := range sessions {
		wg.Go(func() {
			for j := range each {
				update(t, s, ids[i], func(x *sessionstore.Session) error { x.AddInt("n", 1); return nil })
				k := (i + j) % sessions
				other, ok, err := s.Get(context.Background(), ids[k])
				if err != nil || !ok {
					t.Errorf("Get(session %d) = %v, %v", k, ok, err)
				} else if want := fmt.Sprint(k); other.GetString("owner") != want {
					t.Errorf("session %d reads owner %q", k, other.GetString("owner"))
				}
			}
		})
	}
	wg.Wait()
	for i, id := range ids {
		if n := mustGet(t, s, id).GetInt("n"); n != each {
			t.Errorf("session %d: n = %d, want %d", i, n, each)
		}
	}
}

func testConcurrentRenew(t *testing.T, s sessionstore.Store) {
	id := create(t, s)
	var applied atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 8 {
		wg.Go(func() {
			<-start
			for range 50 {
				ok, err := s.Update(context.Background(), id, func(x *sessionstore.Session) error {
					x.AddInt("n", 1)
					return nil
				})
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					applied.Add(1)
				}
			}
		})
	}
	var newID string
	wg.Go(func() {
		<-start
		time.Sleep(time.Millisecond)
		var ok bool
		var err error
		if newID, ok, err = s.Renew(context.Background(), id); err != nil || !ok {
			t.Errorf("Renew = %v, %v", ok, err)
		}
	})
	close(start)
	wg.Wait()
	if newID == "" {
		return
	}
	mustNotFind(t, s, id)
	// Every Update that reported success happened before the Renew and
	// moved with the data; every later one found nothing.
	if n := mustGet(t, s, newID).GetInt("n"); n != applied.Load() {
		t.Fatalf("renewed session has n = %d, but %d updates reported success", n, applied.Load())
	}
}
