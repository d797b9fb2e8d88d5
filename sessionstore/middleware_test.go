package sessionstore_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/microframe/microframe/cookiejar"
	"github.com/microframe/microframe/sessionstore"
)

// newManager returns a Manager over a fresh MemoryStore closed at the end of
// the test.
func newManager(t *testing.T) *sessionstore.Manager {
	store := sessionstore.NewMemoryStore(sessionstore.MemoryOptions{SweepInterval: -1})
	t.Cleanup(func() { store.Close() })
	return sessionstore.NewManager(store)
}

// counterHandler increments the session's counter and writes the new value.
func counterHandler(w http.ResponseWriter, r *http.Request) {
	n, err := sessionstore.FromContext(r.Context()).AddInt("n", 1)
	if errors.Is(err, sessionstore.ErrTooManySessions) {
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	fmt.Fprint(w, n)
}

// TestCounterOverHTTP: 100 clients, each on its own connection, share one
// session cookie and increment its counter 100 times each. Not one
// increment may be lost.
func TestCounterOverHTTP(t *testing.T) {
	m := newManager(t)
	srv := httptest.NewServer(m.Middleware(http.HandlerFunc(counterHandler)))
	defer srv.Close()

	// The first request creates the session and hands out the cookie.
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	cookies := resp.Cookies()
	if len(cookies) != 1 {
		t.Fatalf("first response set %d cookies", len(cookies))
	}
	cookie := cookies[0].Name + "=" + cookies[0].Value

	const clients, each = 100, 100
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			tr := &http.Transport{MaxIdleConnsPerHost: 1}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
			for range each {
				req, _ := http.NewRequest("GET", srv.URL, nil)
				req.Header.Set("Cookie", cookie)
				resp, err := client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || len(resp.Cookies()) != 0 {
					t.Errorf("status %d, body %q, %d cookies", resp.StatusCode, body, len(resp.Cookies()))
					return
				}
			}
		})
	}
	wg.Wait()

	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Cookie", cookie)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	// 1 (first request) + 10,000 + 1 (this one).
	if n, _ := strconv.Atoi(string(body)); n != clients*each+2 {
		t.Fatalf("counter = %s, want %d", body, clients*each+2)
	}
}

// TestLoginFlow drives login, whoami and logout through an http.Client
// whose jar is a cookiejar.Jar, checking that login renews the id.
func TestLoginFlow(t *testing.T) {
	m := newManager(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/visit", counterHandler)
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		s := sessionstore.FromContext(r.Context())
		if err := s.Renew(); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		_ = s.PutString("user", r.FormValue("user"))
	})
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s/%d", sessionstore.FromContext(r.Context()).GetString("user"),
			sessionstore.FromContext(r.Context()).GetInt("n"))
	})
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		_ = sessionstore.FromContext(r.Context()).Destroy()
	})
	srv := httptest.NewServer(m.Middleware(mux))
	defer srv.Close()
	jar := &cookiejar.Jar{}
	client := &http.Client{Jar: jar}
	defer client.CloseIdleConnections()
	u, _ := url.Parse(srv.URL)
	get := func(path string) string {
		t.Helper()
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	get("/visit")
	before := jar.Cookies(u)
	get("/login?user=ada")
	after := jar.Cookies(u)
	if len(before) != 1 || len(after) != 1 || before[0].Value == after[0].Value {
		t.Fatalf("login did not renew the id: %v -> %v", before, after)
	}
	if got := get("/whoami"); got != "ada/1" {
		t.Fatalf("whoami = %q, want ada/1 (data kept across Renew)", got)
	}
	// The pre-login id is dead: replaying it gives no user.
	req, _ := http.NewRequest("GET", srv.URL+"/whoami", nil)
	req.AddCookie(before[0])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	if string(b) != "/0" {
		t.Fatalf("old id still works: %q", b)
	}
	get("/logout")
	if jar.Len() != 0 {
		t.Fatalf("logout left %d cookies in the jar", jar.Len())
	}
	if got := get("/whoami"); got != "/0" {
		t.Fatalf("whoami after logout = %q", got)
	}
}

