package sessionstore

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/microframe/microframe/cookiejar"
)

// spyStore counts the calls reaching a Store and can make them fail.
type spyStore struct {
	Store
	gets, updates, creates, renews, deletes atomic.Int64
	fail                                    error
}

func (s *spyStore) Create(ctx context.Context, x *Session) (string, error) {
	s.creates.Add(1)
	if s.fail != nil {
		return "", s.fail
	}
	return s.Store.Create(ctx, x)
}

func (s *spyStore) Get(ctx context.Context, id string) (*Session, bool, error) {
	s.gets.Add(1)
	if s.fail != nil {
		return nil, false, s.fail
	}
	return s.Store.Get(ctx, id)
}

func (s *spyStore) Update(ctx context.Context, id string, fn func(*Session) error) (bool, error) {
	s.updates.Add(1)
	if s.fail != nil {
		return false, s.fail
	}
	return s.Store.Update(ctx, id, fn)
}

func (s *spyStore) Renew(ctx context.Context, id string) (string, bool, error) {
	s.renews.Add(1)
	return s.Store.Renew(ctx, id)
}

func (s *spyStore) Delete(ctx context.Context, id string) error {
	s.deletes.Add(1)
	return s.Store.Delete(ctx, id)
}

func (s *spyStore) calls() int64 {
	return s.gets.Load() + s.updates.Load() + s.creates.Load() + s.renews.Load() + s.deletes.Load()
}

// testManager returns a Manager over a spied MemoryStore with a fake clock.
func testManager(t *testing.T) (*Manager, *spyStore, *fakeClock) {
	clock := newFakeClock()
	spy := &spyStore{Store: newTestStore(t, 0, clock)}
	m := NewManager(spy)
	m.now = clock.Now
	return m, spy, clock
}

// commit runs Commit and parses the Set-Cookie line it returns.
func commit(t *testing.T, h *Handle, isTLS bool) (cookiejar.Cookie, bool) {
	t.Helper()
	line, changed, err := h.Commit(isTLS)
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if changed != (line != "") {
		t.Fatalf("Commit = %q, changed %v", line, changed)
	}
	if !changed {
		return cookiejar.Cookie{}, false
	}
	c, err := cookiejar.ParseSetCookie(line)
	if err != nil {
		t.Fatalf("Commit produced an unparsable Set-Cookie %q: %v", line, err)
	}
	return c, true
}

// login creates a session holding user and returns its cookie value.
func login(t *testing.T, m *Manager, user string) string {
	t.Helper()
	h := m.Load(context.Background(), "")
	if err := h.PutString("user", user); err != nil {
		t.Fatal(err)
	}
	c, ok := commit(t, h, false)
	if !ok || c.Value == "" {
		t.Fatal("creating a session set no cookie")
	}
	return c.Value
}

func TestHandleLazy(t *testing.T) {
	m, spy, _ := testManager(t)
	for _, cookie := range []string{"", "garbage", "6ba7b810-9dad-41d1-80b4-00c04fd430c8"} {
		h := m.Load(context.Background(), cookie)
		if _, changed, err := h.Commit(false); changed || err != nil {
			t.Errorf("untouched handle (cookie %q): Commit changed %v, err %v", cookie, changed, err)
		}
	}
	if spy.calls() != 0 {
		t.Fatalf("handles that were never used made %d store calls", spy.calls())
	}
	// Reading without a session creates nothing.
	h := m.Load(context.Background(), "")
	if h.GetString("user") != "" || h.GetInt("n") != 0 || h.ID() != "" || h.Session() != nil {
		t.Fatal("empty handle returned data")
	}
	if err := h.Delete("user"); err != nil {
		t.Fatal(err)
	}
	if _, changed := commit(t, h, false); changed || spy.creates.Load() != 0 {
		t.Fatalf("reading created a session (changed %v, creates %d)", changed, spy.creates.Load())
	}
}

