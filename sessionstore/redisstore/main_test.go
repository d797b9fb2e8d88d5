package redisstore_test

import (
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/microframe/microframe/sessionstore/redisstore"
	"github.com/microframe/microframe/sessionstore/redisstore/redistest"
	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
)

// IgnoreCurrent: ants (imported through the framework, for the 503 tests)
// starts a default pool in its package init; every goroutine a test starts
// is still checked. tryDial: a go-redis pool probes a dead node (the
// failover tests kill one) once a second, and the probe ends by itself up
// to a second after its client is closed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreCurrent(),
		goleak.IgnoreAnyFunction("github.com/redis/go-redis/v9/internal/pool.(*ConnPool).tryDial"))
}

// newClient returns a go-redis client of srv, closed when the test ends.
func newClient(t testing.TB, srv *redistest.Server) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { c.Close() })
	return c
}

// newClusterClient returns a go-redis client of cluster c, closed when
// the test ends.
func newClusterClient(t testing.TB, c *redistest.Cluster) *redis.ClusterClient {
	t.Helper()
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs})
	t.Cleanup(func() { cc.Close() })
	return cc
}

// keyOf returns the Redis key of session id in a store with prefix, as the
// package documentation gives it.
func keyOf(prefix, id string) string { return prefix + "{" + id[:3] + "}" + id }

// prefixes makes each store's keys distinct, so that stores sharing one
// server start empty.
var prefixes atomic.Int64

// newStore returns a Store on client with a key prefix of its own.
func newStore(client *redis.Client) *redisstore.Store {
	return redisstore.New(client, redisstore.Options{Prefix: fmt.Sprintf("test%d:", prefixes.Add(1)), Logger: quiet})
}

// quiet discards the warnings of stores on a Redis without replicas.
var quiet = slog.New(slog.DiscardHandler)

// newStorePair returns two Stores, on clients a and b, that share a key
// prefix of their own: two server instances sharing one Redis.
func newStorePair(a, b *redis.Client) (*redisstore.Store, *redisstore.Store) {
	opts := redisstore.Options{Prefix: fmt.Sprintf("test%d:", prefixes.Add(1)), Logger: quiet}
	return redisstore.New(a, opts), redisstore.New(b, opts)
}
