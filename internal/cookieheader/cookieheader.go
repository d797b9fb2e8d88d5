// Package cookieheader reads the Cookie request header, for every package
// that does: the framework's Request.Cookie, cookiejar's Get and Scan, and
// through them the session middleware of framework/session and
// sessionstore. One set of rules means a cookie reads the same whichever
// of them looks.
//
// The rules are those of RFC 6265 section 5.4 as browsers apply them, and
// they accept whatever the user agent side of cookiejar (Jar.Add,
// ParseSetCookie) would have stored and sent back:
//
//   - The header is a list of pairs separated by ";".
//   - Spaces and horizontal tabs around a pair, its name and its value are
//     ignored.
//   - A pair without "=" is skipped (RFC 6265bis reads it as a cookie with
//     an empty name, which no name can look up), and so is one whose name
//     is empty.
//   - A name is any other string without control characters: a token, as
//     RFC 6265 section 4.1.1 asks servers to set, or not ("@a", "foo bar",
//     UTF-8), since browsers store and send such names and a server must
//     see the cookies it is sent. Names are case-sensitive.
//   - One pair of double quotes around the value is removed. The value may
//     hold anything but control characters: browsers return what servers
//     set, spaces, commas, quotes and UTF-8 included.
//   - A pair with a control character (0x00-0x1F, 0x7F) in its name or
//     value is skipped; the pairs after it are still read.
//   - Pairs are reported in the order sent; with several of one name,
//     Get returns the first (browsers send the most specific path first).
//
// Nothing in the input can make these functions fail or panic, and they
// do not allocate.
package cookieheader

import "github.com/microframe/microframe/internal/ascii"

// Scan calls fn with the name and value of each pair of a Cookie header
// value that the rules above accept, in order, until fn returns false.
// name and value are subslices of header.
func Scan[T string | []byte](header T, fn func(name, value T) bool) {
	for len(header) > 0 {
		var part T
		part, header = cutPair(header)
		if name, value, ok := splitPair(part); ok && !fn(name, value) {
			return
		}
	}
}

// Get returns the value of the first accepted pair called name in a Cookie
// header value, and whether there was one. The value is a subslice of
// header.
func Get[T string | []byte](header T, name string) (value T, ok bool) {
	for len(header) > 0 {
		var part T
		part, header = cutPair(header)
		if n, v, ok := splitPair(part); ok && equal(n, name) {
			return v, true
		}
	}
	return value, false
}

// cutPair splits h at its first ';'.
func cutPair[T string | []byte](h T) (part, rest T) {
	for i := 0; i < len(h); i++ {
		if h[i] == ';' {
			return h[:i], h[i+1:]
		}
	}
	return h, h[len(h):]
}

// splitPair reads one name=value pair; ok is false when the rules skip it.
func splitPair[T string | []byte](part T) (name, value T, ok bool) {
	eq := -1
	for i := 0; i < len(part); i++ {
		if part[i] == '=' {
			eq = i
			break
		}
	}
	if eq < 0 {
		return name, value, false
	}
	name, value = ascii.TrimOWS(part[:eq]), ascii.TrimOWS(part[eq+1:])
	if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
		value = value[1 : len(value)-1]
	}
	if len(name) == 0 || hasControl(name) || hasControl(value) {
		return name, value, false
	}
	return name, value, true
}

// hasControl reports whether s holds a control character (CTL, RFC 5234).
func hasControl[T string | []byte](s T) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 || b == 0x7f {
			return true
		}
	}
	return false
}

// equal reports whether a holds exactly the bytes of s.
func equal[T string | []byte](a T, s string) bool {
	if len(a) != len(s) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if a[i] != s[i] {
			return false
		}
	}
	return true
}
