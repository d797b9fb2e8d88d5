package router

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// githubRoutes reads testdata/github.routes: the GitHub REST API table.
func githubRoutes(t testing.TB) []route {
	t.Helper()
	f, err := os.Open("testdata/github.routes")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var routes []route
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		m, p, ok := strings.Cut(line, " ")
		if !ok {
			t.Fatalf("bad line %q", line)
		}
		routes = append(routes, route{m, p})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return routes
}

// fill builds a path from pattern, taking each parameter's value from
// value(name, isWildcard).
func fill(t testing.TB, pattern string, value func(name string, wildcard bool) string) string {
	t.Helper()
	toks, reason := parsePattern(pattern)
	if reason != "" {
		t.Fatalf("%q: %s", pattern, reason)
	}
	var b strings.Builder
	for _, tok := range toks {
		if tok.kind == tokStatic {
			b.WriteString(tok.text)
		} else {
			b.WriteString(value(tok.text, tok.kind == tokWildcard))
		}
	}
	return b.String()
}

// sampleValue is a parameter value no static segment of the table equals,
// so the filled path can only reach its own pattern.
func sampleValue(name string, wildcard bool) string {
	if wildcard {
		return "~" + name + "/a/b.txt"
	}
	return "~" + name
}

func TestGitHubTable(t *testing.T) {
	routes := githubRoutes(t)
	if len(routes) < 200 {
		t.Fatalf("only %d routes in the GitHub table", len(routes))
	}
	r := build(t, routes)
	if got := len(r.Routes()); got != len(routes) {
		t.Fatalf("Routes() has %d routes, want %d", got, len(routes))
	}
	var ps Params
	for _, rt := range routes {
		path := fill(t, rt.pattern, sampleValue)
		h, res, allow := r.Lookup(rt.method, path, &ps)
		if res != Found || h != rt.id() {
			t.Errorf("%s %s: got %q, %v, %q; want %q", rt.method, path, h, res, allow, rt.id())
			continue
		}
		toks, _ := parsePattern(rt.pattern)
		for _, tok := range toks {
			if tok.kind == tokStatic {
				continue
			}
			if v, ok := ps.Get(tok.text); !ok || v != sampleValue(tok.text, tok.kind == tokWildcard) {
				t.Errorf("%s %s: param %s = %q, %v", rt.method, path, tok.text, v, ok)
			}
		}
	}
	// A method the table never uses is refused on every path, with an
	// Allow list that names the route's own method.
	for _, rt := range routes {
		path := fill(t, rt.pattern, sampleValue)
		_, res, allow := r.Lookup("BREW", path, nil)
		if res != MethodNotAllowed || !strings.Contains(", "+allow+", ", ", "+rt.method+", ") {
			t.Errorf("BREW %s: got %v, %q; want MethodNotAllowed listing %s", path, res, allow, rt.method)
		}
	}
}

func TestLookupAllocs(t *testing.T) {
	r := build(t, githubRoutes(t))
	var ps Params
	for _, c := range []struct{ method, path string }{
		{"GET", "/user/repos"},                               // static
		{"GET", "/repos/golang/go/issues/123"},               // parameters
		{"HEAD", "/repos/golang/go/stargazers"},              // HEAD through GET
		{"GET", "/repos/golang/go/zipball/v1"},               // backtracked to {archive_format}
		{"GET", "/repos/golang/go/contents/src/net/http.go"}, // wildcard
		{"GET", "/no/such/route"},                            // NotFound
	} {
		n := testing.AllocsPerRun(100, func() { r.Lookup(c.method, c.path, &ps) })
		if n != 0 {
			t.Errorf("%s %s: %v allocs per Lookup, want 0", c.method, c.path, n)
		}
	}
}
