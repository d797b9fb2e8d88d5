package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// IgnoreCurrent: package ants starts its default pool's goroutines at init.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m, goleak.IgnoreCurrent()) }

// syncBuffer is a bytes.Buffer safe for the server's logger and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startTodo runs the app as main does, on a random port, until the test
// ends, and returns its base URL and its log.
func startTodo(t testing.TB, args ...string) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	logs := &syncBuffer{}
	go func() {
		done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), io.Discard, logs, ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("run: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("server did not start")
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return "http://" + addr, logs
}

// browser is an http.Client with cookies that does not follow redirects.
func browser(t testing.TB) *http.Client {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Transport: &http.Transport{},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func fetch(t testing.TB, c *http.Client, method, u string, form url.Values) (int, http.Header, string) {
	t.Helper()
	if form == nil {
		return send(t, c, method, u, "")
	}
	return send(t, c, method, u, form.Encode(), "Content-Type", "application/x-www-form-urlencoded")
}

func TestTodoApp(t *testing.T) {
	for _, server := range []string{"engine", "nethttp"} {
		t.Run(server, func(t *testing.T) {
			base, logs := startTodo(t, "-server", server, "-debug")
			c := browser(t)
			code, _, body := fetch(t, c, "GET", base+"/", nil)
			if code != 200 || !strings.Contains(body, `<form method="post" action="/todo/create">`) || !strings.Contains(body, "Nothing here.") {
				t.Fatalf("index: %d %s", code, body)
			}
			for _, f := range []url.Values{
				{"task": {"walk the dog"}},
				{"task": {"buy milk"}, "pos": {""}},
				{"task": {"<b>first</b>"}, "pos": {"1"}},
			} {
				code, h, _ := fetch(t, c, "POST", base+"/todo/create", f)
				if code != http.StatusSeeOther || h.Get("Location") != "/" {
					t.Fatalf("create %v: %d %v", f, code, h)
				}
			}
			_, _, body = fetch(t, c, "GET", base+"/", nil)
			want := `<span class="task">&lt;b&gt;first&lt;/b&gt;</span>.*\n.*<span class="task">walk the dog</span>.*\n.*<span class="task">buy milk</span>`
			if !regexp.MustCompile(want).MatchString(body) {
				t.Fatalf("list is not first, dog, milk (escaped):\n%s", body)
			}
			for _, tc := range []struct {
				path string
				code int
				body string
			}{
				{"/todo/2", 200, "walk the dog"},
				{"/todo/3?upper=true", 200, "BUY MILK"},
				{"/todo/3?format=json", 200, `{"pos":3,"task":"buy milk"}` + "\n"},
				{"/todo/9", 404, "no todo at position 9\n"},
				{"/todo/two", 400, "path parameter \"pos\": \"two\" is not an integer\n"},
				{"/todo/1?upper=maybe", 400, "query parameter \"upper\": \"maybe\" is not a boolean\n"},
			} {
				if code, _, body := fetch(t, c, "GET", base+tc.path, nil); code != tc.code || body != tc.body {
					t.Errorf("GET %s: %d %q, want %d %q", tc.path, code, body, tc.code, tc.body)
				}
			}
			if code, _, body := fetch(t, c, "POST", base+"/todo/create", url.Values{"task": {"x"}, "pos": {"two"}}); code != 400 || body != "form parameter \"pos\": \"two\" is not an integer\n" {
				t.Errorf("bad pos: %d %q", code, body)
			}
			if code, _, _ := fetch(t, c, "POST", base+"/todo/create", url.Values{"task": {"  "}}); code != 400 {
				t.Errorf("blank task: %d", code)
			}
			_, _, body = fetch(t, c, "GET", base+"/search?q=MILK&q=dog", nil)
			if !strings.Contains(body, `<span class="task">walk the dog</span>`) || !strings.Contains(body, `<span class="task">buy milk</span>`) || strings.Contains(body, "first") {
				t.Errorf("search milk or dog:\n%s", body)
			}
			if _, _, body := fetch(t, c, "GET", base+"/search?q=nothing", nil); !strings.Contains(body, "Nothing here.") {
				t.Errorf("search nothing:\n%s", body)
			}
			for want := 1; want <= 3; want++ {
				if _, _, body := fetch(t, c, "GET", base+"/counter", nil); body != string(rune('0'+want)) {
					t.Errorf("counter %q, want %d", body, want)
				}
			}
			if code, _, _ := fetch(t, c, "GET", base+"/whoami", nil); code != 401 {
				t.Errorf("whoami before login: %d", code)
			}
			code, h, _ := fetch(t, c, "POST", base+"/login", url.Values{"user": {"ada"}})
			if code != 200 || !strings.Contains(h.Get("Set-Cookie"), "HttpOnly") {
				t.Errorf("login: %d %v", code, h)
			}
			if _, _, body := fetch(t, c, "GET", base+"/whoami", nil); body != "ada" {
				t.Errorf("whoami %q", body)
			}
			if _, _, body := fetch(t, c, "GET", base+"/counter", nil); body != "4" {
				t.Errorf("counter after login %q", body)
			}
			fetch(t, c, "POST", base+"/logout", nil)
			if code, _, _ := fetch(t, c, "GET", base+"/whoami", nil); code != 401 {
				t.Errorf("whoami after logout: %d", code)
			}
			if code, h, _ := fetch(t, c, "PUT", base+"/counter", nil); code != 405 || h.Get("Allow") != "GET, HEAD" {
				t.Errorf("PUT /counter: %d %v", code, h)
			}
			if !strings.Contains(logs.String(), "msg=request method=GET path=/counter route=/counter status=200") {
				t.Errorf("-debug did not log requests:\n%s", logs.String())
			}
		})
	}
}

func TestRoutesFlag(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-routes"}, &out, io.Discard, nil); err != nil {
		t.Fatal(err)
	}
	want := `METHOD  PATTERN             HANDLER
GET     /                   todoApp.Index
GET     /api/todos          todoAPI.List
POST    /api/todos          todoAPI.Create
DELETE  /api/todos/{pos}    todoAPI.Remove
GET     /api/todos/{pos}    todoAPI.Show
PUT     /api/todos/{pos}    todoAPI.Update
GET     /counter            todoApp.Counter
GET     /login              todoApp.LoginForm
POST    /login              todoApp.Login
POST    /logout             todoApp.Logout
GET     /search             todoApp.Search
GET     /static/{path...}   framework.Static
POST    /todo/create        todoApp.Create
GET     /todo/{pos}         todoApp.Item
POST    /todo/{pos}/delete  todoApp.Delete
GET     /whoami             todoApp.WhoAmI
`
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestSeedFlag(t *testing.T) {
	base, _ := startTodo(t, "-seed", "3")
	c := browser(t)
	if code, _, body := fetch(t, c, "GET", base+"/todo/3?format=json", nil); code != 200 || body != `{"pos":3,"task":"example todo 3"}`+"\n" {
		t.Fatalf("seeded todo 3: %d %q", code, body)
	}
	if code, _, _ := fetch(t, c, "GET", base+"/todo/4", nil); code != 404 {
		t.Fatalf("todo 4 of 3: %d", code)
	}
}

func TestBadFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-server", "apache"}, `unknown -server "apache"`},
		{[]string{"-store", "mongo"}, `unknown -store "mongo"`},
		{[]string{"-addr", "256.0.0.1:1"}, "listen tcp"},
		{[]string{"-nope"}, "flag provided but not defined"},
		{[]string{"extra"}, "unexpected arguments"},
		{[]string{"-seed", "many"}, "invalid value"},
		{[]string{"-seed", "-1"}, "-seed -1: want 0 to 10000"},
		{[]string{"-max-sessions", "-1"}, "-max-sessions -1: want 0"},
		{[]string{"-store", "redis", "-max-sessions", "10"}, "-max-sessions applies to -store memory"},
		{[]string{"-addr", "localhost"}, `-addr "localhost"`},
		{[]string{"-addr", "127.0.0.1:99999"}, "not a number in 0..65535"},
		{[]string{"-store", "redis", "-redis-addr", "nowhere"}, `-redis-addr "nowhere"`},
		{[]string{"-store", "redis", "-redis-addr", "127.0.0.1:7000,nowhere"}, `-redis-addr "nowhere"`},
		{[]string{"-store", "redis", "-redis-replicas", "-1"}, "-redis-replicas -1 is negative"},
		{[]string{"-templates", "/does/not/exist"}, "is not a directory"},
	}
	// The flags are checked before the program listens: a bad one is
	// reported as such even while the default address is taken (by a
	// running demo, or here by the test).
	if l, err := net.Listen("tcp", "127.0.0.1:8080"); err == nil {
		defer l.Close()
	}
	for _, tt := range tests {
		err := run(context.Background(), tt.args, io.Discard, io.Discard, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err %v, want %q", tt.args, err, tt.want)
		}
	}
}

// TestDevTemplates: with -templates, an edited template shows on reload.
func TestDevTemplates(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"layout.html", "list.html", "index.html", "search.html"} {
		b, err := embedded.ReadFile("templates/" + name)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir+"/"+name, b, time.Now().Add(-time.Hour))
	}
	base, _ := startTodo(t, "-templates", dir)
	c := browser(t)
	if _, _, body := fetch(t, c, "GET", base+"/", nil); !strings.Contains(body, "<h1>Todos</h1>") {
		t.Fatalf("index:\n%s", body)
	}
	b, _ := embedded.ReadFile("templates/index.html")
	writeFile(t, dir+"/index.html", bytes.Replace(b, []byte("<h1>Todos</h1>"), []byte("<h1>Edited</h1>"), 1), time.Now())
	if _, _, body := fetch(t, c, "GET", base+"/", nil); !strings.Contains(body, "<h1>Edited</h1>") {
		t.Fatalf("edit not picked up:\n%s", body)
	}
}

func writeFile(t testing.TB, path string, b []byte, mod time.Time) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mod, mod); err != nil {
		t.Fatal(err)
	}
}