func TestHandleCookieAttributes(t *testing.T) {
	m, _, _ := testManager(t)
	for _, isTLS := range []bool{false, true} {
		h := m.Load(context.Background(), "")
		if err := h.PutString("k", "v"); err != nil {
			t.Fatal(err)
		}
		c, _ := commit(t, h, isTLS)
		if c.Name != "session" || c.Value != h.ID() || c.Path != "/" || !c.HttpOnly ||
			c.SameSite != cookiejar.SameSiteLax || c.Secure != isTLS || c.MaxAge != 0 || !c.Expires.IsZero() {
			t.Errorf("TLS %v: cookie %+v", isTLS, c)
		}
	}
}

func TestHandleRoundTrip(t *testing.T) {
	m, spy, _ := testManager(t)
	cookie := login(t, m, "ada")
	h := m.Load(context.Background(), cookie)
	if h.GetString("user") != "ada" || h.ID() != cookie {
		t.Fatalf("next request sees user %q id %q", h.GetString("user"), h.ID())
	}
	if n, err := h.AddInt("visits", 1); n != 1 || err != nil {
		t.Fatalf("AddInt = %d, %v", n, err)
	}
	if h.GetInt("visits") != 1 {
		t.Fatal("a write is not visible to the same request")
	}
	if _, changed := commit(t, h, false); changed {
		t.Fatal("an existing session's cookie was sent again")
	}
	if spy.creates.Load() != 1 {
		t.Fatalf("%d creates, want 1", spy.creates.Load())
	}
}

func TestHandleRejectsUnknownAndBadCookies(t *testing.T) {
	m, _, _ := testManager(t)
	chosen, _ := NewID()
	real := login(t, m, "victim")
	for _, cookie := range []string{chosen, "garbage", strings.ToUpper(real), real + "x", "\x00", strings.Repeat("a", 5000)} {
		h := m.Load(context.Background(), cookie)
		if h.GetString("user") != "" {
			t.Fatalf("cookie %.40q reads a user", cookie)
		}
		// The first request with a bad cookie is told to drop it.
		c, changed := commit(t, h, false)
		if !changed || c.MaxAge != -1 || c.Value != "" {
			t.Fatalf("cookie %.40q: Commit %+v, changed %v; want deletion", cookie, c, changed)
		}
		// Writing starts a fresh session under an id the store issued.
		h = m.Load(context.Background(), cookie)
		if err := h.PutString("user", "attacker"); err != nil {
			t.Fatal(err)
		}
		c, _ = commit(t, h, false)
		if c.Value == cookie || c.Value == "" || h.ID() == cookie {
			t.Fatalf("session fixation: store accepted client id %.40q", cookie)
		}
	}
	if h := m.Load(context.Background(), chosen); h.ID() != "" {
		t.Fatal("client-chosen id exists after use")
	}
	if h := m.Load(context.Background(), real); h.GetString("user") != "victim" {
		t.Fatal("real session disturbed")
	}
}

func TestHandleSignedCookies(t *testing.T) {
	m, spy, _ := testManager(t)
	oldKey, newKey := []byte(strings.Repeat("o", 32)), []byte(strings.Repeat("n", 32))
	var err error
	if m.Codec, err = cookiejar.NewSigner(oldKey); err != nil {
		t.Fatal(err)
	}
	cookie := login(t, m, "ada")
	if _, ok := ParseID(cookie); ok {
		t.Fatal("cookie carries the bare id despite the Codec")
	}
	// Rotate: new key first, old still verifies.
	if m.Codec, err = cookiejar.NewSigner(newKey, oldKey); err != nil {
		t.Fatal(err)
	}
	if got := m.Load(context.Background(), cookie).GetString("user"); got != "ada" {
		t.Fatalf("after rotation user = %q", got)
	}
	gets := spy.gets.Load()
	id := m.Load(context.Background(), cookie).ID()
	for _, bad := range []string{
		id, // the bare id is refused when a Codec is set
		cookie[:len(cookie)-1] + string(rune('A'+(cookie[len(cookie)-1]-'A'+1)%26)),
		"x" + cookie, strings.Replace(cookie, ".", "", 1),
	} {
		h := m.Load(context.Background(), bad)
		if h.GetString("user") != "" {
			t.Fatalf("tampered cookie %q accepted", bad)
		}
		if c, changed := commit(t, h, false); !changed || c.MaxAge != -1 {
			t.Fatalf("tampered cookie %q not deleted", bad)
		}
	}
	if spy.gets.Load() != gets+1 {
		t.Fatalf("tampered cookies reached the store (%d gets)", spy.gets.Load()-gets-1)
	}
}

