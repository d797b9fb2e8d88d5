package framework

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// parsedFirst is Query's answer through url.ParseQuery.
func parsedFirst(q, name string) string {
	vs, _ := url.ParseQuery(q)
	if v := vs[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// TestScanQuery: where scanQuery answers, it answers as url.ParseQuery
// does; it leaves queries with escapes, ';' or many pairs to ParseQuery.
func TestScanQuery(t *testing.T) {
	for _, tc := range []struct {
		q, name string
		scans   bool
	}{
		{"queries=20", "queries", true},
		{"a=1&queries=7&queries=9", "queries", true},
		{"queriesx=3", "queries", true},
		{"queries", "queries", true},
		{"queries=", "queries", true},
		{"", "queries", true},
		{"&&queries=2&", "queries", true},
		{"=x&&", "", true},
		{"&=x", "", true},
		{"a=b=c", "a", true},
		{"q=a+b", "q", false},
		{"q=%41", "q", false},
		{"q%3D=1", "q=", false},
		{"a=1;q=2", "q", false},
		{strings.Repeat("a=1&", maxScannedPairs) + "q=2", "q", false},
		{strings.Repeat("a=1&", maxScannedPairs-1) + "q=2", "q", true},
	} {
		v, ok := scanQuery(tc.q, tc.name)
		if ok != tc.scans {
			t.Errorf("scanQuery(%q, %q) scans = %v, want %v", tc.q, tc.name, ok, tc.scans)
		}
		if want := parsedFirst(tc.q, tc.name); ok && v != want {
			t.Errorf("scanQuery(%q, %q) = %q, ParseQuery gives %q", tc.q, tc.name, v, want)
		}
	}
}

func FuzzScanQuery(f *testing.F) {
	for _, s := range []string{"queries=20", "a=1&a=2", "&&=x", "a=b=c&", "x=%zz&y=1", "a;b=1"} {
		f.Add(s, "a")
	}
	f.Fuzz(func(t *testing.T, q, name string) {
		if v, ok := scanQuery(q, name); ok && v != parsedFirst(q, name) {
			t.Fatalf("scanQuery(%q, %q) = %q, ParseQuery gives %q", q, name, v, parsedFirst(q, name))
		}
	})
}

// TestQueryLookupAllocs: Query on a query that needs no decoding costs
// the copy of the value, not a parse into a map; QueryValues after it
// still sees the whole query, and Query agrees with it after.
func TestQueryLookupAllocs(t *testing.T) {
	a := quietApp()
	var got []string
	a.Get("/q", func(r *Request) Response {
		first := r.Query("queries") + "," + r.Query("none")
		all := strings.Join(r.QueryAll("queries"), "+")
		got = append(got, first, all, r.Query("queries"))
		return Text("ok")
	})
	fc := new(fakeCtx).set("GET", "/q?queries=20&b=1&queries=30")
	fc.reset()
	a.serveNative(fc)
	if want := []string{"20,", "20+30", "20"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q, want %q", got, want)
	}
	if raceEnabled {
		return // the race detector changes allocation counts
	}
	b := quietApp()
	var n int
	b.Get("/q", func(r *Request) Response {
		n = len(r.Query("queries"))
		return Status(http.StatusNoContent)
	})
	fc = new(fakeCtx).set("GET", "/q?a=1&queries=20")
	if allocs := testing.AllocsPerRun(200, func() {
		fc.reset()
		b.serveNative(fc)
	}); allocs > 1 || n != 2 {
		t.Errorf("%v allocations for one Query (value length %d), want at most 1: the value's copy", allocs, n)
	}
}

// TestQueryBehindFromHTTP: both ways Query answers (the scan, and the
// parse for a query with an escape) agree on every transport, behind a
// net/http middleware that replaces r.Body.
func TestQueryBehindFromHTTP(t *testing.T) {
	a := quietApp()
	a.Route("/w", func(g *Group) {
		g.Use(limitBody(100))
		g.Post("/", func(r *Request) Response {
			b, err := io.ReadAll(r.Body())
			if err != nil {
				return Error(err)
			}
			return Text(r.Query("q") + "|" + r.Query("x") + "|" + string(b))
		})
	})
	allTransports(t, a, func(t *testing.T, do func(*http.Request) result) {
		for _, target := range []string{"/w?q=1&x=%41b", "/w?q=1&x=Ab&q=2"} {
			if res := do(newReq("POST", target, "body")); res.body != "1|Ab|body" {
				t.Fatalf("%s: got %d %q", target, res.status, res.body)
			}
		}
	})
}
