package router

import (
	"strconv"
	"strings"
	"sync"
	"testing"
)

// route is one registration in a test table; the handler is the route's
// own "METHOD pattern" string, so a lookup says which route it reached.
type route struct{ method, pattern string }

func (r route) id() string {
	m := r.method
	if m == "" || m == "*" {
		m = "*"
	}
	return m + " " + r.pattern
}

func build(t testing.TB, routes []route) *Router[string] {
	t.Helper()
	r := New[string]()
	for _, rt := range routes {
		r.Handle(rt.method, rt.pattern, rt.id())
	}
	return r
}

// lookupCase is one request and what the router must answer.
type lookupCase struct {
	method, path string
	want         string   // the id of the route reached; "" unless Found
	params       []string // name, value, name, value...
	res          Result
	allow        string
}

// checkLookups runs every case against r, checking the handler, the result,
// the Allow list, the parameters (by At and by Get) and the pattern.
func checkLookups(t *testing.T, r *Router[string], cases []lookupCase) {
	t.Helper()
	var ps Params
	for _, c := range cases {
		h, res, allow := r.Lookup(c.method, c.path, &ps)
		name := c.method + " " + c.path
		if res != c.res || h != c.want || allow != c.allow {
			t.Errorf("%s: got (%q, %v, %q), want (%q, %v, %q)", name, h, res, allow, c.want, c.res, c.allow)
			continue
		}
		if ps.Len() != len(c.params)/2 {
			t.Errorf("%s: %d params, want %d (%v)", name, ps.Len(), len(c.params)/2, c.params)
			continue
		}
		for i := 0; i < ps.Len(); i++ {
			n, v := ps.At(i)
			if n != c.params[2*i] || v != c.params[2*i+1] {
				t.Errorf("%s: param %d = %s=%q, want %s=%q", name, i, n, v, c.params[2*i], c.params[2*i+1])
			}
			if g, ok := ps.Get(n); !ok || g != v {
				t.Errorf("%s: Get(%q) = %q, %v; want %q", name, n, g, ok, v)
			}
		}
		wantPattern := ""
		if res == Found {
			_, wantPattern, _ = strings.Cut(c.want, " ")
		}
		if ps.Pattern() != wantPattern {
			t.Errorf("%s: Pattern() = %q, want %q", name, ps.Pattern(), wantPattern)
		}
	}
}

func TestLookupBasics(t *testing.T) {
	r := build(t, []route{
		{"GET", "/"},
		{"GET", "/a"},
		{"GET", "/a/"},
		{"GET", "/a/b"},
		{"GET", "/ab"},
		{"GET", "/todo/{id}"},
		{"PUT", "/todo/{id}"},
		{"GET", "/todo/{id}/items/{item}"},
		{"GET", "/files/{path...}"},
		{"POST", "/only-post"},
		{"GET", "/caf%C3%A9"},
	})
	checkLookups(t, r, []lookupCase{
		{method: "GET", path: "/", want: "GET /"},
		{method: "GET", path: "/a", want: "GET /a"},
		{method: "GET", path: "/a/", want: "GET /a/"},
		{method: "GET", path: "/a/b", want: "GET /a/b"},
		{method: "GET", path: "/ab", want: "GET /ab"},
		{method: "GET", path: "/a/b/", res: NotFound},
		{method: "GET", path: "/abc", res: NotFound},
		{method: "GET", path: "/b", res: NotFound},
		{method: "GET", path: "/todo/7", want: "GET /todo/{id}", params: []string{"id", "7"}},
		{method: "PUT", path: "/todo/7", want: "PUT /todo/{id}", params: []string{"id", "7"}},
		{method: "DELETE", path: "/todo/7", res: MethodNotAllowed, allow: "GET, HEAD, PUT"},
		// A parameter is one non-empty segment; the trailing slash matters.
		{method: "GET", path: "/todo/", res: NotFound},
		{method: "GET", path: "/todo", res: NotFound},
		{method: "GET", path: "/todo/7/", res: NotFound},
		{method: "GET", path: "/todo/7/items/x%2Fy", want: "GET /todo/{id}/items/{item}", params: []string{"id", "7", "item", "x%2Fy"}},
		{method: "GET", path: "/todo/7/items/", res: NotFound},
		// Wildcards take the rest, empty or with slashes, but not the slash before them.
		{method: "GET", path: "/files/", want: "GET /files/{path...}", params: []string{"path", ""}},
		{method: "GET", path: "/files/a/b/c.txt", want: "GET /files/{path...}", params: []string{"path", "a/b/c.txt"}},
		{method: "GET", path: "/files//x", want: "GET /files/{path...}", params: []string{"path", "/x"}},
		{method: "GET", path: "/files", res: NotFound},
		{method: "GET", path: "/only-post", res: MethodNotAllowed, allow: "POST"},
		{method: "POST", path: "/only-post", want: "POST /only-post"},
		// Paths are matched encoded, byte for byte.
		{method: "GET", path: "/caf%C3%A9", want: "GET /caf%C3%A9"},
		{method: "GET", path: "/café", res: NotFound},
		// Not a path at all.
		{method: "GET", path: "", res: NotFound},
		{method: "OPTIONS", path: "*", res: NotFound},
		{method: "GET", path: "http://x/a", res: NotFound},
	})
}