func TestHandleIdleTimeout(t *testing.T) {
	m, spy, clock := testManager(t)
	cookie := login(t, m, "ada")
	// Reads shortly after do not write (expiry moves lazily).
	updates := spy.updates.Load()
	clock.Advance(time.Minute)
	if m.Load(context.Background(), cookie).GetString("user") != "ada" || spy.updates.Load() != updates {
		t.Fatal("a read one minute after the last write touched the store")
	}
	// Later reads move the expiry, so an active session lives on.
	for range 5 {
		clock.Advance(20 * time.Minute)
		if m.Load(context.Background(), cookie).GetString("user") != "ada" {
			t.Fatal("an active session expired")
		}
	}
	if spy.updates.Load() != updates+5 {
		t.Fatalf("%d touches, want 5", spy.updates.Load()-updates)
	}
	clock.Advance(DefaultIdleTimeout)
	h := m.Load(context.Background(), cookie)
	if h.GetString("user") != "" {
		t.Fatal("session alive after the idle timeout")
	}
	if c, _ := commit(t, h, false); c.MaxAge != -1 {
		t.Fatal("expired session's cookie not deleted")
	}
}

func TestHandleAbsoluteLifetime(t *testing.T) {
	m, _, clock := testManager(t)
	m.Lifetime = 2 * time.Hour
	cookie := login(t, m, "ada")
	for elapsed := time.Duration(0); elapsed < 2*time.Hour-10*time.Minute; elapsed += 10 * time.Minute {
		clock.Advance(10 * time.Minute)
		if _, err := m.Load(context.Background(), cookie).AddInt("n", 1); err != nil {
			t.Fatal(err)
		}
	}
	h := m.Load(context.Background(), cookie)
	if h.GetInt("n") != 11 {
		t.Fatalf("n = %d before the lifetime ended", h.GetInt("n"))
	}
	if exp := h.Session().Expires; !exp.Equal(h.Session().Created.Add(2 * time.Hour)) {
		t.Fatalf("expiry %v is not capped at creation + Lifetime", exp)
	}
	clock.Advance(10 * time.Minute)
	if m.Load(context.Background(), cookie).GetString("user") != "" {
		t.Fatal("session outlived its absolute lifetime")
	}
}

func TestHandleRenew(t *testing.T) {
	m, _, _ := testManager(t)
	cookie := login(t, m, "guest")
	h := m.Load(context.Background(), cookie)
	if err := h.Renew(); err != nil {
		t.Fatal(err)
	}
	if err := h.PutString("user", "admin"); err != nil {
		t.Fatal(err)
	}
	c, changed := commit(t, h, false)
	if !changed || c.Value == cookie || c.Value != h.ID() {
		t.Fatalf("Renew: cookie %q (old %q, id %q)", c.Value, cookie, h.ID())
	}
	if m.Load(context.Background(), cookie).ID() != "" {
		t.Fatal("old id survived Renew")
	}
	if got := m.Load(context.Background(), c.Value).GetString("user"); got != "admin" {
		t.Fatalf("renewed session user = %q", got)
	}
	if err := h.Renew(); !errors.Is(err, ErrCommitted) {
		t.Fatalf("Renew after Commit = %v, want ErrCommitted", err)
	}
	empty := m.Load(context.Background(), "")
	if err := empty.Renew(); err != nil || empty.ID() != "" {
		t.Fatalf("Renew without a session = %v, id %q", err, empty.ID())
	}
}

func TestHandleDestroy(t *testing.T) {
	m, _, _ := testManager(t)
	cookie := login(t, m, "ada")
	h := m.Load(context.Background(), cookie)
	if err := h.Destroy(); err != nil {
		t.Fatal(err)
	}
	if h.GetString("user") != "" {
		t.Fatal("data readable after Destroy")
	}
	c, changed := commit(t, h, true)
	if !changed || c.MaxAge != -1 || !c.Expires.Before(time.Unix(1, 0)) || !c.Secure {
		t.Fatalf("Destroy: cookie %+v", c)
	}
	if m.Load(context.Background(), cookie).ID() != "" {
		t.Fatal("session survived Destroy")
	}
	// Destroy then write: a new session replaces the old cookie.
	cookie = login(t, m, "bob")
	h = m.Load(context.Background(), cookie)
	_ = h.Destroy()
	_ = h.PutString("user", "carol")
	if c, _ := commit(t, h, false); c.Value == "" || c.Value == cookie {
		t.Fatalf("Destroy+Put: cookie %+v", c)
	}
}