func TestMiddlewareCommitPoints(t *testing.T) {
	tests := []struct {
		name    string
		handler func(w http.ResponseWriter, s *sessionstore.Handle) error
		cookie  bool
		putErr  error
	}{
		{"no write", func(w http.ResponseWriter, s *sessionstore.Handle) error {
			return s.PutString("k", "v")
		}, true, nil},
		{"write after put", func(w http.ResponseWriter, s *sessionstore.Handle) error {
			err := s.PutString("k", "v")
			io.WriteString(w, "body")
			return err
		}, true, nil},
		{"WriteHeader after put", func(w http.ResponseWriter, s *sessionstore.Handle) error {
			err := s.PutString("k", "v")
			w.WriteHeader(http.StatusCreated)
			return err
		}, true, nil},
		{"1xx does not commit", func(w http.ResponseWriter, s *sessionstore.Handle) error {
			w.WriteHeader(http.StatusEarlyHints)
			return s.PutString("k", "v")
		}, true, nil},
		{"flush after put", func(w http.ResponseWriter, s *sessionstore.Handle) error {
			err := s.PutString("k", "v")
			w.(http.Flusher).Flush()
			return err
		}, true, nil},
		{"ResponseController flush", func(w http.ResponseWriter, s *sessionstore.Handle) error {
			err := s.PutString("k", "v")
			if err := http.NewResponseController(w).Flush(); err != nil {
				return err
			}
			return err
		}, true, nil},
		{"ReadFrom after put", func(w http.ResponseWriter, s *sessionstore.Handle) error {
			err := s.PutString("k", "v")
			w.(io.ReaderFrom).ReadFrom(strings.NewReader("body"))
			return err
		}, true, nil},
		{"put after write", func(w http.ResponseWriter, s *sessionstore.Handle) error {
			io.WriteString(w, "body")
			return s.PutString("k", "v")
		}, false, sessionstore.ErrCommitted},
		{"read only", func(w http.ResponseWriter, s *sessionstore.Handle) error {
			_ = s.GetString("k")
			return nil
		}, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newManager(t)
			var putErr error
			h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				putErr = tt.handler(w, sessionstore.FromContext(r.Context()))
			}))
			srv := httptest.NewServer(h)
			defer srv.Close()
			resp, err := srv.Client().Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			srv.Client().CloseIdleConnections()
			got := resp.Header.Values("Set-Cookie")
			if (len(got) == 1) != tt.cookie || len(got) > 1 {
				t.Fatalf("Set-Cookie %q, want cookie %v", got, tt.cookie)
			}
			if tt.cookie && resp.Header.Get("Vary") != "Cookie" {
				t.Error("no Vary: Cookie on a response setting the session cookie")
			}
			if !errors.Is(putErr, tt.putErr) {
				t.Fatalf("Put err = %v, want %v", putErr, tt.putErr)
			}
		})
	}
}

func TestMiddlewareUnwrapAndTLS(t *testing.T) {
	m := newManager(t)
	var inner http.ResponseWriter
	rec := httptest.NewRecorder()
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner = w.(interface{ Unwrap() http.ResponseWriter }).Unwrap()
		_ = sessionstore.FromContext(r.Context()).PutString("k", "v")
	}))
	req := httptest.NewRequest("GET", "https://example.com/", nil) // sets r.TLS
	h.ServeHTTP(rec, req)
	if inner != rec {
		t.Fatal("Unwrap does not return the original writer")
	}
	c, err := cookiejar.ParseSetCookie(rec.Result().Header.Get("Set-Cookie"))
	if err != nil || !c.Secure || !c.HttpOnly || c.SameSite != cookiejar.SameSiteLax || c.Path != "/" {
		t.Fatalf("cookie over TLS: %+v, %v", c, err)
	}
	if sessionstore.FromContext(req.Context()) != nil {
		t.Fatal("FromContext found a Handle outside the middleware")
	}
}

func TestMiddlewareTooManySessions(t *testing.T) {
	// Anonymous sessions make room for each other; renewed ones do not.
	store := sessionstore.NewMemoryStore(sessionstore.MemoryOptions{MaxSessions: 2, SweepInterval: -1})
	defer store.Close()
	m := sessionstore.NewManager(store)
	anon := m.Middleware(http.HandlerFunc(counterHandler))
	login := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := sessionstore.FromContext(r.Context())
		if err := h.PutString("user", "u"); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		if err := h.Renew(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}))
	codes := []int{}
	for _, h := range []http.Handler{anon, anon, anon, login, login, anon} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		codes = append(codes, rec.Code)
	}
	if fmt.Sprint(codes) != "[200 200 200 200 200 503]" {
		t.Fatalf("status codes %v, want [200 200 200 200 200 503]", codes)
	}
	if st := store.Stats(); st.Evicted != 3 || st.Refused != 1 || st.Sessions != 2 {
		t.Fatalf("Stats = %+v, want 3 evicted, 1 refused, 2 sessions", st)
	}
}