func TestDispatchOrder(t *testing.T) {
	// The routes of the package doc, plus a few more to backtrack through.
	r := build(t, []route{
		{"GET", "/users/new"},
		{"GET", "/users/{id}"},
		{"GET", "/users/{id}/posts"},
		{"GET", "/users/{rest...}"},
		{"GET", "/a/b/c"},
		{"GET", "/a/{x}/d"},
		{"GET", "/a/{x}/{y}/e"},
		{"GET", "/{top}/b/f"},
		{"GET", "/s/{x}"},
		{"GET", "/s/x/{y}"},
		{"GET", "/s/x/y/z"},
	})
	checkLookups(t, r, []lookupCase{
		{method: "GET", path: "/users/new", want: "GET /users/new"},
		{method: "GET", path: "/users/42", want: "GET /users/{id}", params: []string{"id", "42"}},
		{method: "GET", path: "/users/new/posts", want: "GET /users/{id}/posts", params: []string{"id", "new"}},
		{method: "GET", path: "/users/new/x", want: "GET /users/{rest...}", params: []string{"rest", "new/x"}},
		{method: "GET", path: "/users/", want: "GET /users/{rest...}", params: []string{"rest", ""}},
		{method: "GET", path: "/users/newer", want: "GET /users/{id}", params: []string{"id", "newer"}},
		{method: "GET", path: "/users/ne", want: "GET /users/{id}", params: []string{"id", "ne"}},
		// Static first at every level, and back up as far as needed.
		{method: "GET", path: "/a/b/c", want: "GET /a/b/c"},
		{method: "GET", path: "/a/b/d", want: "GET /a/{x}/d", params: []string{"x", "b"}},
		{method: "GET", path: "/a/b/c/e", want: "GET /a/{x}/{y}/e", params: []string{"x", "b", "y", "c"}},
		{method: "GET", path: "/a/b/f", want: "GET /{top}/b/f", params: []string{"top", "a"}},
		{method: "GET", path: "/a/b/g", res: NotFound},
		// Parameters pushed on a failed branch are dropped.
		{method: "GET", path: "/s/x/y/z", want: "GET /s/x/y/z"},
		{method: "GET", path: "/s/x/y", want: "GET /s/x/{y}", params: []string{"y", "y"}},
		{method: "GET", path: "/s/x", want: "GET /s/{x}", params: []string{"x", "x"}},
		{method: "GET", path: "/s/x/y/q", res: NotFound},
	})
}

