package redisstore_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/microframe/microframe/sessionstore"
	"github.com/microframe/microframe/sessionstore/redisstore/redistest"
	"github.com/microframe/microframe/sessionstore/storetest"
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
