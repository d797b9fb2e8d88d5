package redisstore_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/microframe/microframe/sessionstore"
	"github.com/microframe/microframe/sessionstore/redisstore"
	"github.com/microframe/microframe/sessionstore/redisstore/redistest"
	"github.com/microframe/microframe/sessionstore/storetest"
	"github.com/redis/go-redis/v9"
)

// TestContract runs the contract every sessionstore.Store must honour
// against a real redis-server.
func TestContract(t *testing.T) {
	srv := redistest.Start(t)
	client := newClient(t, srv)
	storetest.Run(t, func(t *testing.T) sessionstore.Store { return newStore(client) })
}

// TestContractTwoClients runs the contract with every other call going
// through a second client and Store, as two server instances would share
// one Redis.
func TestContractTwoClients(t *testing.T) {
	srv := redistest.Start(t)
	a, b := newClient(t, srv), newClient(t, srv)
	storetest.Run(t, func(t *testing.T) sessionstore.Store {
		sa, sb := newStorePair(a, b)
		return &alternating{stores: [2]sessionstore.Store{sa, sb}}
	})
}

// alternating is a Store that sends each call to the next of its stores.
type alternating struct {
	stores [2]sessionstore.Store
	n      atomic.Uint64
}

func (a *alternating) next() sessionstore.Store { return a.stores[a.n.Add(1)%2] }

func (a *alternating) Create(ctx context.Context, s *sessionstore.Session) (string, error) {
	return a.next().Create(ctx, s)
}

func (a *alternating) Get(ctx context.Context, id string) (*sessionstore.Session, bool, error) {
	return a.next().Get(ctx, id)
}

func (a *alternating) Update(ctx context.Context, id string, fn func(*sessionstore.Session) error) (bool, error) {
	return a.next().Update(ctx, id, fn)
}

func (a *alternating) Renew(ctx context.Context, id string) (string, bool, error) {
	return a.next().Renew(ctx, id)
}

func (a *alternating) Delete(ctx context.Context, id string) error { return a.next().Delete(ctx, id) }

// TestContractCluster runs the contract against a Redis Cluster of three
// masters with a replica each: every key of an operation must be in one
// hash slot, on the node the store sends it to.
func TestContractCluster(t *testing.T) {
	c := redistest.StartCluster(t, 3, 1)
	client := newClusterClient(t, c)
	storetest.Run(t, func(t *testing.T) sessionstore.Store {
		return redisstore.New(client, redisstore.Options{Prefix: fmt.Sprintf("test%d:", prefixes.Add(1))})
	})
}

// TestContractSentinel runs the contract against a master with a replica,
// found through a Sentinel.
func TestContractSentinel(t *testing.T) {
	g := redistest.StartSentinelGroup(t, 1, 1)
	client := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: g.MasterName, SentinelAddrs: g.SentinelAddrs})
	t.Cleanup(func() { client.Close() })
	storetest.Run(t, func(t *testing.T) sessionstore.Store {
		return redisstore.New(client, redisstore.Options{Prefix: fmt.Sprintf("test%d:", prefixes.Add(1))})
	})
}

// TestContractLimits runs the contract's limit tests against a Redis with
// a small maxmemory and the volatile-lfu policy that docs/deploy.md
// prescribes: a flood of anonymous sessions evicts the least used of them,
// never a renewed one, and new visitors still get sessions.
// (volatile-lru fails this test now and then: Redis's LRU clock ticks once
// a second, and the whole flood takes about that long, so the regularly
// read session looks no more recent than the flood.)
func TestContractLimits(t *testing.T) {
	srv := redistest.Start(t, "--maxmemory", "2mb", "--maxmemory-policy", "volatile-lfu")
	client := newClient(t, srv)
	storetest.RunLimits(t, storetest.Limits{Flood: 20000}, func(t *testing.T) sessionstore.Store {
		return newStore(client)
	})
	t.Run("SizeLimitConfigured", func(t *testing.T) {
		storetest.RunLimits(t, storetest.Limits{MaxSessionSize: 100}, func(t *testing.T) sessionstore.Store {
			return redisstore.New(client, redisstore.Options{Prefix: fmt.Sprintf("test%d:", prefixes.Add(1)), MaxSessionSize: 100, Logger: quiet})
		})
	})
}
