package redisstore_test

import (
	"context"
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
