package framework

import (
	"net/http"
	"strings"
	"testing"
)

// routingApp answers with the matched route and its parameters, so tests
// can see which route won.
func routingApp() *App {
	a := quietApp()
	echo := func(name string) Handler {
		return func(r *Request) Response {
			var b strings.Builder
			b.WriteString(name)
			for i := 0; i < r.params.Len(); i++ {
				n, _ := r.params.At(i)
				b.WriteString(" " + n + "=" + r.Param(n))
			}
			return Text(b.String())
		}
	}
	a.Get("/", echo("index"))
	a.Get("/users/new", echo("new-user"))
	a.Get("/users/{id}", echo("user"))
	a.Post("/users/{id}", echo("update-user"))
	a.Handle("DELETE", "/users/{id}", echo("delete-user"))
	a.Get("/users/{id}/posts", echo("posts"))
	a.Get("/files/{path...}", echo("files"))
	a.Handle("", "/any", echo("any"))
	return a
}

func TestRouting(t *testing.T) {
	tests := []struct {
		method, target string
		status         int
		body           string
		allow          string
	}{
		{"GET", "/", 200, "index", ""},
		{"GET", "/users/new", 200, "new-user", ""},           // static beats parameter
		{"GET", "/users/42", 200, "user id=42", ""},          // parameter
		{"GET", "/users/a%20b", 200, "user id=a b", ""},      // decoded parameter
		{"GET", "/users/a%2Fb", 200, "user id=a/b", ""},      // %2F does not split a segment
		{"POST", "/users/42", 200, "update-user id=42", ""},  // method picks the route
		{"GET", "/users/new/posts", 200, "posts id=new", ""}, // backtracking to the parameter
		{"GET", "/files/a/b/c.txt", 200, "files path=a/b/c.txt", ""},
		{"PATCH", "/any", 200, "any", ""},  // any method
		{"HEAD", "/users/42", 200, "", ""}, // GET answers HEAD, without a body
		{"GET", "/nope", 404, "no route found for GET /nope\n", ""},
		{"PUT", "/users/42", 405, "method PUT not allowed for /users/42 (allowed: DELETE, GET, HEAD, POST)\n", "DELETE, GET, HEAD, POST"},
	}
	transports(t, routingApp(), func(t *testing.T, do func(*http.Request) result) {
		for _, tt := range tests {
			res := do(newReq(tt.method, tt.target, ""))
			if res.status != tt.status || res.body != tt.body {
				t.Errorf("%s %s: got %d %q, want %d %q", tt.method, tt.target, res.status, res.body, tt.status, tt.body)
			}
			if got := res.header.Get("Allow"); got != tt.allow {
				t.Errorf("%s %s: Allow %q, want %q", tt.method, tt.target, got, tt.allow)
			}
		}
	})
}

func TestMalformedPathEscape(t *testing.T) {
	// net/http refuses such a target itself; the engine hands it over.
	req := get("/")
	req.URL.Opaque = "/users/%zz"
	res := client(t, serveEngine(t, routingApp()))(req)
	if res.status != 400 || res.body != "malformed percent-encoding in path\n" {
		t.Fatalf("got %d %q", res.status, res.body)
	}
}

func TestHeadGetsContentLength(t *testing.T) {
	a := quietApp()
	a.Get("/", func(r *Request) Response { return Text("twelve bytes") })
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		res := do(newReq("HEAD", "/", ""))
		if res.status != 200 || res.body != "" || res.header.Get("Content-Length") != "12" {
			t.Fatalf("HEAD: %d %q Content-Length %q", res.status, res.body, res.header.Get("Content-Length"))
		}
	})
}

func TestCustomNotFound(t *testing.T) {
	a := quietApp()
	a.NotFound = func(r *Request) Response { return HTML("<h1>gone</h1>").WithStatus(404) }
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		res := do(get("/x"))
		if res.status != 404 || res.body != "<h1>gone</h1>" || !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") {
			t.Fatalf("got %d %q %v", res.status, res.body, res.header)
		}
	})
}

