package storetest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/microframe/microframe/sessionstore"
	"github.com/microframe/microframe/sessionstore/storetest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// refStore is a deliberately simple Store (one mutex, one map) used to
// check the suite itself: correct, it must pass; with one of its bugs
// switched on, the suite must notice.
type refStore struct {
	mu   sync.Mutex
	m    map[string]*sessionstore.Session
	used map[string]int64 // id -> tick of its last use
	tick int64
	cap  int // capacity in sessions, 0 for none
	size int // per-session size limit, as for CheckSize
	bug  string
}

func (s *refStore) Create(_ context.Context, x *sessionstore.Session) (string, error) {
	if x.Expires.IsZero() {
		return "", sessionstore.ErrNoExpiry
	}
	if s.bug != "no-size-limit" {
		if err := sessionstore.CheckSize(x, s.size); err != nil {
			return "", err
		}
	}
	if x.Created.IsZero() {
		x.Created = time.Now()
	}
	id, err := sessionstore.NewID()
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cap > 0 && len(s.m) >= s.cap && !s.evict() {
		return "", sessionstore.ErrTooManySessions
	}
	s.m[id] = x
	s.use(id)
	return id, nil
}

// evict removes the least recently used session that is not renewed (any
// session, with bug "evicts-renewed"; none, with bug "full-refuses"; the
// most recently used, with bug "evicts-newest"); s.mu is held.
func (s *refStore) evict() bool {
	victim, best := "", int64(0)
	for id, x := range s.m {
		if s.bug == "full-refuses" || x.Renewed && s.bug != "evicts-renewed" {
			continue
		}
		score := -s.used[id] // higher is a better victim
		if s.bug == "evicts-newest" {
			score = -score
		}
		if victim == "" || score > best {
			victim, best = id, score
		}
	}
	if victim == "" {
		return false
	}
	delete(s.m, victim)
	delete(s.used, victim)
	return true
}

// use records a use of id; s.mu is held.
func (s *refStore) use(id string) {
	s.tick++
	s.used[id] = s.tick
}

// live returns the live session under id and records the use; s.mu is
// held.
func (s *refStore) live(id string) (*sessionstore.Session, bool) {
	x, ok := s.m[id]
	if !ok || !x.Expires.After(time.Now()) {
		return nil, false
	}
	s.use(id)
	return x, true
}

func (s *refStore) Get(_ context.Context, id string) (*sessionstore.Session, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x, ok := s.live(id)
	return x, ok, nil
}

func (s *refStore) Update(_ context.Context, id string, fn func(*sessionstore.Session) error) (bool, error) {
	if s.bug == "lost-update" {
		s.mu.Lock()
		old, ok := s.live(id)
		s.mu.Unlock()
		if !ok {
			return false, nil
		}
		cp := old.Clone()
		runtime.Gosched()
		if err := fn(cp); err != nil {
			return true, err
		}
		if err := sessionstore.CheckSize(cp, s.size); err != nil {
			return true, err
		}
		s.mu.Lock()
		s.m[id] = cp
		s.mu.Unlock()
		return true, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.live(id)
	if !ok {
		if s.bug != "fixation" {
			return false, nil
		}
		old = &sessionstore.Session{Expires: time.Now().Add(time.Hour)}
	}
	cp := old.Clone()
	if s.bug == "in-place" {
		cp = old
	}
	if err := fn(cp); err != nil {
		return true, err
	}
	if s.bug != "no-size-limit" {
		if err := sessionstore.CheckSize(cp, s.size); err != nil {
			return true, err
		}
	}
	s.m[id] = cp
	return true, nil
}

func (s *refStore) Renew(_ context.Context, oldID string) (string, bool, error) {
	id, err := sessionstore.NewID()
	if err != nil {
		return "", false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	x, ok := s.live(oldID)
	if !ok {
		return "", false, nil
	}
	if s.bug != "renew-keeps-old" {
		delete(s.m, oldID)
	}
	if s.bug != "renew-unmarked" {
		x = x.Clone()
		x.Renewed = true
	}
	s.m[id] = x
	s.use(id)
	return id, true, nil
}

func (s *refStore) Delete(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
	delete(s.used, id)
	return nil
}

// refLimits are the limits of the reference store in the RunLimits tests.
var refLimits = storetest.Limits{MaxSessionSize: 100, Flood: 1000}

func newRef(bug string) func(*testing.T) sessionstore.Store {
	return func(*testing.T) sessionstore.Store {
		return &refStore{m: make(map[string]*sessionstore.Session), used: make(map[string]int64), bug: bug}
	}
}

// newSmallRef makes reference stores with the limits of refLimits and room
// for 200 sessions.
func newSmallRef(bug string) func(*testing.T) sessionstore.Store {
	return func(*testing.T) sessionstore.Store {
		return &refStore{m: make(map[string]*sessionstore.Session), used: make(map[string]int64),
			cap: 200, size: refLimits.MaxSessionSize, bug: bug}
	}
}

func TestReferenceStorePasses(t *testing.T) {
	storetest.Run(t, newRef(""))
	storetest.RunLimits(t, refLimits, newSmallRef(""))
}

// TestRunBroken is run in a child process by TestSuiteCatchesBugs.
func TestRunBroken(t *testing.T) {
	bug := os.Getenv("STORETEST_BUG")
	if bug == "" {
		t.Skip("runs only as a child of TestSuiteCatchesBugs")
	}
	storetest.Run(t, newRef(bug))
	if bug == "no-capacity" {
		storetest.RunLimits(t, refLimits, newRef(""))
		return
	}
	storetest.RunLimits(t, refLimits, newSmallRef(bug))
}

// TestSuiteCatchesBugs checks that the suite fails, in the right subtest,
// for each bug of refStore.
func TestSuiteCatchesBugs(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	for bug, subtest := range map[string]string{
		"lost-update":     "ConcurrentUpdatesOneSession",
		"fixation":        "NoClientChosenIDs",
		"in-place":        "SnapshotsAreImmutable",
		"renew-keeps-old": "Renew",
		"renew-unmarked":  "RenewMarksRenewed",
		"no-size-limit":   "SizeLimit",
		"evicts-renewed":  "FloodEvictsAnonymousLRU",
		"evicts-newest":   "FloodEvictsAnonymousLRU",
		"full-refuses":    "FloodEvictsAnonymousLRU",
		"no-capacity":     "FloodEvictsAnonymousLRU",
	} {
		t.Run(bug, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestRunBroken$", "-test.v")
			cmd.Env = append(os.Environ(), "STORETEST_BUG="+bug)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("suite passed a store with bug %q (err %v)", bug, err)
			}
			if !strings.Contains(string(out), "--- FAIL: TestRunBroken/"+subtest+" ") {
				t.Fatalf("bug %q: subtest %s did not fail:\n%s", bug, subtest, out)
			}
		})
	}
}
