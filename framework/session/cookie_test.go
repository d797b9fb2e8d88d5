package session

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/microframe/microframe/cookiejar"
	"github.com/microframe/microframe/framework"
	"github.com/microframe/microframe/sessionstore"
)

// The framework's Middleware and sessionstore's net/http Manager.Middleware
// read the session cookie by the same rules (internal/cookieheader) and
// commit it with the same headers (Handle.CommitHeader): for every Cookie
// header both find the same session, and a new session gets the same
// headers from both.
func TestMiddlewaresAgree(t *testing.T) {
	store := sessionstore.NewMemoryStore(sessionstore.MemoryOptions{SweepInterval: -1})
	t.Cleanup(func() { store.Close() })
	m := sessionstore.NewManager(store)
	h := m.Load(context.Background(), "")
	if err := h.PutString("user", "ada"); err != nil {
		t.Fatal(err)
	}
	line, _, err := h.Commit(false)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cookiejar.ParseSetCookie(line)
	if err != nil {
		t.Fatal(err)
	}
	v := c.Value

	app := quietApp()
	app.Use(Middleware(m))
	app.Get("/", func(r *framework.Request) framework.Response { return framework.Text(From(r).GetString("user")) })
	app.Get("/new", func(r *framework.Request) framework.Response {
		if err := From(r).PutString("k", "v"); err != nil {
			return framework.Error(err)
		}
		return framework.Text("")
	})
	std := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := sessionstore.FromContext(r.Context())
		if r.URL.Path == "/new" {
			if err := s.PutString("k", "v"); err != nil {
				http.Error(w, err.Error(), 500)
			}
			return
		}
		fmt.Fprint(w, s.GetString("user"))
	}))

	for _, tt := range []struct {
		cookie []string
		want   string
	}{
		{[]string{"session=" + v}, "ada"},
		{[]string{`session="` + v + `"`}, "ada"},
		{[]string{"theme=dark", "session=" + v}, "ada"},
		{[]string{"odd name=1; junk; =x; session=" + v}, "ada"},
		// The first pair named session wins, whatever its value: net/http's
		// rules skipped "a b" and "é" and went on to the second pair; the
		// framework's skipped "a b" alone.
		{[]string{"session=a b; session=" + v}, ""},
		{[]string{"session=é; session=" + v}, ""},
		{[]string{`session=a\b; session=` + v}, ""},
		{[]string{"session=\x01; session=" + v}, "ada"}, // a malformed pair is skipped
	} {
		var got [2]string
		for i, h := range []http.Handler{app, std} {
			req := httptest.NewRequest("GET", "/", nil)
			req.Header["Cookie"] = tt.cookie
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			got[i] = rec.Body.String()
		}
		if got[0] != tt.want || got[1] != tt.want {
			t.Errorf("Cookie %q: framework/session sees %q, Manager.Middleware %q; want %q", tt.cookie, got[0], got[1], tt.want)
		}
	}

	var hdr [2]http.Header
	for i, h := range []http.Handler{app, std} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/new", nil))
		hdr[i] = rec.Result().Header
	}
	for _, name := range []string{"Vary", "Cache-Control"} {
		if a, b := hdr[0].Values(name), hdr[1].Values(name); fmt.Sprint(a) != fmt.Sprint(b) || len(a) != 1 {
			t.Errorf("a new session's %s: framework/session %q, Manager.Middleware %q", name, a, b)
		}
	}
	if len(hdr[0]["Set-Cookie"]) != 1 || len(hdr[1]["Set-Cookie"]) != 1 {
		t.Errorf("Set-Cookie: framework/session %q, Manager.Middleware %q", hdr[0]["Set-Cookie"], hdr[1]["Set-Cookie"])
	}
}
