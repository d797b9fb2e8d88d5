package redisstore_test

import (
	"context"
	"log/slog"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/microframe/microframe/sessionstore"
	"github.com/microframe/microframe/sessionstore/redisstore"
	"github.com/microframe/microframe/sessionstore/redisstore/redistest"
	"github.com/redis/go-redis/v9"
)

// TestWaitOnOwningMaster checks that a write waits for the replica of the
// master that owns the session's key, not some other node: with that
// replica frozen, a write takes the wait timeout and is counted
// unreplicated; with it running, writes are counted replicated.
func TestWaitOnOwningMaster(t *testing.T) {
	c := redistest.StartCluster(t, 3, 1)
	const wait = 2 * time.Second // generous: the replicas of a loaded machine must confirm in time
	s := redisstore.New(newClusterClient(t, c), redisstore.Options{WaitTimeout: wait})
	ctx := context.Background()
	id, err := s.Create(ctx, &sessionstore.Session{Expires: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Writes != 1 || st.Replicated != 1 {
		t.Fatalf("after one Create on a healthy cluster: %+v, want 1 write, replicated", st)
	}
	master, err := c.MasterFor(ctx, keyOf(redisstore.DefaultPrefix, id))
	if err != nil {
		t.Fatal(err)
	}
	replica := c.ReplicaOf(ctx, master)
	if replica == nil {
		t.Fatalf("no replica of %s", master.Addr)
	}
	if err := replica.Pause(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = s.Update(ctx, id, func(x *sessionstore.Session) error { x.PutInt("n", 1); return nil })
	took := time.Since(start)
	if rerr := replica.Resume(); rerr != nil {
		t.Fatal(rerr)
	}
	if err != nil {
		t.Fatal(err)
	}
	if took < wait*9/10 {
		t.Errorf("an Update whose master's replica is frozen took %v, less than the %v wait: WAIT went elsewhere", took, wait)
	}
	if st := s.Stats(); st.Writes != 2 || st.Unreplicated != 1 {
		t.Fatalf("after an Update with the replica frozen: %+v, want 2 writes, 1 unreplicated", st)
	}
	if _, err := s.Update(ctx, id, func(x *sessionstore.Session) error { x.PutInt("n", 2); return nil }); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Writes != 3 || st.Replicated != 2 {
		t.Fatalf("after the replica came back: %+v, want 3 writes, 2 replicated", st)
	}
}

// TestClusterFailover is 30 users counting concurrently while the master
// that owns the first user's session is killed (SIGKILL) and the cluster
// promotes its replica: see countThroughKill.
func TestClusterFailover(t *testing.T) {
	c := redistest.StartCluster(t, 3, 1)
	// A generous WaitTimeout: a write the replica did not confirm in time
	// is acknowledged anyway, and lost with the master.
	s := redisstore.New(newClusterClient(t, c), redisstore.Options{RetryFor: 2 * time.Second, WaitTimeout: 2 * time.Second})
	ids := createSessions(t, s, 30)
	victim, err := c.MasterFor(context.Background(), keyOf(redisstore.DefaultPrefix, ids[0]))
	if err != nil {
		t.Fatal(err)
	}
	countThroughKill(t, s, ids, victim.Stop)
}

// TestSentinelFailover is countThroughKill on a Sentinel group: its master
// is killed, a Sentinel promotes the replica, and go-redis follows.
func TestSentinelFailover(t *testing.T) {
	g := redistest.StartSentinelGroup(t, 1, 1)
	client := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: g.MasterName, SentinelAddrs: g.SentinelAddrs,
		DialTimeout: time.Second, ReadTimeout: 3 * time.Second, WriteTimeout: time.Second})
	t.Cleanup(func() { client.Close() })
	s := redisstore.New(client, redisstore.Options{RetryFor: 2 * time.Second, WaitTimeout: 2 * time.Second})
	countThroughKill(t, s, createSessions(t, s, 10), g.Master.Stop)
}

// createSessions creates n sessions in s and returns their ids.
func createSessions(t *testing.T, s *redisstore.Store, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		id, err := s.Create(context.Background(), &sessionstore.Session{Expires: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = id
	}
	return ids
}

// countThroughKill has one user per id count (Update) concurrently for a
// second, calls kill (a SIGKILL of a master), and has them go on for 8
// seconds: no write acknowledged to a user is lost, none is counted that
// was never sent, failures stop within 6 seconds of the kill, every
// session is readable afterwards, and the writes to the promoted master,
// which has no replica, are counted unreplicated.
func countThroughKill(t *testing.T, s *redisstore.Store, ids []string, kill func()) {
	ctx := context.Background()
	type tally struct {
		acked, failed int64
		lastFail      time.Time
	}
	tallies := make([]tally, len(ids))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			tl := &tallies[i]
			for {
				select {
				case <-stop:
					return
				default:
				}
				uctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				ok, err := s.Update(uctx, id, func(x *sessionstore.Session) error { x.AddInt("n", 1); return nil })
				cancel()
				switch {
				case err != nil:
					tl.failed++
					tl.lastFail = time.Now()
					time.Sleep(20 * time.Millisecond)
				case !ok:
					t.Errorf("user %d: session %s not found", i, id)
					return
				default:
					tl.acked++
				}
			}
		})
	}
	time.Sleep(time.Second)
	before := s.Stats()
	kill()
	killed := time.Now()
	time.Sleep(8 * time.Second)
	close(stop)
	wg.Wait()
	after := s.Stats()

	var acked, failed int64
	var lastFail time.Time
	for i, id := range ids {
		tl := tallies[i]
		acked += tl.acked
		failed += tl.failed
		if tl.lastFail.After(lastFail) {
			lastFail = tl.lastFail
		}
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		sess, ok, err := s.Get(rctx, id)
		cancel()
		if err != nil || !ok {
			t.Errorf("user %d: session unreadable after the failover: %v, %v", i, ok, err)
			continue
		}
		// A failed Update may or may not have been applied; an
		// acknowledged one must have been, and nothing else.
		if n := sess.GetInt("n"); n < tl.acked || n > tl.acked+tl.failed {
			t.Errorf("user %d: counter %d after %d acknowledged and %d failed updates", i, n, tl.acked, tl.failed)
		}
	}
	if !lastFail.IsZero() && lastFail.Sub(killed) > 6*time.Second {
		t.Errorf("failures went on %v after the kill", lastFail.Sub(killed).Round(time.Millisecond))
	}
	if after.Unreplicated == before.Unreplicated {
		t.Errorf("no write was counted unreplicated although the promoted master has no replica: %+v", after)
	}
	last := "none"
	if !lastFail.IsZero() {
		last = lastFail.Sub(killed).Round(time.Millisecond).String()
	}
	t.Logf("%d updates acknowledged, %d failed (the last %s after the kill); stats before the kill %+v, after %+v",
		acked, failed, last, before, after)
}