func TestMethods(t *testing.T) {
	r := build(t, []route{
		{"GET", "/get"},
		{"GET", "/both"},
		{"HEAD", "/both"},
		{"", "/any"},
		{"*", "/anyget"},
		{"GET", "/anyget"},
		{"POST", "/p/{x}"},
		{"DELETE", "/p/{x}"},
		{"GET", "/p/{x...}"},
		{"POST", "/q/static"},
		{"GET", "/q/{x}"},
		{"PATCH", "/w/{x...}"},
		{"PURGE", "/w/{x...}"},
		{"GET", "/w/one"},
	})
	checkLookups(t, r, []lookupCase{
		// GET answers HEAD; an explicit HEAD route wins.
		{method: "HEAD", path: "/get", want: "GET /get"},
		{method: "POST", path: "/get", res: MethodNotAllowed, allow: "GET, HEAD"},
		{method: "HEAD", path: "/both", want: "HEAD /both"},
		{method: "GET", path: "/both", want: "GET /both"},
		// Any-method routes take every method, even odd ones...
		{method: "BREW", path: "/any", want: "* /any"},
		{method: "HEAD", path: "/any", want: "* /any"},
		// ...but a specific method on the same pattern wins, HEAD included.
		{method: "GET", path: "/anyget", want: "GET /anyget"},
		{method: "HEAD", path: "/anyget", want: "GET /anyget"},
		{method: "POST", path: "/anyget", want: "* /anyget"},
		// Methods are case-sensitive.
		{method: "get", path: "/get", res: MethodNotAllowed, allow: "GET, HEAD"},
		// The method takes part in dispatch: a route that matches the path
		// but not the method is passed over for the next candidate.
		{method: "POST", path: "/p/1", want: "POST /p/{x}", params: []string{"x", "1"}},
		{method: "GET", path: "/p/1", want: "GET /p/{x...}", params: []string{"x", "1"}},
		{method: "PUT", path: "/p/1", res: MethodNotAllowed, allow: "DELETE, GET, HEAD, POST"},
		{method: "PUT", path: "/p/1/2", res: MethodNotAllowed, allow: "GET, HEAD"},
		{method: "GET", path: "/q/static", want: "GET /q/{x}", params: []string{"x", "static"}},
		{method: "POST", path: "/q/static", want: "POST /q/static"},
		{method: "PUT", path: "/q/static", res: MethodNotAllowed, allow: "GET, HEAD, POST"},
		{method: "PUT", path: "/q/other", res: MethodNotAllowed, allow: "GET, HEAD"},
		{method: "GET", path: "/w/one", want: "GET /w/one"},
		{method: "PURGE", path: "/w/one", want: "PURGE /w/{x...}", params: []string{"x", "one"}},
		{method: "PUT", path: "/w/one", res: MethodNotAllowed, allow: "GET, HEAD, PATCH, PURGE"},
		{method: "PUT", path: "/w/", res: MethodNotAllowed, allow: "PATCH, PURGE"},
		{method: "PUT", path: "/nothing", res: NotFound},
	})
}

func TestManyParams(t *testing.T) {
	// More parameters than Params holds inline, with backtracking past the
	// inline boundary.
	pattern := "/{p0}/{p1}/{p2}/{p3}/{p4}/{p5}/{p6}/{p7}/{p8}/{p9}/{p10}"
	r := build(t, []route{
		{"GET", pattern},
		{"GET", pattern + "/x/{p11}"},
		{"GET", "/{p0}/{p1}/{p2}/{p3}/{p4}/{p5}/{p6}/{p7}/{p8}/{p9}/{p10}/{rest...}"},
	})
	var params []string
	path := ""
	for i := range 11 {
		params = append(params, "p"+strconv.Itoa(i), "v"+strconv.Itoa(i))
		path += "/v" + strconv.Itoa(i)
	}
	checkLookups(t, r, []lookupCase{
		{method: "GET", path: path, want: "GET " + pattern, params: params},
		{method: "GET", path: path + "/x/11", want: "GET " + pattern + "/x/{p11}", params: append(params[:22:22], "p11", "11")},
		{method: "GET", path: path + "/x/11/12", want: "GET /{p0}/{p1}/{p2}/{p3}/{p4}/{p5}/{p6}/{p7}/{p8}/{p9}/{p10}/{rest...}", params: append(params[:22:22], "rest", "x/11/12")},
		{method: "GET", path: "/1/2/3", res: NotFound},
	})
}

