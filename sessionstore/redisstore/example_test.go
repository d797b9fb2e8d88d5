package redisstore_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/microframe/microframe/framework"
	"github.com/microframe/microframe/framework/session"
	"github.com/microframe/microframe/sessionstore"
	"github.com/microframe/microframe/sessionstore/redisstore"
	"github.com/redis/go-redis/v9"
)

// A server instance whose sessions live in Redis. Run as many instances as
// you like behind a load balancer, all with the same Redis address: each
// serves every user.
func Example() {
	client := redis.NewClient(&redis.Options{
		Addr: "127.0.0.1:6379",
		// A Redis outage should cost a request a fraction of a second
		// (and a 503), not the default of several retries.
		DialTimeout:  time.Second,
		ReadTimeout:  time.Second,
		WriteTimeout: time.Second,
	})
	defer client.Close()
	store := redisstore.New(client, redisstore.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := store.Ping(ctx); err != nil {
		log.Fatal(err) // redisstore: ping session: dial tcp 127.0.0.1:6379: connect: connection refused
	}

	app := framework.New()
	app.Use(session.Middleware(sessionstore.NewManager(store)))
	app.Get("/counter", func(r *framework.Request) framework.Response {
		n, err := session.From(r).AddInt("counter", 1) // atomic across all instances
		if err != nil {
			return framework.Error(err) // a Redis failure: 503
		}
		return framework.JSON(n)
	})
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", app))
}

// Stores sharing one Redis see the same sessions; a prefix keeps two
// applications apart.
func ExampleNew() {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer client.Close()
	shop := redisstore.New(client, redisstore.Options{Prefix: "shop:session:"})
	blog := redisstore.New(client, redisstore.Options{Prefix: "blog:session:"})
	_, _ = shop, blog
}

// Sessions on a Redis Cluster: the same Store, given the cluster client
// that redis.NewUniversalClient returns for several addresses (with a
// MasterName instead, the client of a Sentinel group's master). Each write
// returns once a replica of its master has it; a failover is waited for,
// up to RetryFor. Renewed sessions have no Redis time to live: sweep them.
func Example_cluster() {
	client := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs:       []string{"10.0.0.5:7000", "10.0.0.6:7000", "10.0.0.7:7000"},
		DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second,
	})
	defer client.Close()
	store := redisstore.New(client, redisstore.Options{RetryFor: 4 * time.Second})
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go store.RunSweeper(ctx, time.Minute)

	app := framework.New()
	app.Use(session.Middleware(sessionstore.NewManager(store)))
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", app))
}

// Writes acknowledged by a master alone (it had no replica, or the replica
// did not confirm in time) are counted; a monitoring endpoint can expose
// the counts.
func ExampleStore_Stats() {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer client.Close()
	store := redisstore.New(client, redisstore.Options{})
	st := store.Stats()
	fmt.Printf("%d of %d session writes had no replica's confirmation\n", st.Unreplicated, st.Writes)
}
