package redistest

import (
	"os"
	"strings"
	"testing"

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
