package router

import (
	"strings"
	"testing"
)

// mustPanic runs f and returns the panic message, failing t if f returns.
func mustPanic(t *testing.T, f func()) (msg string) {
	t.Helper()
	defer func() {
		v := recover()
		if v == nil {
			t.Error("no panic")
			return
		}
		s, ok := v.(string)
		if !ok {
			t.Errorf("panic value %T(%v), want a string", v, v)
		}
		msg = s
	}()
	f()
	return ""
}

func TestMalformedPatterns(t *testing.T) {
	for _, c := range []struct {
		pattern string
		reason  string // a piece of the panic message
	}{
		{"", "must start with '/'"},
		{"users", "must start with '/'"},
		{"{id}", "must start with '/'"},
		{"/a{id}", "must start a segment"},
		{"/{id}x", "must end its segment"},
		{"/{id}{x}", "must end its segment"},
		{"/{id}.json", "must end its segment"},
		{"/{id", "'{' without '}'"},
		{"/id}", "'}' without '{'"},
		{"/{}", "not a Go identifier"},
		{"/{...}", "not a Go identifier"},
		{"/{1a}", "not a Go identifier"},
		{"/{a-b}", "not a Go identifier"},
		{"/{a b}", "not a Go identifier"},
		{"/{a/b}", "not a Go identifier"},
		{"/{{a}}", "not a Go identifier"},
		{"/{é}", "not a Go identifier"},
		{"/{a}/{a}", `"a" used twice`},
		{"/{a}/{a...}", `"a" used twice`},
		{"/{rest...}/x", "must be the last segment"},
		{"/{rest...}/", "must be the last segment"},
		{"/a b", "space or control"},
		{"/a\x00", "space or control"},
		{"/a\x7f", "space or control"},
		{"/a\tb", "space or control"},
		{"/café", "non-ASCII"},
		{"/a?b=1", "'?' cannot"},
		{"/a#frag", "'#' cannot"},
	} {
		msg := mustPanic(t, func() { New[int]().Handle("GET", c.pattern, 1) })
		if !strings.HasPrefix(msg, "router: malformed pattern ") || !strings.Contains(msg, c.reason) {
			t.Errorf("Handle(%q) panicked %q, want \"router: malformed pattern\" and %q", c.pattern, msg, c.reason)
		}
	}
}

func TestValidPatterns(t *testing.T) {
	// Odd but legal: each must register without panicking and match itself.
	for _, p := range []string{"/", "//", "/a//b", "/{_}", "/{a1}/{B_2}", "/{x...}", "/a/{x...}", "/%7Bnot-a-param%7D", "/a:b/*c"} {
		r := New[string]()
		r.Handle("GET", p, p)
		path := strings.NewReplacer("{_}", "v", "{a1}", "v", "{B_2}", "v", "{x...}", "v/w").Replace(p)
		if h, res, _ := r.Lookup("GET", path, nil); res != Found || h != p {
			t.Errorf("pattern %q, path %q: got %q, %v", p, path, h, res)
		}
	}
}

func TestInvalidMethods(t *testing.T) {
	for _, m := range []string{"G ET", "GET\r\n", "GE(T", "GET/", "ÄH"} {
		msg := mustPanic(t, func() { New[int]().Handle(m, "/x", 1) })
		if !strings.HasPrefix(msg, "router: invalid method ") || !strings.Contains(msg, `"/x"`) {
			t.Errorf("Handle(%q, \"/x\") panicked %q", m, msg)
		}
	}
}

func TestConflicts(t *testing.T) {
	for _, c := range []struct {
		first, second route
	}{
		{route{"GET", "/a"}, route{"GET", "/a"}},
		{route{"GET", "/a/{x}"}, route{"GET", "/a/{y}"}},
		{route{"GET", "/a/{x}/b/{y}"}, route{"GET", "/a/{p}/b/{q}"}},
		{route{"PUT", "/f/{x...}"}, route{"PUT", "/f/{y...}"}},
		{route{"", "/a/{x}"}, route{"*", "/a/{y}"}},
		{route{"*", "/"}, route{"", "/"}},
	} {
		r := New[int]()
		r.Handle(c.first.method, c.first.pattern, 1)
		msg := mustPanic(t, func() { r.Handle(c.second.method, c.second.pattern, 2) })
		if !strings.HasPrefix(msg, "router: ") ||
			!strings.Contains(msg, `"`+c.first.pattern+`"`) || !strings.Contains(msg, `"`+c.second.pattern+`"`) {
			t.Errorf("%v then %v: panic %q does not name both patterns", c.first, c.second, msg)
		}
		// The first registration still stands.
		path := strings.NewReplacer("{x}", "1", "{y}", "2", "{x...}", "z").Replace(c.first.pattern)
		m := c.first.method
		if m == "" || m == "*" {
			m = "GET"
		}
		if h, res, _ := r.Lookup(m, path, nil); res != Found || h != 1 {
			t.Errorf("%v then %v: lookup %s %s = %d, %v; want 1, Found", c.first, c.second, m, path, h, res)
		}
	}
}

func TestNoConflict(t *testing.T) {
	// Each group registers without panicking: fixed segment beside a
	// parameter, parameter beside a wildcard, different methods, different
	// trailing slashes, any-method beside a specific method.
	for _, group := range [][]route{
		{{"GET", "/users/new"}, {"GET", "/users/{id}"}, {"GET", "/users/{id...}"}},
		{{"GET", "/a/{x}"}, {"POST", "/a/{y}"}, {"", "/a/{z}"}, {"HEAD", "/a/{w}"}},
		{{"GET", "/a"}, {"GET", "/a/"}, {"GET", "/a/{x...}"}},
		{{"GET", "/{a}/x"}, {"GET", "/x/{a}"}, {"GET", "/{a}/{b}"}, {"GET", "/x/x"}},
	} {
		r := New[string]()
		for _, rt := range group {
			r.Handle(rt.method, rt.pattern, rt.id())
		}
		if n := len(r.Routes()); n != len(group) {
			t.Errorf("%v: %d routes registered, want %d", group, n, len(group))
		}
	}
}