func TestHandleCommitted(t *testing.T) {
	m, _, _ := testManager(t)
	h := m.Load(context.Background(), "")
	if _, changed := commit(t, h, false); changed {
		t.Fatal("empty commit changed")
	}
	if err := h.PutString("k", "v"); !errors.Is(err, ErrCommitted) {
		t.Fatalf("creating after Commit = %v, want ErrCommitted", err)
	}
	// Existing sessions stay writable after Commit.
	cookie := login(t, m, "ada")
	h = m.Load(context.Background(), cookie)
	_, _ = commit(t, h, false)
	if err := h.PutString("k", "v"); err != nil {
		t.Fatal(err)
	}
	if _, changed, _ := h.Commit(false); changed {
		t.Fatal("second Commit changed")
	}
}

func TestHandleStoreFailure(t *testing.T) {
	m, spy, _ := testManager(t)
	cookie := login(t, m, "ada")
	down := errors.New("store down")
	spy.fail = down
	h := m.Load(context.Background(), cookie)
	if h.GetString("user") != "" || !errors.Is(h.Err(), down) {
		t.Fatalf("Err = %v", h.Err())
	}
	if err := h.PutString("k", "v"); !errors.Is(err, down) {
		t.Fatalf("Put = %v", err)
	}
	line, changed, err := h.Commit(false)
	if changed || line != "" || !errors.Is(err, down) {
		t.Fatalf("Commit = %q, %v, %v; want no cookie change and the store error", line, changed, err)
	}
	spy.fail = nil
	if m.Load(context.Background(), cookie).GetString("user") != "ada" {
		t.Fatal("session lost after a store outage")
	}
}

func TestHandleUpdateErrorNotRecorded(t *testing.T) {
	m, _, _ := testManager(t)
	h := m.Load(context.Background(), login(t, m, "ada"))
	bad := errors.New("validation failed")
	if err := h.Update(func(s *Session) error { s.PutString("user", "x"); return bad }); !errors.Is(err, bad) {
		t.Fatalf("Update = %v", err)
	}
	if h.Err() != nil || h.GetString("user") != "ada" {
		t.Fatalf("Err = %v, user %q", h.Err(), h.GetString("user"))
	}
}

func TestHandleSessionVanishes(t *testing.T) {
	m, _, _ := testManager(t)
	cookie := login(t, m, "ada")
	h := m.Load(context.Background(), cookie)
	_ = h.Load()
	// Another request logs out in between.
	other := m.Load(context.Background(), cookie)
	_ = other.Destroy()
	if err := h.PutString("k", "v"); err != nil {
		t.Fatal(err)
	}
	if h.ID() == cookie || h.GetString("user") != "" || h.GetString("k") != "v" {
		t.Fatalf("write after concurrent logout: id %q user %q", h.ID(), h.GetString("user"))
	}
}

func TestHandleTooManySessions(t *testing.T) {
	clock := newFakeClock()
	m := NewManager(newTestStore(t, 1, clock))
	m.now = clock.Now
	first := m.Load(context.Background(), login(t, m, "first"))
	if err := first.Renew(); err != nil { // renewed: never evicted
		t.Fatal(err)
	}
	h := m.Load(context.Background(), "")
	if err := h.PutString("user", "second"); !errors.Is(err, ErrTooManySessions) {
		t.Fatalf("Put at the cap = %v, want ErrTooManySessions", err)
	}
	if _, changed, _ := h.Commit(false); changed {
		t.Fatal("a refused session set a cookie")
	}
}

