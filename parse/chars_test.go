package parse

import (
	"bytes"
	"testing"
)

// badValueByte checks eight bytes at a time; it must agree with the
// byte-by-byte definition for every byte value at every position of a word.
func TestBadValueByte(t *testing.T) {
	ref := func(v []byte) int {
		for i, c := range v {
			if c < 0x20 && c != '\t' || c == 0x7f {
				return i
			}
		}
		return -1
	}
	for _, fill := range []byte{'a', 0x80, 0xff, '\t', ' ', 0x7e} {
		for c := range 256 {
			for pos := range 19 {
				v := bytes.Repeat([]byte{fill}, 19)
				v[pos] = byte(c)
				for _, w := range [][]byte{v, v[:pos+1], v[pos:]} {
					if got, want := badValueByte(w), ref(w); got != want {
						t.Fatalf("fill %#x, byte %#x at %d, len %d: got %d, want %d", fill, c, pos, len(w), got, want)
					}
				}
			}
		}
	}
}

func TestClasses(t *testing.T) {
	for c := range 256 {
		b := byte(c)
		wantToken := b >= '0' && b <= '9' || b|0x20 >= 'a' && b|0x20 <= 'z' ||
			bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), b) >= 0
		if isToken(b) != wantToken {
			t.Errorf("isToken(%#x) = %v", b, !wantToken)
		}
		wantValue := b == '\t' || b >= 0x20 && b != 0x7f
		if isValue(b) != wantValue {
			t.Errorf("isValue(%#x) = %v", b, !wantValue)
		}
		if (class[b]&cHex != 0) && unhex(b) > 15 {
			t.Errorf("unhex(%q) = %d", b, unhex(b))
		}
	}
}

func TestValidHost(t *testing.T) {
	for _, c := range []struct {
		host     string
		needPort bool
		want     bool
	}{
		{"example.com", false, true},
		{"example.com:8080", false, true},
		{"example.com:", false, true},
		{"example.com:", true, false},
		{"example.com", true, false},
		{"example.com:443", true, true},
		{"127.0.0.1", false, true},
		{"[::1]", false, true},
		{"[::1]:80", true, true},
		{"[v1.fe80::a+en1]", false, true},
		{"[::1", false, false},
		{"[]", false, false},
		{"[::1]x", false, false},
		{"[::1]:8x", false, false},
		{"[::1/]", false, false},
		{"a%2Eb", false, true},
		{"a%2", false, false},
		{"a%zz", false, false},
		{"", false, false},
		{":80", false, false},
		{"a:b:c", false, false},
		{"user@host", false, false},
		{"a b", false, false},
		{"a/b", false, false},
		{"a\x00", false, false},
		{"\xc3\xa9.example", false, false},
		{"sub_domain.example!$&'()*+,;=~-", false, true},
	} {
		if got := validHost([]byte(c.host), c.needPort); got != c.want {
			t.Errorf("validHost(%q, %v) = %v, want %v", c.host, c.needPort, got, c.want)
		}
	}
}
