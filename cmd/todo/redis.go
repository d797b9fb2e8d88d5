package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/microframe/microframe/sessionstore"
	"github.com/microframe/microframe/sessionstore/redisstore"
	"github.com/redis/go-redis/v9"
)

// redisConfig is the part of the command line about Redis.
type redisConfig struct {
	addrs    string // -redis-addr: one address, a cluster's, or the Sentinels'
	master   string // -redis-master: the Sentinel master name
	replicas int    // -redis-replicas: replicas a write waits for
}

// addRedisFlags registers the Redis flags of c on fl.
func addRedisFlags(fl *flag.FlagSet, c *redisConfig) {
	fl.StringVar(&c.addrs, "redis-addr", "127.0.0.1:6379",
		"for -store redis: Redis host:port; several, comma-separated, for a Redis Cluster; the Sentinels' with -redis-master")
	fl.StringVar(&c.master, "redis-master", "",
		"for -store redis: the master name of a Sentinel group, whose Sentinels -redis-addr lists")
	fl.IntVar(&c.replicas, "redis-replicas", 1,
		"for -store redis: replicas of its master that must have a session write before it is acknowledged (Redis WAIT); 0: none")
}

// addrList splits -redis-addr and checks each address and -redis-replicas,
// so that a mistake is reported before the program listens.
func (c redisConfig) addrList() ([]string, error) {
	var addrs []string
	for a := range strings.SplitSeq(c.addrs, ",") {
		if a = strings.TrimSpace(a); a == "" {
			continue
		}
		if err := checkHostPort("-redis-addr", a); err != nil {
			return nil, err
		}
		addrs = append(addrs, a)
	}
	if len(addrs) == 0 {
		return nil, errors.New("-store redis: -redis-addr is empty")
	}
	if c.replicas < 0 {
		return nil, fmt.Errorf("-redis-replicas %d is negative", c.replicas)
	}
	return addrs, nil
}

// Timeouts of the Redis client and store. A Redis outage should cost a
// request a fraction of a second and a 503, not a pile of retries; a
// failover of a cluster or a Sentinel group (a few seconds) is waited for,
// up to redisFailoverWait.
const (
	redisTimeout      = time.Second
	redisFailoverWait = 4 * time.Second
	redisSweepEvery   = time.Minute
)

// openRedis connects to the Redis deployment c names, checks that it
// answers, and starts sweeping expired renewed sessions. The returned
// function stops the sweeper and closes the client.
func openRedis(ctx context.Context, c redisConfig) (sessionstore.Store, func(), error) {
	addrs, err := c.addrList()
	if err != nil {
		return nil, nil, err
	}
	opts := redisstore.Options{Replicas: c.replicas}
	if c.replicas == 0 {
		opts.Replicas = -1 // never wait
	}
	what := "Redis at " + addrs[0]
	switch {
	case c.master != "":
		what = fmt.Sprintf("Redis master %q through the Sentinels at %s", c.master, strings.Join(addrs, ","))
		opts.RetryFor = redisFailoverWait
	case len(addrs) > 1:
		what = "Redis Cluster at " + strings.Join(addrs, ",")
		opts.RetryFor = redisFailoverWait
	}
	client := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs:         addrs,
		MasterName:    c.master,
		DialTimeout:   redisTimeout,
		ReadTimeout:   redisTimeout,
		WriteTimeout:  redisTimeout,
		MaxRetries:    1,
		DialerRetries: 1,
	})
	store := redisstore.New(client, opts)
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := store.Ping(pctx); err != nil {
		client.Close()
		return nil, nil, fmt.Errorf("-store redis: %s: %w", what, err)
	}
	sweepCtx, stopSweep := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { store.RunSweeper(sweepCtx, redisSweepEvery) })
	return store, func() {
		stopSweep()
		wg.Wait()
		client.Close()
	}, nil
}
