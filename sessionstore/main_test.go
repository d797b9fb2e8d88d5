package sessionstore

import (
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeClock is a settable clock for expiry tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newTestStore returns a MemoryStore without a sweeper, closed at the end
// of the test, using clock if not nil.
func newTestStore(t testing.TB, max int, clock *fakeClock) *MemoryStore {
	s := NewMemoryStore(MemoryOptions{MaxSessions: max, SweepInterval: -1})
	if clock != nil {
		s.now = clock.Now
	}
	t.Cleanup(func() { s.Close() })
	return s
}
