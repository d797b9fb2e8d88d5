package sessionstore_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/microframe/microframe/cookiejar"
	"github.com/microframe/microframe/sessionstore"
)

func ExampleManager_Middleware() {
	store := sessionstore.NewMemoryStore(sessionstore.MemoryOptions{})
	defer store.Close()
	m := sessionstore.NewManager(store)

	counter := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := sessionstore.FromContext(r.Context()).AddInt("visits", 1)
		if err != nil { // e.g. ErrTooManySessions
			http.Error(w, "try again later", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "visit %d", n)
	})
	h := m.Middleware(counter)

	// The first request has no cookie: a session is created.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	setCookie := rec.Header().Get("Set-Cookie")
	fmt.Println(rec.Body, strings.Contains(setCookie, "HttpOnly; SameSite=Lax"))

	// The browser sends the cookie back.
	c, _ := cookiejar.ParseSetCookie(setCookie)
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Cookie", c.Name+"="+c.Value)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Body, rec.Header().Get("Set-Cookie") == "")
	// Output:
	// visit 1 true
	// visit 2 true
}

// A framework that is not net/http glues the Manager in with Load and
// Commit.
func ExampleHandle_Commit() {
	store := sessionstore.NewMemoryStore(sessionstore.MemoryOptions{})
	defer store.Close()
	m := sessionstore.NewManager(store)

	// Per request: pick the cookie out of the Cookie header (lazy: no store
	// access yet).
	h := m.LoadHeader(context.Background(), "theme=dark")
	_ = h.PutString("user", "ada")

	// Before the response head is written:
	setCookie, changed, err := h.Commit(false)
	fmt.Println(changed, err, strings.HasPrefix(setCookie, "session="))
	// Output:
	// true <nil> true
}

func ExampleHandle_Renew() {
	store := sessionstore.NewMemoryStore(sessionstore.MemoryOptions{})
	defer store.Close()
	m := sessionstore.NewManager(store)

	h := m.Load(context.Background(), "")
	_ = h.PutString("cart", "3 items")
	before := h.ID()

	// Login: new id, same data, old id dead.
	_ = h.Renew()
	_ = h.PutString("user", "ada")
	fmt.Println(h.ID() != before, h.GetString("cart"))
	_, ok, _ := store.Get(context.Background(), before)
	fmt.Println(ok)
	// Output:
	// true 3 items
	// false
}

func ExampleMemoryStore_Update() {
	store := sessionstore.NewMemoryStore(sessionstore.MemoryOptions{MaxSessions: 10_000, SweepInterval: time.Minute})
	defer store.Close()
	ctx := context.Background()
	id, _ := store.Create(ctx, &sessionstore.Session{Expires: time.Now().Add(time.Hour)})

	// An atomic read-modify-write: concurrent Updates never lose each other.
	_, _ = store.Update(ctx, id, func(s *sessionstore.Session) error {
		s.AddInt("n", 41)
		s.AddInt("n", 1)
		return nil
	})
	s, ok, _ := store.Get(ctx, id)
	fmt.Println(s.GetInt("n"), ok)
	// Output:
	// 42 true
}

func ExampleMemoryStore_Stats() {
	ctx := context.Background()
	store := sessionstore.NewMemoryStore(sessionstore.MemoryOptions{MaxSessions: 2, SweepInterval: -1})
	defer store.Close()
	expires := time.Now().Add(time.Hour)
	// A user logs in: her session is renewed, and never evicted.
	id, _ := store.Create(ctx, &sessionstore.Session{Expires: expires})
	user, _, _ := store.Renew(ctx, id)
	// A flood of anonymous sessions: each new one evicts the previous.
	for range 5 {
		if _, err := store.Create(ctx, &sessionstore.Session{Expires: expires}); err != nil {
			fmt.Println(err)
		}
	}
	_, ok, _ := store.Get(ctx, user)
	fmt.Printf("user still logged in: %v; %+v\n", ok, store.Stats())
	// Output:
	// user still logged in: true; {Sessions:2 Evicted:4 Refused:0}
}
