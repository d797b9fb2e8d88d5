package framework

import (
	"net/http"
	"net/http/cookiejar"
	"strconv"
	"strings"
	"testing"

	"github.com/microframe/microframe/sessionstore"
)

// sessionApp is the counter/login/whoami/logout quartet of the todo app.
func sessionApp(t *testing.T) *App {
	store := sessionstore.NewMemoryStore(sessionstore.MemoryOptions{SweepInterval: -1})
	t.Cleanup(func() { store.Close() })
	a := quietApp()
	a.Use(Sessions(sessionstore.NewManager(store)))
	a.Get("/counter", func(r *Request) Response {
		n, err := r.Session().AddInt("counter", 1)
		if err != nil {
			return Error(err)
		}
		return Text(strconv.FormatInt(n, 10))
	})
	a.Post("/login", func(r *Request) Response {
		if err := r.Session().Renew(); err != nil {
			return Error(err)
		}
		if err := r.Session().PutString("user", r.Form("user")); err != nil {
			return Error(err)
		}
		return Text("hello " + r.Form("user"))
	})
	a.Get("/whoami", func(r *Request) Response {
		u := r.Session().GetString("user")
		if u == "" {
			return Errorf(http.StatusUnauthorized, "not logged in")
		}
		return Text(u)
	})
	a.Post("/logout", func(r *Request) Response {
		if err := r.Session().Destroy(); err != nil {
			return Error(err)
		}
		return Text("bye")
	})
	a.Get("/untouched", func(r *Request) Response { return Text("x") })
	a.Post("/prefs", func(r *Request) Response {
		type prefs struct{ Theme string }
		if err := SessionPut(r, "prefs", prefs{Theme: r.Form("theme")}); err != nil {
			return Error(err)
		}
		p, ok, err := SessionGet[prefs](r, "prefs")
		_, okMissing, _ := SessionGet[prefs](r, "none")
		if err != nil || !ok || okMissing {
			return Errorf(500, "get: %v %v %v", ok, okMissing, err)
		}
		return Text(p.Theme)
	})
	return a
}

func TestSessions(t *testing.T) {
	for _, tr := range []struct {
		name  string
		serve func(testing.TB, *App) string
	}{{"nethttp", serveNetHTTP}, {"engine", serveEngine}} {
		t.Run(tr.name, func(t *testing.T) {
			base := "http://" + tr.serve(t, sessionApp(t))
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar, Transport: &http.Transport{}}
			t.Cleanup(c.CloseIdleConnections)
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
}

func TestSessionWithoutMiddleware(t *testing.T) {
	if msg := catchPanic(func() { (&Request{}).Session() }); !strings.Contains(msg, "without the Sessions middleware") {
		t.Fatalf("panic %q", msg)
	}
}
