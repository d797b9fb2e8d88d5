package redisstore_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/microframe/microframe/framework"
	"github.com/microframe/microframe/framework/session"
	"github.com/microframe/microframe/sessionstore"
	"github.com/microframe/microframe/sessionstore/redisstore"
	"github.com/microframe/microframe/sessionstore/redisstore/redistest"
	"github.com/redis/go-redis/v9"
)

// lockedBuffer is a log destination the test can read while requests run.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// counterApp serves GET /counter, a per-session counter, with its
// sessions in Redis at addr, and logs to the returned buffer.
func counterApp(t *testing.T, addr string) (get func(cookie string) *httptest.ResponseRecorder, logs *lockedBuffer) {
	client := redis.NewClient(&redis.Options{Addr: addr,
		DialTimeout: time.Second, ReadTimeout: 200 * time.Millisecond, MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { client.Close() })
	logs = &lockedBuffer{}
	app := framework.New()
	app.Logger = slog.New(slog.NewTextHandler(logs, nil))
	app.Use(session.Middleware(sessionstore.NewManager(redisstore.New(client, redisstore.Options{}))))
	app.Get("/counter", func(r *framework.Request) framework.Response {
		n, err := session.From(r).AddInt("n", 1)
		if err != nil {
			return framework.Error(err)
		}
		return framework.Text(strconv.FormatInt(n, 10))
	})
	return func(cookie string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/counter", nil)
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		w := httptest.NewRecorder()
		app.ServeHTTP(w, req)
		return w
	}, logs
}

// checkUnavailable checks that a request made while Redis fails was
// answered 503, without a new session cookie.
func checkUnavailable(t *testing.T, w *httptest.ResponseRecorder, cookie string) {
	t.Helper()
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("/counter with Redis failing (cookie %q) = %d %q, want 503", cookie, w.Code, w.Body)
	}
	if sc := w.Header().Get("Set-Cookie"); sc != "" {
		t.Errorf("/counter with Redis failing sent Set-Cookie %q: a silently new session", sc)
	}
}

// TestFrameworkRedisDown serves a session counter through package
// framework and kills Redis under it: clients get 503 and no new session
// cookie, and the error is logged. When Redis is back (empty, as a
// restarted Redis without persistence is), sessions start again normally.
func TestFrameworkRedisDown(t *testing.T) {
	srv := redistest.Start(t)
	get, logs := counterApp(t, srv.Addr)

	first := get("")
	if first.Code != 200 || first.Body.String() != "1" {
		t.Fatalf("first /counter = %d %q", first.Code, first.Body)
	}
	cookie, _, _ := strings.Cut(first.Header().Get("Set-Cookie"), ";")
	if w := get(cookie); w.Code != 200 || w.Body.String() != "2" {
		t.Fatalf("second /counter = %d %q", w.Code, w.Body)
	}

	srv.Stop()
	for _, c := range []string{cookie, ""} {
		checkUnavailable(t, get(c), c)
	}
	if l := logs.String(); !strings.Contains(l, "level=ERROR") || !strings.Contains(l, "redisstore: ") {
		t.Errorf("no error logged for the Redis failure; log:\n%s", l)
	}

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	// The restarted Redis is empty: the old cookie names no session, so a
	// new one starts at 1, with a new cookie.
	w := get(cookie)
	if w.Code != 200 || w.Body.String() != "1" || w.Header().Get("Set-Cookie") == "" {
		t.Fatalf("/counter after Redis came back = %d %q, Set-Cookie %q", w.Code, w.Body, w.Header().Get("Set-Cookie"))
	}
}

// TestFrameworkRedisHangs freezes Redis (SIGSTOP): requests time out into
// 503s instead of hanging, and once Redis resumes the session is intact.
func TestFrameworkRedisHangs(t *testing.T) {
	srv := redistest.Start(t)
	get, logs := counterApp(t, srv.Addr)
	first := get("")
	cookie, _, _ := strings.Cut(first.Header().Get("Set-Cookie"), ";")
	if first.Code != 200 || cookie == "" {
		t.Fatalf("first /counter = %d %q", first.Code, first.Body)
	}
	if err := srv.Pause(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	checkUnavailable(t, get(cookie), cookie)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a request took %v with Redis frozen; the 200ms read timeout should bound it", d)
	}
	if err := srv.Resume(); err != nil {
		t.Fatal(err)
	}
	if w := get(cookie); w.Code != 200 || w.Body.String() != "2" {
		t.Fatalf("/counter after Redis resumed = %d %q, want 2: the session was lost", w.Code, w.Body)
	}
	if !strings.Contains(logs.String(), "i/o timeout") {
		t.Errorf("the timeout was not logged; log:\n%s", logs)
	}
}
