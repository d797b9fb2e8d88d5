package redistest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cluster is a Redis Cluster of redis-server processes on 127.0.0.1:
// masters masters, each with its replicas, the 16384 hash slots spread
// evenly over the masters. A node that fails is replaced by one of its
// replicas after about a second (cluster-node-timeout 1000 ms); meanwhile
// the other masters go on serving their slots
// (cluster-require-full-coverage no).
type Cluster struct {
	// Nodes are every node, in the order given to redis-cli --cluster
	// create: the masters first, then the replicas.
	Nodes []*Server
	// Addrs are the nodes' addresses, in the same order: what a
	// redis.ClusterClient needs.
	Addrs []string

	replicas int
}

// ClusterNodeTimeout is the cluster-node-timeout of the nodes a Cluster
// starts: how long a master may be unreachable before its replicas take
// over.
const ClusterNodeTimeout = time.Second

// NewCluster starts masters×(1+replicas) redis-server processes in cluster
// mode, joins them with redis-cli --cluster create, and waits until the
// cluster is healthy (at most 30 seconds). It needs the redis-cli binary
// next to redis-server or on PATH. The caller must call Close.
func NewCluster(masters, replicas int) (*Cluster, error) {
	if masters < 3 {
		return nil, fmt.Errorf("redistest: a cluster needs at least 3 masters, not %d", masters)
	}
	cli, err := cliBinary()
	if err != nil {
		return nil, err
	}
	c := &Cluster{replicas: replicas}
	for range masters * (1 + replicas) {
		// The cluster bus port, by default the port plus 10000, would be
		// past 65535 for a port above 55535: pick one.
		bus, err := freePort()
		if err != nil {
			c.Close()
			return nil, err
		}
		s, err := New("--cluster-port", strconv.Itoa(bus), "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", strconv.Itoa(int(ClusterNodeTimeout/time.Millisecond)),
			"--cluster-replica-validity-factor", "0", "--cluster-require-full-coverage", "no")
		if err != nil {
			c.Close()
			return nil, err
		}
		c.Nodes = append(c.Nodes, s)
		c.Addrs = append(c.Addrs, s.Addr)
	}
	args := append([]string{"--cluster", "create"}, c.Addrs...)
	args = append(args, "--cluster-replicas", strconv.Itoa(replicas), "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		c.Close()
		return nil, fmt.Errorf("redistest: redis-cli --cluster create: %v: %s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.WaitHealthy(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// StartCluster is NewCluster for tests, with Start's rules for a missing
// binary; the cluster is closed when the test ends.
func StartCluster(tb testing.TB, masters, replicas int) *Cluster {
	tb.Helper()
	c, err := NewCluster(masters, replicas)
	return started(tb, c, err)
}

// started is the end of StartCluster and StartSentinelGroup: it skips or
// fails tb as Start does, and closes v when the test ends.
func started[T interface{ Close() }](tb testing.TB, v T, err error) T {
	tb.Helper()
	if errors.Is(err, ErrNotInstalled) && os.Getenv("CI") == "" {
		tb.Skipf("skipped: %v", err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(v.Close)
	return v
}

// Close stops every node and removes their directories.
func (c *Cluster) Close() {
	for _, s := range c.Nodes {
		s.Close()
	}
}

// Node returns the running node listening on addr, or nil.
func (c *Cluster) Node(addr string) *Server {
	for _, s := range c.Nodes {
		if s.Addr == addr {
			return s
		}
	}
	return nil
}

// WaitHealthy waits until every running node says cluster_state:ok and
// every master has its replicas online, or ctx ends.
func (c *Cluster) WaitHealthy(ctx context.Context) error {
	if err := poll(ctx, func() error { return c.healthy(ctx) }); err != nil {
		return fmt.Errorf("redistest: cluster not healthy: %w", err)
	}
	return nil
}

// poll calls check every 50 ms until it returns nil, or until ctx ends;
// then it returns check's last error.
func poll(ctx context.Context, check func() error) error {
	for {
		err := check()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// healthy checks once what WaitHealthy waits for.
func (c *Cluster) healthy(ctx context.Context) error {
	masters := 0
	for _, s := range c.Nodes {
		if !s.running() {
			continue
		}
		info, err := command(ctx, s.Addr, "cluster", "info")
		if err != nil {
			return err
		}
		if !strings.Contains(info, "cluster_state:ok") {
			return fmt.Errorf("%s: cluster_state is not ok", s.Addr)
		}
		repl, err := command(ctx, s.Addr, "info", "replication")
		if err != nil {
			return err
		}
		if !strings.Contains(repl, "role:master") {
			continue
		}
		masters++
		if online := strings.Count(repl, "state=online"); online < c.replicas {
			return fmt.Errorf("master %s has %d replicas online, want %d", s.Addr, online, c.replicas)
		}
	}
	if want := len(c.Nodes) / (1 + c.replicas); masters < want {
		return fmt.Errorf("%d masters, want %d", masters, want)
	}
	return nil
}

// MasterFor returns the node that is master of key's hash slot now, as
// the cluster itself says.
func (c *Cluster) MasterFor(ctx context.Context, key string) (*Server, error) {
	for _, s := range c.Nodes {
		if !s.running() {
			continue
		}
		rdb := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
		slot, err := rdb.ClusterKeySlot(ctx, key).Result()
		if err != nil {
			rdb.Close()
			return nil, err
		}
		slots, err := rdb.ClusterSlots(ctx).Result()
		rdb.Close()
		if err != nil {
			return nil, err
		}
		for _, r := range slots {
			if int64(r.Start) <= slot && slot <= int64(r.End) && len(r.Nodes) > 0 {
				if n := c.Node(r.Nodes[0].Addr); n != nil {
					return n, nil
				}
				return nil, fmt.Errorf("redistest: slot %d served by unknown %s", slot, r.Nodes[0].Addr)
			}
		}
		return nil, fmt.Errorf("redistest: slot %d has no master", slot)
	}
	return nil, errors.New("redistest: no node running")
}

// command runs one command on the node at addr and returns its reply as
// a string.
func command(ctx context.Context, addr string, args ...any) (string, error) {
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second, ReadTimeout: time.Second})
	defer rdb.Close()
	v, err := rdb.Do(ctx, args...).Text()
	if err != nil {
		return "", fmt.Errorf("%s: %v: %w", addr, args, err)
	}
	return v, nil
}

// cliBinary returns the path of redis-cli: REDIS_CLI, next to
// redis-server, or on PATH.
func cliBinary() (string, error) {
	if p := os.Getenv("REDIS_CLI"); p != "" {
		return p, nil
	}
	if bin, err := Binary(); err == nil {
		p := strings.TrimSuffix(bin, "redis-server") + "redis-cli"
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath("redis-cli"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%w: no redis-cli (apt-get install redis-tools, or set REDIS_CLI)", ErrNotInstalled)
}

// ReplicaOf returns a running node that replicates master, or nil.
func (c *Cluster) ReplicaOf(ctx context.Context, master *Server) *Server {
	_, port, _ := strings.Cut(master.Addr, ":")
	for _, s := range c.Nodes {
		if s == master || !s.running() {
			continue
		}
		out, err := command(ctx, s.Addr, "info", "replication")
		if err == nil && strings.Contains(out, "role:slave") && strings.Contains(out, "master_port:"+port+"\r") {
			return s
		}
	}
	return nil
}