// TestNoReplicaDegraded: a master without replicas is written to without
// waiting (a write does not take the wait timeout), every such write is
// counted unreplicated, and one warning is logged for many writes.
func TestNoReplicaDegraded(t *testing.T) {
	srv := redistest.Start(t)
	var logs lockedBuffer
	s := redisstore.New(newClient(t, srv), redisstore.Options{
		WaitTimeout: 3 * time.Second,
		Logger:      slog.New(slog.NewTextHandler(&logs, nil)),
	})
	ctx := context.Background()
	start := time.Now()
	const writes = 20
	for range writes {
		if _, err := s.Create(ctx, &sessionstore.Session{Expires: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	if took := time.Since(start); took > 1500*time.Millisecond {
		t.Errorf("%d writes to a master without replicas took %v: they waited for replicas", writes, took)
	}
	if st := s.Stats(); st.Writes != writes || st.Unreplicated != writes || st.Replicated != 0 {
		t.Errorf("Stats = %+v, want %d writes, all unreplicated", st, writes)
	}
	if n := strings.Count(logs.String(), "acknowledged by the master alone"); n != 1 {
		t.Errorf("%d warnings for %d unreplicated writes, want 1:\n%s", n, writes, logs.String())
	}
}

// TestReshard moves every slot of one master to another (redis-cli
// --cluster reshard) behind the back of a store whose slot map is then
// stale: writes to the moved sessions get MOVED from their old master,
// and the store follows it (reloading the slot map) without RetryFor.
func TestReshard(t *testing.T) {
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("no redis-cli")
	}
	c := redistest.StartCluster(t, 3, 0)
	s := redisstore.New(newClusterClient(t, c), redisstore.Options{Replicas: -1, Logger: quiet})
	ctx := context.Background()
	ids := createSessions(t, s, 30)
	from, err := c.MasterFor(ctx, keyOf(redisstore.DefaultPrefix, ids[0]))
	if err != nil {
		t.Fatal(err)
	}
	var to *redistest.Server
	for _, n := range c.Nodes {
		if n != from {
			to = n
			break
		}
	}
	nodeID := func(n *redistest.Server) string {
		t.Helper()
		rdb := redis.NewClient(&redis.Options{Addr: n.Addr})
		defer rdb.Close()
		id, err := rdb.ClusterMyID(ctx).Result()
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	rdb := redis.NewClient(&redis.Options{Addr: from.Addr})
	slots, err := rdb.ClusterSlots(ctx).Result()
	rdb.Close()
	if err != nil {
		t.Fatal(err)
	}
	count := 0
	for _, r := range slots {
		if len(r.Nodes) > 0 && r.Nodes[0].Addr == from.Addr {
			count += int(r.End - r.Start + 1)
		}
	}
	out, err := exec.Command(cli, "--cluster", "reshard", from.Addr, "--cluster-from", nodeID(from),
		"--cluster-to", nodeID(to), "--cluster-slots", strconv.Itoa(count), "--cluster-yes").CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli --cluster reshard: %v\n%s", err, out)
	}
	// A Delete first: an Update's read would go through go-redis, which
	// follows MOVED itself and refreshes the slot map before the write.
	if err := s.Delete(ctx, ids[0]); err != nil {
		t.Fatalf("Delete of a session whose slot moved: %v", err)
	}
	if _, ok, err := s.Get(ctx, ids[0]); ok || err != nil {
		t.Fatalf("the deleted session is still there: %v, %v", ok, err)
	}
	if r := s.Stats().Retries; r == 0 {
		t.Fatal("the Delete was not retried: its master had not moved, or MOVED was not followed")
	}
	for i, id := range ids[1:] {
		ok, err := s.Update(ctx, id, func(x *sessionstore.Session) error { x.AddInt("n", 1); return nil })
		if err != nil || !ok {
			t.Fatalf("update of session %d after the reshard = %v, %v", i, ok, err)
		}
		if sess, ok, err := s.Get(ctx, id); err != nil || !ok || sess.GetInt("n") != 1 {
			t.Fatalf("session %d after the reshard: %v, %v", i, ok, err)
		}
	}
	t.Logf("%d slots moved; %d writes retried after MOVED", count, s.Stats().Retries)
}
