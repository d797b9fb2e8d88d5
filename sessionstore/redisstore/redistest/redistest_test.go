package redistest

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestLifecycle(t *testing.T) {
	s := Start(t)
	if !strings.HasPrefix(s.Addr, "127.0.0.1:") {
		t.Fatalf("Addr = %q, want a loopback address", s.Addr)
	}
	if err := ping(s.Addr); err != nil {
		t.Fatalf("PING a started server: %v", err)
	}
	if err := s.Restart(); err == nil {
		t.Fatal("Restart of a running server succeeded")
	}
	dir := s.dir
	s.Stop()
	if err := ping(s.Addr); err == nil {
		t.Fatal("a stopped server answered PING")
	}
	s.Stop() // a second Stop does nothing
	if err := s.Pause(); err == nil {
		t.Fatal("Pause of a stopped server succeeded")
	}
	if err := s.Restart(); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	if err := ping(s.Addr); err != nil {
		t.Fatalf("PING a restarted server: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("Close left %s behind: %v", dir, err)
	}
}

func TestPauseResume(t *testing.T) {
	s := Start(t)
	if err := s.Pause(); err != nil {
		t.Fatal(err)
	}
	if err := ping(s.Addr); err == nil {
		t.Fatal("a paused server answered PING")
	}
	if err := s.Resume(); err != nil {
		t.Fatal(err)
	}
	if err := ping(s.Addr); err != nil {
		t.Fatalf("PING after Resume: %v", err)
	}
}

func TestBadStart(t *testing.T) {
	if _, err := Binary(); err != nil {
		t.Skipf("skipped: %v", err)
	}
	tests := []struct {
		name, bin string
		extra     []string
		want      string
	}{
		{"bad option", "", []string{"--no-such-option", "1"}, "exited at start"},
		{"no binary", "/nonexistent/redis-server", nil, "start /nonexistent/redis-server"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.bin != "" {
				t.Setenv("REDIS_SERVER", tt.bin)
			}
			s, err := New(tt.extra...)
			if err == nil {
				s.Close()
				t.Fatal("New succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestCluster(t *testing.T) {
	c := StartCluster(t, 3, 1)
	if len(c.Addrs) != 6 {
		t.Fatalf("%d nodes, want 6", len(c.Addrs))
	}
	ctx := context.Background()
	m, err := c.MasterFor(ctx, "{a}x")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := command(ctx, m.Addr, "info", "replication"); err != nil || !strings.Contains(out, "role:master") {
		t.Fatalf("MasterFor gave %s, whose INFO replication is %q, %v", m.Addr, out, err)
	}
}

func TestSentinelGroup(t *testing.T) {
	g := StartSentinelGroup(t, 1, 1)
	sc := redis.NewSentinelClient(&redis.Options{Addr: g.SentinelAddrs[0]})
	defer sc.Close()
	addr, err := sc.GetMasterAddrByName(context.Background(), g.MasterName).Result()
	if err != nil || len(addr) != 2 || addr[0]+":"+addr[1] != g.Master.Addr {
		t.Fatalf("the Sentinel names master %v, %v; want %s", addr, err, g.Master.Addr)
	}
}