func TestRoutesOrder(t *testing.T) {
	r := build(t, []route{
		{"GET", "/users/{id}"},
		{"*", "/users/{id}"},
		{"POST", "/users/{id}"},
		{"GET", "/users/{rest...}"},
		{"GET", "/users/new"},
		{"GET", "/users"},
		{"GET", "/"},
		{"GET", "/a"},
	})
	got := r.Routes()
	want := []Route{
		{"GET", "/"},
		{"GET", "/a"},
		{"GET", "/users"},
		{"GET", "/users/new"},
		{"GET", "/users/{id}"},
		{"POST", "/users/{id}"},
		{"", "/users/{id}"},
		{"GET", "/users/{rest...}"},
	}
	if len(got) != len(want) {
		t.Fatalf("Routes() = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Routes()[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestResultString(t *testing.T) {
	for _, c := range []struct {
		r    Result
		want string
	}{{Found, "Found"}, {NotFound, "NotFound"}, {MethodNotAllowed, "MethodNotAllowed"}, {Result(9), "Result(9)"}} {
		if got := c.r.String(); got != c.want {
			t.Errorf("Result(%d).String() = %q, want %q", c.r, got, c.want)
		}
	}
}

func TestNilParams(t *testing.T) {
	r := build(t, []route{{"GET", "/a/{x}"}, {"GET", "/b/{x...}"}})
	for _, path := range []string{"/a/1", "/b/1/2"} {
		if h, res, _ := r.Lookup("GET", path, nil); res != Found || h == "" {
			t.Errorf("Lookup(%q, nil) = %q, %v; want Found", path, h, res)
		}
	}
}

func TestZeroRouter(t *testing.T) {
	var r Router[int]
	if _, res, _ := r.Lookup("GET", "/", nil); res != NotFound {
		t.Fatalf("empty router: %v", res)
	}
	if n := len(r.Routes()); n != 0 {
		t.Fatalf("empty router has %d routes", n)
	}
	r.Handle("GET", "/x/{id}", 7)
	var ps Params
	if h, res, _ := r.Lookup("GET", "/x/1", &ps); res != Found || h != 7 {
		t.Fatalf("zero-value router after Handle: %d, %v", h, res)
	}
}

func TestConcurrentLookup(t *testing.T) {
	// Run under -race: lookups share the tree and nothing else.
	routes := githubRoutes(t)
	r := build(t, routes)
	paths := make([]string, len(routes))
	for i, rt := range routes {
		paths[i] = fill(t, rt.pattern, sampleValue)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			var ps Params
			for i := g; i < len(routes)*4; i += 4 {
				rt, path := routes[i%len(routes)], paths[i%len(routes)]
				if h, res, _ := r.Lookup(rt.method, path, &ps); res != Found || h != rt.id() {
					t.Errorf("%s %s: %q, %v", rt.method, path, h, res)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestMethodFallsThroughPatterns(t *testing.T) {
	// The package doc's example of the method taking part in dispatch.
	r := build(t, []route{{"POST", "/users/new"}, {"GET", "/users/{id}"}, {"GET", "/files/"}, {"POST", "/files/{path...}"}})
	checkLookups(t, r, []lookupCase{
		{method: "GET", path: "/users/new", want: "GET /users/{id}", params: []string{"id", "new"}},
		{method: "POST", path: "/users/new", want: "POST /users/new"},
		{method: "PUT", path: "/users/new", res: MethodNotAllowed, allow: "GET, HEAD, POST"},
		{method: "GET", path: "/files/", want: "GET /files/"},
		{method: "POST", path: "/files/", want: "POST /files/{path...}", params: []string{"path", ""}},
	})
}
