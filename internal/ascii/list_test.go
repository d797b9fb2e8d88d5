package ascii

import (
	"slices"
	"testing"
)

func TestTrimOWS(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""}, {"a", "a"}, {" a ", "a"}, {"\t a b \t", "a b"}, {" \t ", ""},
		{"\na\r", "\na\r"}, // only SP and HTAB are optional white space
		{"\u00a0a", "\u00a0a"},
	} {
		if got := TrimOWS(c.in); got != c.want {
			t.Errorf("TrimOWS(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := TrimOWS([]byte(c.in)); string(got) != c.want {
			t.Errorf("TrimOWS([]byte(%q)) = %q, want %q", c.in, got, c.want)
		}
	}
}

// elements returns every element CutElement finds in list, for both forms.
func elements(t *testing.T, list string) []string {
	t.Helper()
	var fromString, fromBytes []string
	for rest, more := list, true; more; {
		var e string
		e, rest, more = CutElement(rest)
		fromString = append(fromString, e)
	}
	for rest, more := []byte(list), true; more; {
		var e []byte
		e, rest, more = CutElement(rest)
		fromBytes = append(fromBytes, string(e))
	}
	if !slices.Equal(fromString, fromBytes) {
		t.Fatalf("CutElement(%q): string form %q, []byte form %q", list, fromString, fromBytes)
	}
	return fromString
}

func TestCutElement(t *testing.T) {
	for _, c := range []struct {
		list string
		want []string
	}{
		{"", []string{""}},
		{"chunked", []string{"chunked"}},
		{"gzip, chunked", []string{"gzip", "chunked"}},
		{" a ,\tb\t, c", []string{"a", "b", "c"}},
		{"a,,b", []string{"a", "", "b"}}, // empty elements are the caller's to judge
		{",", []string{"", ""}},
		{"a, ", []string{"a", ""}},
		{"a b, c", []string{"a b", "c"}},
	} {
		if got := elements(t, c.list); !slices.Equal(got, c.want) {
			t.Errorf("elements of %q = %q, want %q", c.list, got, c.want)
		}
	}
}

func TestListHas(t *testing.T) {
	for _, c := range []struct {
		list, token string
		want        bool
	}{
		{"close", "close", true},
		{"Keep-Alive, Upgrade", "upgrade", true},
		{"keep-alive,\tCLOSE ", "close", true},
		{"a,,close", "close", true},
		{"closed", "close", false},
		{"clo se", "close", false},
		{"", "close", false},
		{"x", "", false},
		{"x,", "", true},               // an empty element equals the empty token
		{"\u212alose", "klose", false}, // ASCII folding only
	} {
		if got := ListHas(c.list, c.token); got != c.want {
			t.Errorf("ListHas(%q, %q) = %v", c.list, c.token, got)
		}
		if got := ListHas([]byte(c.list), c.token); got != c.want {
			t.Errorf("ListHas([]byte(%q), %q) = %v", c.list, c.token, got)
		}
	}
}

func TestViews(t *testing.T) {
	b := []byte("hello")
	s := UnsafeString(b)
	if s != "hello" {
		t.Fatalf("UnsafeString = %q", s)
	}
	b[0] = 'j' // the view shares the bytes: that is its contract
	if s != "jello" {
		t.Errorf("UnsafeString copied: %q after the bytes changed", s)
	}
	if got := UnsafeBytes("abc"); string(got) != "abc" || len(got) != 3 {
		t.Errorf("UnsafeBytes = %q", got)
	}
	if UnsafeString(nil) != "" || len(UnsafeBytes("")) != 0 {
		t.Error("empty views are not empty")
	}
}

func TestOWSBounds(t *testing.T) {
	for _, c := range []struct {
		in         string
		start, end int
	}{{"", 0, 0}, {"a", 0, 1}, {" a\t", 1, 2}, {"\t \t", 3, 3}, {" a b ", 1, 4}} {
		if s, e := OWSBounds(c.in); s != c.start || e != c.end {
			t.Errorf("OWSBounds(%q) = %d, %d; want %d, %d", c.in, s, e, c.start, c.end)
		}
	}
}
