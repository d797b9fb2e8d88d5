package session

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/microframe/microframe/engine/enginetest"
	"github.com/microframe/microframe/framework"
	"github.com/microframe/microframe/framework/middleware"
	"github.com/microframe/microframe/sessionstore"
)

// sessionApp is the counter/login/whoami/logout quartet of the todo app.
func sessionApp(t *testing.T) *framework.App {
	store := sessionstore.NewMemoryStore(sessionstore.MemoryOptions{SweepInterval: -1})
	t.Cleanup(func() { store.Close() })
	a := quietApp()
	a.Use(Middleware(sessionstore.NewManager(store)))
	a.Get("/counter", func(r *framework.Request) framework.Response {
		n, err := From(r).AddInt("counter", 1)
		if err != nil {
			return framework.Error(err)
		}
		return framework.Text(strconv.FormatInt(n, 10))
	})
	a.Post("/login", func(r *framework.Request) framework.Response {
		if err := From(r).Renew(); err != nil {
			return framework.Error(err)
		}
		if err := From(r).PutString("user", r.Form("user")); err != nil {
			return framework.Error(err)
		}
		return framework.Text("hello " + r.Form("user"))
	})
	a.Get("/whoami", func(r *framework.Request) framework.Response {
		u := From(r).GetString("user")
		if u == "" {
			return framework.Errorf(http.StatusUnauthorized, "not logged in")
		}
		return framework.Text(u)
	})
	a.Post("/logout", func(r *framework.Request) framework.Response {
		if err := From(r).Destroy(); err != nil {
			return framework.Error(err)
		}
		return framework.Text("bye")
	})
	a.Get("/untouched", func(r *framework.Request) framework.Response { return framework.Text("x") })
	a.Post("/prefs", func(r *framework.Request) framework.Response {
		type prefs struct{ Theme string }
		if err := Put(r, "prefs", prefs{Theme: r.Form("theme")}); err != nil {
			return framework.Error(err)
		}
		p, ok, err := Get[prefs](r, "prefs")
		_, okMissing, _ := Get[prefs](r, "none")
		if err != nil || !ok || okMissing {
			return framework.Errorf(500, "get: %v %v %v", ok, okMissing, err)
		}
		return framework.Text(p.Theme)
	})
	return a
}

// onEachServer runs test against sessionApp served by the engine and by
// net/http (enginetest.ForEachServer), with a client that keeps cookies.
func onEachServer(t *testing.T, test func(t *testing.T, base string, c *http.Client)) {
	enginetest.ForEachServer(t, func() *framework.App { return sessionApp(t) }, func(t *testing.T, base string, c *http.Client) {
		c.Jar, _ = cookiejar.New(nil)
		test(t, base, c)
	})
}

func TestSessions(t *testing.T) {
	onEachServer(t, func(t *testing.T, base string, c *http.Client) {
		call := func(method, path, form string) (*http.Response, string) {
			t.Helper()
			req, _ := http.NewRequest(method, base+path, strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var b strings.Builder
			buf := make([]byte, 512)
			for {
				n, err := resp.Body.Read(buf)
				b.Write(buf[:n])
				if err != nil {
					break
				}
			}
			return resp, b.String()
		}
		if resp, _ := call("GET", "/untouched", ""); resp.Header.Get("Set-Cookie") != "" {
			t.Errorf("an untouched session set a cookie: %q", resp.Header.Get("Set-Cookie"))
		}
		resp, body := call("GET", "/counter", "")
		setCookie := resp.Header.Get("Set-Cookie")
		for _, w := range []string{"session=", "Path=/", "HttpOnly", "SameSite=Lax"} {
			if !strings.Contains(setCookie, w) {
				t.Errorf("Set-Cookie %q lacks %q", setCookie, w)
			}
		}
		if strings.Contains(setCookie, "Secure") {
			t.Errorf("Secure over plain HTTP: %q", setCookie)
		}
		if resp.Header.Get("Vary") != "Cookie" || body != "1" {
			t.Errorf("first count: %q, Vary %q", body, resp.Header.Get("Vary"))
		}
		for want := 2; want <= 3; want++ {
			resp, body := call("GET", "/counter", "")
			if body != strconv.Itoa(want) || resp.Header.Get("Set-Cookie") != "" {
				t.Errorf("count %q, want %d (Set-Cookie %q)", body, want, resp.Header.Get("Set-Cookie"))
			}
		}
		if resp, _ := call("GET", "/whoami", ""); resp.StatusCode != 401 {
			t.Errorf("whoami before login: %d", resp.StatusCode)
		}
		resp, _ = call("POST", "/login", "user=ada")
		renewed := resp.Header.Get("Set-Cookie")
		if renewed == "" || renewed == setCookie {
			t.Errorf("login did not renew the id: %q then %q", setCookie, renewed)
		}
		if _, body := call("GET", "/whoami", ""); body != "ada" {
			t.Errorf("whoami %q", body)
		}
		if _, body := call("GET", "/counter", ""); body != "4" {
			t.Errorf("counter after login %q: data must survive Renew", body)
		}
		if _, body := call("POST", "/prefs", "theme=dark"); body != "dark" {
			t.Errorf("prefs %q", body)
		}
		resp, _ = call("POST", "/logout", "")
		if !strings.Contains(resp.Header.Get("Set-Cookie"), "Max-Age=0") && !strings.Contains(resp.Header.Get("Set-Cookie"), "Expires=Thu, 01 Jan 1970") {
			t.Errorf("logout did not delete the cookie: %q", resp.Header.Get("Set-Cookie"))
		}
		if resp, _ := call("GET", "/whoami", ""); resp.StatusCode != 401 {
			t.Errorf("whoami after logout: %d", resp.StatusCode)
		}
	})
}

func TestFromWithoutMiddleware(t *testing.T) {
	a := quietApp()
	a.Use(middleware.Recover(nil))
	a.Get("/", func(r *framework.Request) framework.Response { return framework.Text(From(r).ID()) })
	rec := httptest.NewRecorder()
	a.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 500 {
		t.Fatalf("From without the middleware: %d %q, want a 500 from the panic", rec.Code, rec.Body)
	}
}

func TestStoreFullIs503(t *testing.T) {
	a := quietApp()
	a.Get("/", func(r *framework.Request) framework.Response {
		return framework.Error(fmt.Errorf("new session: %w", sessionstore.ErrTooManySessions))
	})
	rec := httptest.NewRecorder()
	a.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 503 || rec.Body.String() != "Service Unavailable\n" {
		t.Fatalf("got %d %q", rec.Code, rec.Body)
	}
}
