package router_test

import (
	"fmt"

	"github.com/microframe/microframe/framework/router"
)

func ExampleRouter_Lookup() {
	r := router.New[string]()
	r.Handle("GET", "/todos/{id}", "show todo")
	r.Handle("DELETE", "/todos/{id}", "delete todo")
	r.Handle("GET", "/static/{path...}", "serve file")

	// Keep one Params per connection or goroutine: Lookup resets it, and
	// reusing it is what keeps lookups free of allocations.
	var ps router.Params
	for _, req := range []struct{ method, path string }{
		{"GET", "/todos/42"},
		{"HEAD", "/todos/42"},
		{"GET", "/static/css/site.css"},
		{"PUT", "/todos/42"},
		{"GET", "/nope"},
	} {
		h, res, allow := r.Lookup(req.method, req.path, &ps)
		switch res {
		case router.Found:
			fmt.Printf("%s %s -> %s (pattern %s)", req.method, req.path, h, ps.Pattern())
			for i := range ps.Len() {
				name, value := ps.At(i)
				fmt.Printf(" %s=%q", name, value)
			}
			fmt.Println()
		case router.MethodNotAllowed:
			fmt.Printf("%s %s -> 405, Allow: %s\n", req.method, req.path, allow)
		case router.NotFound:
			fmt.Printf("%s %s -> 404\n", req.method, req.path)
		}
	}
	// Output:
	// GET /todos/42 -> show todo (pattern /todos/{id}) id="42"
	// HEAD /todos/42 -> show todo (pattern /todos/{id}) id="42"
	// GET /static/css/site.css -> serve file (pattern /static/{path...}) path="css/site.css"
	// PUT /todos/42 -> 405, Allow: DELETE, GET, HEAD
	// GET /nope -> 404
}

func ExampleRouter_Handle() {
	// A fixed segment and a parameter in the same place are not a conflict:
	// the fixed one is tried first, and the walk backtracks when it leads
	// nowhere.
	r := router.New[string]()
	r.Handle("GET", "/users/new", "new-user form")
	r.Handle("GET", "/users/{id}", "user")
	r.Handle("GET", "/users/{id}/posts", "user's posts")
	r.Handle("*", "/users/{rest...}", "anything else under /users/")

	var ps router.Params
	for _, path := range []string{"/users/new", "/users/7", "/users/new/posts", "/users/7/a/b"} {
		h, _, _ := r.Lookup("GET", path, &ps)
		fmt.Printf("%-17s -> %s\n", path, h)
	}

	// Two patterns that differ only in parameter names are a conflict.
	defer func() { fmt.Println(recover()) }()
	r.Handle("GET", "/users/{name}", "dup")
	// Output:
	// /users/new        -> new-user form
	// /users/7          -> user
	// /users/new/posts  -> user's posts
	// /users/7/a/b      -> anything else under /users/
	// router: pattern "/users/{name}" conflicts with "/users/{id}", already registered for method GET
}

func ExampleParams_Get() {
	r := router.New[int]()
	r.Handle("GET", "/repos/{owner}/{repo}/contents/{path...}", 1)

	var ps router.Params
	r.Lookup("GET", "/repos/golang/go/contents/src/net/http/server.go", &ps)
	owner, _ := ps.Get("owner")
	path, _ := ps.Get("path")
	_, ok := ps.Get("branch")
	fmt.Println(owner, path, ok)
	// Output: golang src/net/http/server.go false
}

func ExampleRouter_Routes() {
	r := router.New[int]()
	r.Handle("GET", "/users/{id}", 1)
	r.Handle("", "/users/{id}", 2)
	r.Handle("POST", "/users", 3)
	r.Handle("GET", "/users/me", 4)
	for _, rt := range r.Routes() {
		m := rt.Method
		if m == "" {
			m = "(any)"
		}
		fmt.Printf("%-5s %s\n", m, rt.Pattern)
	}
	// Output:
	// POST  /users
	// GET   /users/me
	// GET   /users/{id}
	// (any) /users/{id}
}
