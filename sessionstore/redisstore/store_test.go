package redisstore_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/microframe/microframe/sessionstore"
	"github.com/microframe/microframe/sessionstore/redisstore"
	"github.com/microframe/microframe/sessionstore/redisstore/redistest"
	"github.com/redis/go-redis/v9"
)

// TestUpdateAcrossInstances is two server instances, each with its own
// client and Store, incrementing one session's counter at the same time:
// no increment may be lost, although each instance's compare-and-set
// keeps losing rounds to the other.
func TestUpdateAcrossInstances(t *testing.T) {
	srv := redistest.Start(t)
	a, b := newStorePair(newClient(t, srv), newClient(t, srv))
	ctx := context.Background()
	id, err := a.Create(ctx, &sessionstore.Session{Expires: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 50 // per instance
	var calls atomic.Int64
	var wg sync.WaitGroup
	for _, s := range []*redisstore.Store{a, b} {
		for range workers {
			wg.Go(func() {
				for range each {
					ok, err := s.Update(ctx, id, func(x *sessionstore.Session) error {
						calls.Add(1)
						x.AddInt("n", 1)
						return nil
					})
					if err != nil || !ok {
						t.Errorf("Update = %v, %v", ok, err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	sess, ok, err := b.Get(ctx, id)
	if err != nil || !ok {
		t.Fatalf("Get = %v, %v", ok, err)
	}
	const want = 2 * workers * each
	if n := sess.GetInt("n"); n != want {
		t.Fatalf("n = %d after %d increments from two instances: updates were lost", n, want)
	}
	t.Logf("%d increments took %d calls of fn (%d compare-and-set rounds lost to the other instance)",
		want, calls.Load(), calls.Load()-want)
}

// TestTTL checks that Redis itself forgets sessions: every key carries a
// time to live that ends at the session's Expires, Update moves it, and
// Renew keeps it.
func TestTTL(t *testing.T) {
	srv := redistest.Start(t)
	client := newClient(t, srv)
	s := redisstore.New(client, redisstore.Options{Prefix: "ttl:"})
	ctx := context.Background()
	pttl := func(id string) time.Duration {
		t.Helper()
		d, err := client.PTTL(ctx, keyOf("ttl:", id)).Result()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	near := func(what string, got, want time.Duration) {
		t.Helper()
		if got > want || got < want-2*time.Second {
			t.Errorf("%s: PTTL = %v, want a little under %v", what, got, want)
		}
	}

	id, err := s.Create(ctx, &sessionstore.Session{Expires: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	near("after Create", pttl(id), time.Hour)

	if _, err := s.Update(ctx, id, func(x *sessionstore.Session) error {
		x.Expires = time.Now().Add(10 * time.Minute)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	near("after Update", pttl(id), 10*time.Minute)

	// A renewed session has no time to live (so that volatile-* eviction
	// policies never pick it); its expiry is in its tag's index instead.
	newID, ok, err := s.Renew(ctx, id)
	if err != nil || !ok {
		t.Fatalf("Renew = %v, %v", ok, err)
	}
	if d := pttl(newID); d != -time.Millisecond && d != -time.Nanosecond {
		t.Errorf("after Renew: PTTL = %v, want none (-1)", d)
	}
	if d := pttl(id); d != -2*time.Nanosecond && d != -2*time.Millisecond && d >= 0 {
		t.Errorf("old key still has PTTL %v after Renew", d)
	}
	index := "ttl:{" + newID[:3] + "}renewed"
	score := func() float64 {
		t.Helper()
		v, err := client.ZScore(ctx, index, newID).Result()
		if err != nil {
			t.Fatalf("ZSCORE %s %s: %v", index, newID, err)
		}
		return v
	}
	indexed := func(what string, want time.Time) {
		t.Helper()
		if got := time.UnixMilli(int64(score())); got.After(want) || got.Before(want.Add(-2*time.Second)) {
			t.Errorf("%s: indexed expiry %v, want about %v", what, got, want)
		}
	}
	indexed("after Renew", time.Now().Add(10*time.Minute))
	if _, err := s.Update(ctx, newID, func(x *sessionstore.Session) error {
		x.Expires = time.Now().Add(20 * time.Minute)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	indexed("after Update", time.Now().Add(20*time.Minute))
	if d := pttl(newID); d != -time.Millisecond && d != -time.Nanosecond {
		t.Errorf("after Update of a renewed session: PTTL = %v, want none (-1)", d)
	}

	// A session that expired before Create is not stored at all.
	if _, err := s.Create(ctx, &sessionstore.Session{Expires: time.Now().Add(-time.Second)}); err != nil {
		t.Fatal(err)
	}
	if n, err := client.DBSize(ctx).Result(); err != nil || n != 2 {
		t.Fatalf("DBSIZE = %d, %v; want 2 (the renewed session and its index)", n, err)
	}
}

// TestSweep: a renewed session that expires is not found at once, and
// Sweep deletes its key and its index entry, leaving live ones alone.
func TestSweep(t *testing.T) {
	t.Run("single", func(t *testing.T) { testSweep(t, newClient(t, redistest.Start(t))) })
	t.Run("cluster", func(t *testing.T) { testSweep(t, newClusterClient(t, redistest.StartCluster(t, 3, 1))) })
}

func testSweep(t *testing.T, client redis.UniversalClient) {
	s := redisstore.New(client, redisstore.Options{Prefix: "sw:", Logger: quiet})
	ctx := context.Background()
	renewed := func(life time.Duration) string {
		t.Helper()
		id, err := s.Create(ctx, &sessionstore.Session{Expires: time.Now().Add(life)})
		if err != nil {
			t.Fatal(err)
		}
		newID, ok, err := s.Renew(ctx, id)
		if err != nil || !ok {
			t.Fatalf("Renew = %v, %v", ok, err)
		}
		return newID
	}
	short, long := renewed(200*time.Millisecond), renewed(time.Hour)
	time.Sleep(300 * time.Millisecond)
	if _, ok, err := s.Get(ctx, short); ok || err != nil {
		t.Fatalf("Get of an expired renewed session = %v, %v; want not found", ok, err)
	}
	if n, err := client.Exists(ctx, keyOf("sw:", short)).Result(); err != nil || n != 1 {
		t.Fatalf("before Sweep the expired key should still exist: %d, %v", n, err)
	}
	n, err := s.Sweep(ctx)
	if err != nil || n != 1 {
		t.Fatalf("Sweep = %d, %v; want 1", n, err)
	}
	if n, err := client.Exists(ctx, keyOf("sw:", short)).Result(); err != nil || n != 0 {
		t.Fatalf("after Sweep the expired key still exists: %d, %v", n, err)
	}
	if _, err := client.ZScore(ctx, "sw:{"+short[:3]+"}renewed", short).Result(); !errors.Is(err, redis.Nil) {
		t.Fatalf("after Sweep the expired session is still indexed: %v", err)
	}
	if _, ok, err := s.Get(ctx, long); !ok || err != nil {
		t.Fatalf("Sweep removed a live renewed session: %v, %v", ok, err)
	}
}

// TestPrefix checks that stores with different prefixes do not see each
// other's sessions and that the keys are where the documentation says.
func TestPrefix(t *testing.T) {
	srv := redistest.Start(t)
	client := newClient(t, srv)
	ctx := context.Background()
	def := redisstore.New(client, redisstore.Options{})
	other := redisstore.New(client, redisstore.Options{Prefix: "app2:"})
	id, err := def.Create(ctx, &sessionstore.Session{Expires: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := client.Exists(ctx, keyOf(redisstore.DefaultPrefix, id)).Result(); err != nil || n != 1 {
		t.Fatalf("EXISTS %s = %d, %v", keyOf(redisstore.DefaultPrefix, id), n, err)
	}
	if _, ok, err := other.Get(ctx, id); ok || err != nil {
		t.Fatalf("a store with another prefix found the session: %v, %v", ok, err)
	}
}

// TestCorruptValue: a value this package did not write is a store failure
// (ErrCorrupt), not a session and not "not found".
func TestCorruptValue(t *testing.T) {
	srv := redistest.Start(t)
	client := newClient(t, srv)
	s := redisstore.New(client, redisstore.Options{Prefix: "c:"})
	ctx := context.Background()
	for _, v := range []string{"", "short", strings.Repeat("x", 16) + "not an encoding"} {
		id, _ := sessionstore.NewID()
		if err := client.Set(ctx, keyOf("c:", id), v, time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
		_, _, err := s.Get(ctx, id)
		if !errors.Is(err, redisstore.ErrCorrupt) {
			t.Errorf("Get of value %q: err = %v, want ErrCorrupt", v, err)
		}
		_, err = s.Update(ctx, id, func(*sessionstore.Session) error {
			t.Error("Update called fn on a corrupt value")
			return nil
		})
		if !errors.Is(err, redisstore.ErrCorrupt) {
			t.Errorf("Update of value %q: err = %v, want ErrCorrupt", v, err)
		}
	}
}

// TestFull: a Redis that has reached maxmemory with the noeviction policy
// refuses new sessions with ErrTooManySessions, and never evicts the
// sessions it has.
func TestFull(t *testing.T) {
	srv := redistest.Start(t, "--maxmemory", "2mb", "--maxmemory-policy", "noeviction")
	s := redisstore.New(newClient(t, srv), redisstore.Options{MaxSessionSize: -1, Logger: quiet})
	ctx := context.Background()
	big := strings.Repeat("x", 64<<10)
	var ids []string
	for i := 0; ; i++ {
		if i == 1000 {
			t.Fatal("a 2 MB Redis took 1000 sessions of 64 KB")
		}
		sess := &sessionstore.Session{Expires: time.Now().Add(time.Hour)}
		sess.PutString("big", big)
		id, err := s.Create(ctx, sess)
		if err != nil {
			if !errors.Is(err, sessionstore.ErrTooManySessions) {
				t.Fatalf("Create in a full Redis: %v, want ErrTooManySessions", err)
			}
			var e *redisstore.Error
			if !errors.As(err, &e) || e.StatusCode() != 503 {
				t.Fatalf("Create in a full Redis: %#v, want an *Error with status 503", err)
			}
			break
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		t.Fatal("no session fitted")
	}
	for _, id := range ids {
		if _, ok, err := s.Get(ctx, id); !ok || err != nil {
			t.Fatalf("a stored session was lost when Redis filled up: %v, %v", ok, err)
		}
	}
}

// TestRedisDown: when Redis cannot be reached every method returns an
// *Error naming the operation, with status 503, and nothing panics; when
// Redis is back the same Store works again.
func TestRedisDown(t *testing.T) {
	srv := redistest.Start(t)
	client := redis.NewClient(&redis.Options{Addr: srv.Addr, DialTimeout: time.Second, MaxRetries: -1})
	t.Cleanup(func() { client.Close() })
	s := redisstore.New(client, redisstore.Options{})
	ctx := context.Background()
	id, err := s.Create(ctx, &sessionstore.Session{Expires: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	srv.Stop()

	tests := []struct {
		op   string
		call func() error
	}{
		{"create", func() error {
			_, err := s.Create(ctx, &sessionstore.Session{Expires: time.Now().Add(time.Hour)})
			return err
		}},
		{"get", func() error { _, _, err := s.Get(ctx, id); return err }},
		{"update", func() error {
			_, err := s.Update(ctx, id, func(*sessionstore.Session) error {
				t.Error("Update called fn while Redis is down")
				return nil
			})
			return err
		}},
		{"renew", func() error { _, _, err := s.Renew(ctx, id); return err }},
		{"delete", func() error { return s.Delete(ctx, id) }},
		{"ping", func() error { return s.Ping(ctx) }},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			err := tt.call()
			var e *redisstore.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want an *Error", err)
			}
			if e.Op != tt.op || e.StatusCode() != 503 {
				t.Errorf("Op %q, StatusCode %d; want %q, 503", e.Op, e.StatusCode(), tt.op)
			}
			if want := "redisstore: " + tt.op + " session: "; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("message %q does not start with %q", err, want)
			}
		})
	}

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, &sessionstore.Session{Expires: time.Now().Add(time.Hour)}); err != nil {
		t.Fatalf("Create after Redis came back: %v", err)
	}
}

// TestContextEnds: an Update waiting for its turn gives up with the
// context's error.
func TestContextEnds(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(newClient(t, srv))
	id, err := s.Create(context.Background(), &sessionstore.Session{Expires: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	inside, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		_, _ = s.Update(context.Background(), id, func(*sessionstore.Session) error {
			close(inside)
			<-release
			return nil
		})
	})
	<-inside
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = s.Update(ctx, id, func(*sessionstore.Session) error { return nil })
	close(release)
	wg.Wait()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Update with an ended context: %v, want DeadlineExceeded", err)
	}
}
