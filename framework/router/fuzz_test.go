package router

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// The fuzz target and TestAgainstReference check the tree against a
// reference matcher written the slow, obvious way: split pattern and path
// into segments, keep every route that matches, and pick the first by the
// documented order.

var fuzzMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "BREW"}

// trickyRoutes adds what the GitHub table lacks: any-method routes,
// wildcards beside parameters and statics, a root wildcard, HEAD routes.
var trickyRoutes = []route{
	{"GET", "/"},
	{"GET", "/users/new"},
	{"GET", "/users/{id}"},
	{"GET", "/users/{id}/posts"},
	{"POST", "/users/{id}/posts"},
	{"GET", "/users/{rest...}"},
	{"", "/users/{id}/any"},
	{"PUT", "/users/{id}/any"},
	{"HEAD", "/users/{id}"},
	{"GET", "/a/b/c"},
	{"GET", "/a/{x}/d"},
	{"DELETE", "/a/{x}/{y}/e"},
	{"GET", "/{top}/b/f"},
	{"*", "/{top}/{second}/"},
	{"PATCH", "/{all...}"},
}

// refMatch reports whether pattern matches path, and the segment kinds of
// the pattern (0 static, 1 parameter, 2 wildcard) for ordering.
func refMatch(pattern, path string) (ok bool, kinds []int) {
	if path == "" || path[0] != '/' {
		return false, nil
	}
	pseg := strings.Split(pattern[1:], "/")
	seg := strings.Split(path[1:], "/")
	for i, p := range pseg {
		switch {
		case strings.HasSuffix(p, "...}"):
			// The wildcard takes the rest: it needs its position to exist.
			return i < len(seg), append(kinds, 2)
		case strings.HasPrefix(p, "{"):
			if i >= len(seg) || seg[i] == "" {
				return false, nil
			}
			kinds = append(kinds, 1)
		default:
			if i >= len(seg) || seg[i] != p {
				return false, nil
			}
			kinds = append(kinds, 0)
		}
	}
	return len(pseg) == len(seg), kinds
}

// methodRank says how well a route's method serves method: 0 exact, 1 GET
// for HEAD, 2 any method; -1 not at all.
func methodRank(routeMethod, method string) int {
	switch {
	case routeMethod == method:
		return 0
	case routeMethod == "GET" && method == "HEAD":
		return 1
	case routeMethod == "" || routeMethod == "*":
		return 2
	}
	return -1
}

// refLookup is the reference: the route Lookup must find, or the Allow list.
func refLookup(routes []route, method, path string) (best *route, allow string) {
	var bestKinds []int
	bestRank := 0
	var methods []string
	for i := range routes {
		rt := &routes[i]
		ok, kinds := refMatch(rt.pattern, path)
		if !ok {
			continue
		}
		methods = append(methods, rt.method)
		rank := methodRank(rt.method, method)
		if rank < 0 {
			continue
		}
		c := slices.Compare(kinds, bestKinds)
		if best == nil || c < 0 || c == 0 && rank < bestRank {
			best, bestKinds, bestRank = rt, kinds, rank
		}
	}
	if best != nil || len(methods) == 0 {
		return best, ""
	}
	return nil, joinAllow(methods)
}

// checkAgainstReference looks method and path up in r and in the reference
// and reports any difference, including parameters that do not rebuild path.
func checkAgainstReference(t *testing.T, r *Router[string], routes []route, method, path string, ps *Params) {
	t.Helper()
	h, res, allow := r.Lookup(method, path, ps)
	want, wantAllow := refLookup(routes, method, path)
	switch {
	case want != nil:
		if res != Found || h != want.id() {
			t.Fatalf("%s %q: got %q, %v, %q; reference %q", method, path, h, res, allow, want.id())
		}
	case wantAllow != "":
		if res != MethodNotAllowed || allow != wantAllow || h != "" {
			t.Fatalf("%s %q: got %q, %v, %q; reference 405 %q", method, path, h, res, allow, wantAllow)
		}
	default:
		if res != NotFound || allow != "" || h != "" {
			t.Fatalf("%s %q: got %q, %v, %q; reference 404", method, path, h, res, allow)
		}
	}
	if res != Found {
		if ps.Len() != 0 || ps.Pattern() != "" {
			t.Fatalf("%s %q: %v left %d params, pattern %q", method, path, res, ps.Len(), ps.Pattern())
		}
		return
	}
	// Substituting the values back into the pattern rebuilds the path.
	i := 0
	rebuilt := fill(t, ps.Pattern(), func(name string, wildcard bool) string {
		n, v := ps.At(i)
		i++
		if n != name {
			t.Fatalf("%s %q: param %d is %q, pattern %q says %q", method, path, i-1, n, ps.Pattern(), name)
		}
		if !wildcard && (v == "" || strings.Contains(v, "/")) {
			t.Fatalf("%s %q: parameter %s = %q is not one segment", method, path, n, v)
		}
		return v
	})
	if i != ps.Len() || rebuilt != path {
		t.Fatalf("%s %q: params %d of %d rebuild %q", method, path, i, ps.Len(), rebuilt)
	}
}

func FuzzLookup(f *testing.F) {
	github := githubRoutes(f)
	gr, tr := build(f, github), build(f, trickyRoutes)
	for i, rt := range github {
		f.Add(uint8(i), fill(f, rt.pattern, sampleValue))
	}
	var ps Params
	f.Fuzz(func(t *testing.T, m uint8, path string) {
		method := fuzzMethods[int(m)%len(fuzzMethods)]
		checkAgainstReference(t, gr, github, method, path, &ps)
		checkAgainstReference(t, tr, trickyRoutes, method, path, &ps)
	})
}

// TestAgainstReference compares tree and reference on many paths built
// from the segments the tables use, so that near misses are common.
func TestAgainstReference(t *testing.T) {
	github := githubRoutes(t)
	gr, tr := build(t, github), build(t, trickyRoutes)
	vocab := []string{"", "x", "new", "users", "user", "repos", "issues", "comments", "git", "refs",
		"a", "b", "c", "d", "e", "f", "posts", "any", "orgs", "teams", "starred", "zipball", "contents", "events"}
	rng := rand.New(rand.NewPCG(1, 2))
	var ps Params
	for range 20000 {
		var b strings.Builder
		for range 1 + rng.IntN(7) {
			b.WriteByte('/')
			b.WriteString(vocab[rng.IntN(len(vocab))])
		}
		method := fuzzMethods[rng.IntN(len(fuzzMethods))]
		checkAgainstReference(t, gr, github, method, b.String(), &ps)
		checkAgainstReference(t, tr, trickyRoutes, method, b.String(), &ps)
	}
}