func TestHandlePersist(t *testing.T) {
	m, _, clock := testManager(t)
	m.Persist = true
	h := m.Load(context.Background(), "")
	_ = h.PutString("k", "v")
	c, _ := commit(t, h, false)
	if c.MaxAge != int(DefaultIdleTimeout/time.Second) || !c.Expires.Equal(clock.Now().Add(DefaultIdleTimeout).Truncate(time.Second)) {
		t.Fatalf("persistent cookie: Max-Age %d Expires %v", c.MaxAge, c.Expires)
	}
	clock.Advance(10 * time.Minute)
	h = m.Load(context.Background(), c.Value)
	_ = h.GetString("k") // touches
	if c2, changed := commit(t, h, false); !changed || c2.Value != c.Value || !c2.Expires.After(c.Expires) {
		t.Fatalf("touch did not resend the cookie: %+v", c2)
	}
}

func TestHandleConcurrentRequests(t *testing.T) {
	m, _, _ := testManager(t)
	cookie := login(t, m, "ada")
	const workers, each = 32, 50
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				h := m.Load(context.Background(), cookie)
				if _, err := h.AddInt("n", 1); err != nil {
					t.Error(err)
				}
				if _, changed, _ := h.Commit(false); changed {
					t.Error("an increment changed the cookie")
				}
			}
		})
	}
	wg.Wait()
	if n := m.Load(context.Background(), cookie).GetInt("n"); n != workers*each {
		t.Fatalf("n = %d, want %d", n, workers*each)
	}
}

func TestHandleBadCookieTemplate(t *testing.T) {
	m, _, _ := testManager(t)
	m.Cookie.Name = "bad name"
	h := m.Load(context.Background(), "")
	_ = h.PutString("k", "v")
	if _, _, err := h.Commit(false); !errors.Is(err, cookiejar.ErrInvalidName) {
		t.Fatalf("Commit with an invalid cookie name = %v", err)
	}
}

func TestHandleUpdateCanEndSession(t *testing.T) {
	m, spy, clock := testManager(t)
	cookie := login(t, m, "ada")
	h := m.Load(context.Background(), cookie)
	err := h.Update(func(s *Session) error { s.Expires = clock.Now().Add(-time.Second); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if h.ID() != "" || spy.creates.Load() != 1 {
		t.Fatalf("expiring the session through Update: id %q, %d creates", h.ID(), spy.creates.Load())
	}
	if c, changed := commit(t, h, false); !changed || c.MaxAge != -1 {
		t.Fatalf("cookie not deleted: %+v", c)
	}
}

func TestHandleAnonymousIdleTimeout(t *testing.T) {
	m, _, clock := testManager(t)
	m.AnonymousIdleTimeout = 5 * time.Minute
	anon := login(t, m, "visitor") // never renewed
	user := login(t, m, "ada")
	h := m.Load(context.Background(), user)
	if err := h.Renew(); err != nil {
		t.Fatal(err)
	}
	if s := h.Session(); !s.Renewed || !s.Expires.Equal(clock.Now().Add(DefaultIdleTimeout)) {
		t.Fatalf("after Renew: Renewed %v, expires in %v; want true, %v", s.Renewed, s.Expires.Sub(clock.Now()), DefaultIdleTimeout)
	}
	c, _ := commit(t, h, false)
	user = c.Value
	clock.Advance(6 * time.Minute)
	if m.Load(context.Background(), anon).GetString("user") != "" {
		t.Fatal("an anonymous session outlived AnonymousIdleTimeout")
	}
	if m.Load(context.Background(), user).GetString("user") != "ada" {
		t.Fatal("a renewed session ended at AnonymousIdleTimeout")
	}
}

func TestHandleRenewBeforeSession(t *testing.T) {
	// A login without a session yet (Renew, then the first write) creates
	// the session renewed: a full store must not evict it.
	m, _, _ := testManager(t)
	h := m.Load(context.Background(), "")
	if err := h.Renew(); err != nil || h.ID() != "" {
		t.Fatalf("Renew without a session = %v, id %q", err, h.ID())
	}
	if err := h.PutString("user", "ada"); err != nil {
		t.Fatal(err)
	}
	if s := h.Session(); !s.Renewed {
		t.Fatal("the session created after Renew is not Renewed")
	}
	other := m.Load(context.Background(), "")
	if err := other.PutString("k", "v"); err != nil || other.Session().Renewed {
		t.Fatalf("a plain session: err %v, Renewed %v", err, other.Session().Renewed)
	}
}
