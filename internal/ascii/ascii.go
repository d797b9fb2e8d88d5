// Package ascii holds the byte-level helpers of HTTP that several packages
// need, written once: the RFC 9110 token character set, ASCII case folding
// (HTTP field names, methods and most tokens are case-insensitive in ASCII
// only; Unicode folding, as strings.EqualFold does, would let "K" (U+212A
// KELVIN SIGN) match "k"), optional white space and comma-separated lists
// (list.go), and the unsafe []byte/string views of the hot paths
// (view.go). Every function works on strings and on []byte alike where
// both occur. It imports nothing but unsafe and does not allocate.
package ascii

// tchar is the token character set of RFC 9110 section 5.6.2:
// ALPHA, DIGIT and "!#$%&'*+-.^_`|~".
var tchar = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// IsTokenChar reports whether c may appear in an RFC 9110 token (a method,
// a field name, a transfer coding, a cookie name).
func IsTokenChar(c byte) bool { return tchar[c] }

// IsToken reports whether s is a token: non-empty, and every byte a token
// character.
func IsToken[T string | []byte](s T) bool {
	if len(s) == 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tchar[s[i]] {
			return false
		}
	}
	return true
}

// EqualFold reports whether a and b are equal under ASCII case folding.
// a may be a string or a []byte (a header name in a connection's buffer),
// compared without a conversion.
func EqualFold[T string | []byte](a T, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if x, y := a[i], b[i]; x != y && !foldsTo(x, y) {
			return false
		}
	}
	return true
}

// foldsTo reports whether the different bytes x and y are the two cases
// of one ASCII letter.
func foldsTo(x, y byte) bool {
	l := x | 0x20
	return l == y|0x20 && 'a' <= l && l <= 'z'
}

// Lower returns c in lower case if it is an ASCII upper-case letter.
func Lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
