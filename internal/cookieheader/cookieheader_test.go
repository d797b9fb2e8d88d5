package cookieheader

import (
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// scanAll returns the pairs Scan reports as "name=value" strings.
func scanAll(header string) []string {
	var pairs []string
	Scan(header, func(n, v string) bool { pairs = append(pairs, n+"="+v); return true })
	return pairs
}

func TestScan(t *testing.T) {
	for _, tt := range []struct {
		header string
		want   []string // "name=value"
		why    string
	}{
		{"", nil, "empty"},
		{"a=1", []string{"a=1"}, ""},
		{"a=1; b=2;c=3", []string{"a=1", "b=2", "c=3"}, "the space after ';' is optional"},
		{"  a = 1 ;\tb=2\t; ", []string{"a=1", "b=2"}, "white space around pairs, names and values"},
		{`a="quoted"`, []string{"a=quoted"}, "one pair of quotes removed"},
		{`a=""`, []string{"a="}, ""},
		{`a="`, []string{`a="`}, "a lone quote is kept"},
		{`a=""x""`, []string{`a="x"`}, "only the outer pair"},
		{`a=x"y`, []string{`a=x"y`}, ""},
		{"a=", []string{"a="}, "empty value"},
		{"a=b=c", []string{"a=b=c"}, "the first '=' ends the name"},
		{"a=x y, z", []string{"a=x y, z"}, "browsers send what servers set"},
		{`a=\x`, []string{`a=\x`}, "backslash"},
		{"a=é", []string{"a=é"}, "UTF-8 value"},
		{"a b=1; @c=2; név=3; (d=4", []string{"a b=1", "@c=2", "név=3", "(d=4"}, "names that are not tokens, as user agents store them"},
		{"junk; a=1", []string{"a=1"}, "no '=': skipped"},
		{"=v; a=1", []string{"a=1"}, "empty name: skipped"},
		{" =v; a=1", []string{"a=1"}, "name of white space only: skipped"},
		{"a=\x01; c=2", []string{"c=2"}, "control byte in the value"},
		{"a=x\x7f; c=2", []string{"c=2"}, "DEL"},
		{"a=x\ty; c=2", []string{"c=2"}, "tab inside the value"},
		{"a\x00=1; c=2", []string{"c=2"}, "control byte in the name"},
		{"a\tb=1; c=2", []string{"c=2"}, "tab inside the name"},
		{";;;a=1;;", []string{"a=1"}, "empty pairs"},
		{"a=1; a=2", []string{"a=1", "a=2"}, "duplicates in order"},
		{"A=1; a=2", []string{"A=1", "a=2"}, "names are case-sensitive"},
		{"\x00\xff;=;==;a", nil, "nothing well-formed"},
	} {
		if got := scanAll(tt.header); !slices.Equal(got, tt.want) {
			t.Errorf("Scan(%q) = %q, want %q (%s)", tt.header, got, tt.want, tt.why)
		}
	}
}

func TestScanStops(t *testing.T) {
	var seen []string
	Scan("a=1; b=2; c=3", func(n, _ string) bool {
		seen = append(seen, n)
		return len(seen) < 2
	})
	if !slices.Equal(seen, []string{"a", "b"}) {
		t.Errorf("Scan went on after fn returned false: %q", seen)
	}
}

func TestGet(t *testing.T) {
	const h = `theme=dark; session="abc"; junk; session=second; x=; a b=c`
	for _, tt := range []struct {
		name, want string
		ok         bool
	}{
		{"theme", "dark", true},
		{"session", "abc", true}, // the first one wins
		{"x", "", true},
		{"a b", "c", true},
		{"junk", "", false},
		{"missing", "", false},
		{"Theme", "", false}, // case-sensitive
		{"", "", false},
	} {
		if v, ok := Get(h, tt.name); v != tt.want || ok != tt.ok {
			t.Errorf("Get(%q) = %q, %v; want %q, %v", tt.name, v, ok, tt.want, tt.ok)
		}
		if start, end, ok := Index(h, tt.name); h[start:end] != tt.want || ok != tt.ok || !ok && start+end != 0 {
			t.Errorf("Index(%q) = %d, %d, %v; want the span of %q, %v", tt.name, start, end, ok, tt.want, tt.ok)
		}
	}
}

// Get finds exactly what Scan reports first under each name.
func TestGetAgreesWithScan(t *testing.T) {
	for _, h := range []string{
		`a=1; a=2; b="q"; junk; c=x y`, "\x00a=1; a=2", "a=\x01; a=ok", strings.Repeat("k=v; ", 50) + "z=last",
	} {
		first := map[string]string{}
		Scan(h, func(n, v string) bool {
			if _, ok := first[n]; !ok {
				first[n] = v
			}
			return true
		})
		for n, want := range first {
			if v, ok := Get(h, n); !ok || v != want {
				t.Errorf("header %q: Get(%q) = %q, %v; Scan's first is %q", h, n, v, ok, want)
			}
		}
	}
}

func TestNoAllocs(t *testing.T) {
	h := "_ga=GA1.1.1234; theme=dark; lang=en; session=6ba7b810-9dad-41d1-80b4-00c04fd430c8; csrf=abc"
	n := 0
	allocs := testing.AllocsPerRun(1000, func() {
		if v, ok := Get(h, "session"); !ok || len(v) != 36 {
			t.Fatal("not found")
		}
		if s, e, ok := Index(h, "csrf"); !ok || e-s != 3 {
			t.Fatal("not found")
		}
		Scan(h, func(string, string) bool { n++; return true })
	})
	if allocs != 0 {
		t.Fatalf("Get and Scan allocate %v times per run", allocs)
	}
}
