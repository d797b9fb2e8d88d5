package redistest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// SentinelGroup is a Redis master with its replicas, watched by Redis
// Sentinel processes (redis-server --sentinel), all on 127.0.0.1. The
// Sentinels call the master dead after a second without answers
// (down-after-milliseconds 1000) and promote a replica.
type SentinelGroup struct {
	// MasterName is the name the Sentinels know the master by.
	MasterName string
	// Master is the master at the start; Replicas replicate it.
	Master   *Server
	Replicas []*Server
	// Sentinels watch them; SentinelAddrs are their addresses, what a
	// redis.FailoverClient needs.
	Sentinels     []*Server
	SentinelAddrs []string
}

// NewSentinelGroup starts a master, replicas replicas of it and sentinels
// Sentinels (quorum: a majority of them), and waits until the replicas are
// in sync and every Sentinel knows them (at most 30 seconds). The caller
// must call Close.
func NewSentinelGroup(replicas, sentinels int) (*SentinelGroup, error) {
	if sentinels < 1 {
		return nil, errors.New("redistest: a Sentinel group needs a Sentinel")
	}
	g := &SentinelGroup{MasterName: "redistest"}
	var err error
	if g.Master, err = New(); err != nil {
		return nil, err
	}
	host, port, _ := strings.Cut(g.Master.Addr, ":")
	for range replicas {
		r, err := New("--replicaof", host, port)
		if err != nil {
			g.Close()
			return nil, err
		}
		g.Replicas = append(g.Replicas, r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := waitReplicas(ctx, g.Master.Addr, replicas); err != nil {
		g.Close()
		return nil, err
	}
	conf := fmt.Sprintf("sentinel monitor %s %s %s %d\n"+
		"sentinel down-after-milliseconds %[1]s 1000\n"+
		"sentinel failover-timeout %[1]s 5000\n", g.MasterName, host, port, sentinels/2+1)
	for range sentinels {
		s, err := newServer(func(dir string) ([]string, error) {
			p := filepath.Join(dir, "sentinel.conf")
			return []string{p, "--sentinel"}, os.WriteFile(p, []byte(conf), 0o600)
		}, nil)
		if err != nil {
			g.Close()
			return nil, err
		}
		g.Sentinels = append(g.Sentinels, s)
		g.SentinelAddrs = append(g.SentinelAddrs, s.Addr)
	}
	for _, s := range g.Sentinels {
		sc := redis.NewSentinelClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
		for {
			m, err := sc.Master(ctx, g.MasterName).Result()
			if err == nil && m["num-slaves"] == strconv.Itoa(replicas) {
				sc.Close()
				break
			}
			if ctx.Err() != nil {
				sc.Close()
				g.Close()
				return nil, fmt.Errorf("redistest: Sentinel %s does not know the %d replicas: %v", s.Addr, replicas, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return g, nil
}

// StartSentinelGroup is NewSentinelGroup for tests, with Start's rules for
// a missing binary; the group is closed when the test ends.
func StartSentinelGroup(tb testing.TB, replicas, sentinels int) *SentinelGroup {
	tb.Helper()
	g, err := NewSentinelGroup(replicas, sentinels)
	return started(tb, g, err)
}

// Close stops every process of the group and removes their directories.
func (g *SentinelGroup) Close() {
	for _, s := range g.Sentinels {
		s.Close()
	}
	for _, s := range g.Replicas {
		s.Close()
	}
	if g.Master != nil {
		g.Master.Close()
	}
}

// WaitReplicas waits until s, a master, has n replicas online (synced and
// connected), or ctx ends.
func (s *Server) WaitReplicas(ctx context.Context, n int) error { return waitReplicas(ctx, s.Addr, n) }

// waitReplicas waits until the master at addr has n replicas online.
func waitReplicas(ctx context.Context, addr string, n int) error {
	err := poll(ctx, func() error {
		out, err := command(ctx, addr, "info", "replication")
		if err == nil && strings.Count(out, "state=online") < n {
			err = fmt.Errorf("%d replicas online", strings.Count(out, "state=online"))
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("redistest: %s does not have %d replicas online: %w", addr, n, err)
	}
	return nil
}
