package router

import (
	"fmt"
	"strconv"
	"testing"
)

var sink string

func benchLookups(b *testing.B, r *Router[string], reqs []route) {
	b.Helper()
	var ps Params
	for _, q := range reqs { // fail fast on a benchmark that measures 404s
		if _, res, _ := r.Lookup(q.method, q.pattern, &ps); res != Found {
			b.Fatalf("%s %s: %v", q.method, q.pattern, res)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, q := range reqs {
			h, _, _ := r.Lookup(q.method, q.pattern, &ps)
			sink = h
		}
	}
	if len(reqs) > 1 {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(reqs)), "ns/lookup")
	}
}

func BenchmarkGitHubStatic(b *testing.B) {
	benchLookups(b, build(b, githubRoutes(b)), []route{{"GET", "/user/repos"}})
}

func BenchmarkGitHubParam(b *testing.B) {
	benchLookups(b, build(b, githubRoutes(b)), []route{{"GET", "/repos/julienschmidt/httprouter/issues/123"}})
}

// BenchmarkGitHubAll looks up one path for every route of the table; ns/op
// covers all of them, ns/lookup is the average.
func BenchmarkGitHubAll(b *testing.B) {
	routes := githubRoutes(b)
	reqs := make([]route, len(routes))
	for i, rt := range routes {
		reqs[i] = route{rt.method, fill(b, rt.pattern, sampleValue)}
	}
	benchLookups(b, build(b, routes), reqs)
}

// BenchmarkSmall is a todo app's table.
func BenchmarkSmall(b *testing.B) {
	r := build(b, []route{
		{"GET", "/"},
		{"GET", "/health"},
		{"GET", "/static/{path...}"},
		{"GET", "/todos"},
		{"POST", "/todos"},
		{"GET", "/todos/{id}"},
		{"PUT", "/todos/{id}"},
		{"DELETE", "/todos/{id}"},
		{"POST", "/login"},
		{"POST", "/logout"},
	})
	b.Run("Static", func(b *testing.B) { benchLookups(b, r, []route{{"GET", "/todos"}}) })
	b.Run("Param", func(b *testing.B) { benchLookups(b, r, []route{{"PUT", "/todos/42"}}) })
	b.Run("Wildcard", func(b *testing.B) { benchLookups(b, r, []route{{"GET", "/static/css/site.css"}}) })
}

// BenchmarkTableSize shows that the cost of a lookup does not grow with the
// number of routes: each size registers n resources ("/r00042",
// "/r00042/{id}", "/r00042/{id}/items/{item}", so 3n routes) and looks up
// paths of the same length in each. What grows is only the number of
// places the walk branches along that same path (one per digit that
// differs between names), never a scan over routes.
func BenchmarkTableSize(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		r := New[string]()
		for i := range n {
			base := fmt.Sprintf("/r%05d", i)
			r.Handle("GET", base, base)
			r.Handle("GET", base+"/{id}", base)
			r.Handle("GET", base+"/{id}/items/{item}", base)
		}
		mid := fmt.Sprintf("/r%05d", n/2)
		b.Run(strconv.Itoa(3*n)+"/Static", func(b *testing.B) { benchLookups(b, r, []route{{"GET", mid}}) })
		b.Run(strconv.Itoa(3*n)+"/Param", func(b *testing.B) { benchLookups(b, r, []route{{"GET", mid + "/7/items/9"}}) })
	}
}
