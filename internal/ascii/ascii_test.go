package ascii

import (
	"strings"
	"testing"
	"unicode/utf8"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestIsToken(t *testing.T) {
	for _, c := range []struct {
		s    string
		want bool
	}{
		{"GET", true}, {"Content-Type", true}, {"x!#$%&'*+-.^_`|~9", true},
		{"", false}, {"a b", false}, {"a:b", false}, {"a\x00", false}, {"é", false}, {"(", false}, {"\"", false},
	} {
		if got := IsToken(c.s); got != c.want {
			t.Errorf("IsToken(%q) = %v", c.s, got)
		}
		if got := IsToken([]byte(c.s)); got != c.want {
			t.Errorf("IsToken([]byte(%q)) = %v", c.s, got)
		}
	}
	// IsTokenChar agrees with the RFC's definition for every byte.
	for c := 0; c < 256; c++ {
		b := byte(c)
		want := 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' ||
			b < utf8.RuneSelf && strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0
		if IsTokenChar(b) != want {
			t.Errorf("IsTokenChar(%#x) = %v", b, !want)
		}
	}
}

func TestEqualFold(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"Content-Length", "content-length", true}, {"HOST", "host", true}, {"", "", true},
		{"a", "b", false}, {"ab", "a", false},
		{"@", "`", false}, {"[", "{", false}, // differ only in bit 0x20, but are not letters
		{"\u212a", "k", false}, // Unicode folding would match KELVIN SIGN
	} {
		if got := EqualFold(c.a, c.b); got != c.want {
			t.Errorf("EqualFold(%q, %q) = %v", c.a, c.b, got)
		}
		if got := EqualFold([]byte(c.a), c.b); got != c.want {
			t.Errorf("EqualFold([]byte(%q), %q) = %v", c.a, c.b, got)
		}
	}
	// Every pair of bytes: equal under folding exactly when their lower
	// cases are equal.
	for x := 0; x < 256; x++ {
		for y := 0; y < 256; y++ {
			want := Lower(byte(x)) == Lower(byte(y))
			if got := EqualFold(string([]byte{byte(x)}), string([]byte{byte(y)})); got != want {
				t.Fatalf("EqualFold(%#x, %#x) = %v", x, y, got)
			}
		}
	}
}

func TestNoAllocs(t *testing.T) {
	b := []byte("Transfer-Encoding")
	if n := testing.AllocsPerRun(100, func() {
		EqualFold(b, "transfer-encoding")
		IsToken(b)
		ListHas(b, "x")
		ListHas("a, b,\tclose", "Close")
		TrimOWS(b)
		_ = UnsafeString(b)
		_ = UnsafeBytes("x")
	}); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}
