package redisstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/microframe/microframe/sessionstore"
	"github.com/microframe/microframe/sessionstore/redisstore"
	"github.com/microframe/microframe/sessionstore/redisstore/redistest"
	"github.com/redis/go-redis/v9"
)

// TestMalformedIDsCostNothing: a cookie that is not a session id (a
// scanner's, a forger's) is turned away before any Redis round trip and
// without allocating. The client points nowhere, so any command would fail.
func TestMalformedIDsCostNothing(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	defer client.Close()
	s := redisstore.New(client, redisstore.Options{})
	ctx := context.Background()
	fn := func(*sessionstore.Session) error { return nil }
	for _, id := range []string{"", "admin", "../../etc/passwd", "01234567-89ab-cdef-0123-456789abcdef"} {
		allocs := testing.AllocsPerRun(100, func() {
			if _, ok, err := s.Get(ctx, id); ok || err != nil {
				t.Fatalf("Get(%q) = %v, %v", id, ok, err)
			}
			if ok, err := s.Update(ctx, id, fn); ok || err != nil {
				t.Fatalf("Update(%q) = %v, %v", id, ok, err)
			}
			if _, ok, err := s.Renew(ctx, id); ok || err != nil {
				t.Fatalf("Renew(%q) = %v, %v", id, ok, err)
			}
			if err := s.Delete(ctx, id); err != nil {
				t.Fatalf("Delete(%q) = %v", id, err)
			}
		})
		if allocs != 0 {
			t.Errorf("%q: %v allocations, want 0", id, allocs)
		}
	}
}

// benchStore returns a store on a fresh redis-server holding one session.
func benchStore(b *testing.B) (*redisstore.Store, string) {
	srv := redistest.Start(b)
	s := newStore(newClient(b, srv))
	sess := &sessionstore.Session{Expires: time.Now().Add(time.Hour)}
	sess.PutString("user", "ada")
	sess.PutInt("counter", 0)
	id, err := s.Create(context.Background(), sess)
	if err != nil {
		b.Fatal(err)
	}
	return s, id
}

// BenchmarkGet is one request's session load: one GET round trip.
//
//	cd sessionstore/redisstore && go test -run '^$' -bench . -benchtime 200ms
func BenchmarkGet(b *testing.B) {
	s, id := benchStore(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, ok, err := s.Get(ctx, id); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkUpdate is one uncontended write: GET, then the
// compare-and-set script.
func BenchmarkUpdate(b *testing.B) {
	s, id := benchStore(b)
	ctx := context.Background()
	fn := func(x *sessionstore.Session) error { x.AddInt("counter", 1); return nil }
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := s.Update(ctx, id, fn); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkUpdateOneSessionParallel is many goroutines writing one
// session: they take turns (the per-process lock), so the cost per update
// stays that of BenchmarkUpdate instead of growing with retries.
func BenchmarkUpdateOneSessionParallel(b *testing.B) {
	s, id := benchStore(b)
	ctx := context.Background()
	fn := func(x *sessionstore.Session) error { x.AddInt("counter", 1); return nil }
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if ok, err := s.Update(ctx, id, fn); !ok || err != nil {
				b.Error(ok, err)
				return
			}
		}
	})
}

// BenchmarkUpdateReplicated is BenchmarkUpdate on a master with one
// replica, without and with waiting for the replica (WAIT 1 in the same
// pipeline as the write): the difference is what no acknowledged write
// lost costs per write.
//
//	cd sessionstore/redisstore && go test -run '^$' -bench UpdateReplicated -benchtime 2s -count 5
func BenchmarkUpdateReplicated(b *testing.B) {
	master := redistest.Start(b)
	host, port, _ := strings.Cut(master.Addr, ":")
	redistest.Start(b, "--replicaof", host, port)
	wctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := master.WaitReplicas(wctx, 1); err != nil {
		b.Fatal(err)
	}
	client := newClient(b, master)
	for _, bm := range []struct {
		name     string
		replicas int
	}{{"no-wait", -1}, {"wait-1", 1}} {
		b.Run(bm.name, func(b *testing.B) {
			s := redisstore.New(client, redisstore.Options{Replicas: bm.replicas, Prefix: bm.name + ":", Logger: quiet})
			ctx := context.Background()
			id, err := s.Create(ctx, &sessionstore.Session{Expires: time.Now().Add(time.Hour)})
			if err != nil {
				b.Fatal(err)
			}
			fn := func(x *sessionstore.Session) error { x.AddInt("counter", 1); return nil }
			b.ReportAllocs()
			for b.Loop() {
				if ok, err := s.Update(ctx, id, fn); !ok || err != nil {
					b.Fatal(ok, err)
				}
			}
			st := s.Stats()
			if bm.replicas > 0 && st.Unreplicated > 0 {
				b.Fatalf("%d of %d writes unreplicated: the replica is not in sync", st.Unreplicated, st.Writes)
			}
		})
	}
}