func TestRegistrationPanics(t *testing.T) {
	h := func(r *Request) Response { return Text("") }
	tests := []struct {
		name    string
		setup   func(a *App)
		wantMsg []string
	}{
		{"conflict", func(a *App) {
			a.Get("/todo/{id}", h)
			a.Get("/todo/{name}", h)
		}, []string{"framework: ", "/todo/{id}", "/todo/{name}"}},
		{"malformed", func(a *App) { a.Get("/a{id}", h) }, []string{"framework: ", "/a{id}"}},
		{"nil handler", func(a *App) { a.Get("/", nil) }, []string{"framework: ", "nil handler"}},
		{"bad method", func(a *App) { a.Handle("GE T", "/", h) }, []string{"framework: ", "GE T"}},
		{"after serving", func(a *App) {
			a.ServeHTTP(newRecorder(), get("/"))
			a.Get("/late", h)
		}, []string{"framework: App.Handle after the App started serving"}},
		{"use after serving", func(a *App) {
			a.ServeHTTP(newRecorder(), get("/"))
			a.Use(func(next Handler) Handler { return next })
		}, []string{"framework: App.Use after"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := catchPanic(func() { tt.setup(quietApp()) })
			for _, w := range tt.wantMsg {
				if !strings.Contains(msg, w) {
					t.Errorf("panic %q does not contain %q", msg, w)
				}
			}
		})
	}
}

func TestRoutesAndTable(t *testing.T) {
	a := routingApp()
	routes := a.Routes()
	if len(routes) != 8 {
		t.Fatalf("%d routes, want 8: %v", len(routes), routes)
	}
	// Dispatch order: static before parameter before wildcard.
	var order []string
	for _, r := range routes {
		order = append(order, r.Method+" "+r.Pattern)
		if r.Handler == nil || r.Name == "" {
			t.Errorf("route %v lacks a handler or name", r)
		}
	}
	want := "GET / |  /any | GET /files/{path...} | GET /users/new | DELETE /users/{id} | GET /users/{id} | POST /users/{id} | GET /users/{id}/posts"
	if got := strings.Join(order, " | "); got != want {
		t.Errorf("order\n got %q\nwant %q", got, want)
	}
	var b strings.Builder
	if err := a.WriteRoutes(&b); err != nil {
		t.Fatal(err)
	}
	table := b.String()
	for _, w := range []string{"METHOD", "PATTERN", "HANDLER", "*       /any", "GET     /users/{id}/posts"} {
		if !strings.Contains(table, w) {
			t.Errorf("table lacks %q:\n%s", w, table)
		}
	}
}

func TestMiddlewareOrder(t *testing.T) {
	a := quietApp()
	var trace []string
	mw := func(name string) Middleware {
		return func(next Handler) Handler {
			return func(r *Request) Response {
				trace = append(trace, name+">")
				resp := next(r)
				trace = append(trace, "<"+name)
				return resp.AddHeader("X-Trace", name)
			}
		}
	}
	a.Use(mw("outer"), mw("inner"))
	a.Get("/", func(r *Request) Response { trace = append(trace, "handler"); return Text("ok") })
	rec := newRecorder()
	a.ServeHTTP(rec, get("/"))
	if got := strings.Join(trace, " "); got != "outer> inner> handler <inner <outer" {
		t.Fatalf("trace %q", got)
	}
	if got := rec.Header().Values("X-Trace"); strings.Join(got, ",") != "inner,outer" {
		t.Fatalf("X-Trace %v", got)
	}
	// Middleware wraps unrouted requests too.
	trace = nil
	a.ServeHTTP(newRecorder(), get("/missing"))
	if got := strings.Join(trace, " "); got != "outer> inner> <inner <outer" {
		t.Fatalf("trace for 404 %q", got)
	}
}

// TestPanicWithoutRecover: with no Recover middleware, the engine answers
// 500 and the App keeps serving.
func TestPanicWithoutRecover(t *testing.T) {
	a := quietApp()
	a.Get("/panic", func(r *Request) Response { panic("boom") })
	a.Get("/ok", func(r *Request) Response { return Text("ok") })
	do := client(t, serveEngine(t, a))
	if res := do(get("/panic")); res.status != 500 {
		t.Fatalf("panic: %d", res.status)
	}
	if res := do(get("/ok")); res.status != 200 || res.body != "ok" {
		t.Fatalf("after panic: %d %q", res.status, res.body)
	}
}
