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
// do not allocate. A header held in a []byte is read through a string
// view of it (ascii.UnsafeString), and Index gives the offsets to cut the
// value out of the original bytes.
package cookieheader

import (
	"strings"

	"github.com/microframe/microframe/internal/ascii"
)

// Scan calls fn with the name and value of each pair of a Cookie header
// value that the rules above accept, in order, until fn returns false.
// name and value are substrings of header.
func Scan(header string, fn func(name, value string) bool) {
	for off := 0; off < len(header); {
		part, next := cutPair(header, off)
		if ns, ne, vs, ve, ok := splitPair(part, ""); ok && !fn(part[ns:ne], part[vs:ve]) {
			return
		}
		off = next
	}
}

// Get returns the value of the first accepted pair called name in a Cookie
// header value, and whether there was one. The value is a substring of
// header.
func Get(header, name string) (value string, ok bool) {
	start, end, ok := Index(header, name)
	return header[start:end], ok
}

// Index is Get by offsets: the value of the first accepted pair called
// name is header[start:end]. ok is false, with start and end 0, when there
// is none.
func Index(header, name string) (start, end int, ok bool) {
	if name == "" { // no accepted pair has an empty name
		return 0, 0, false
	}
	for off := 0; off < len(header); {
		part, next := cutPair(header, off)
		if _, _, vs, ve, ok := splitPair(part, name); ok {
			return off + vs, off + ve, true
		}
		off = next
	}
	return 0, 0, false
}

// cutPair returns the pair of h that starts at off (up to the next ';')
// and the offset of the one after it.
func cutPair(h string, off int) (part string, next int) {
	part = h[off:]
	if i := strings.IndexByte(part, ';'); i >= 0 {
		return part[:i], off + i + 1
	}
	return part, len(h)
}

// splitPair reads one name=value pair and returns the offsets of its name
// and value in part; ok is false when the rules skip the pair. With want
// != "", only a pair named want is accepted, and the others are turned
// down before their values are looked at.
func splitPair(part, want string) (ns, ne, vs, ve int, ok bool) {
	eq := strings.IndexByte(part, '=')
	if eq < 0 {
		return 0, 0, 0, 0, false
	}
	ns, ne = trim(part, 0, eq)
	if ns == ne || want != "" && part[ns:ne] != want || hasControl(part[ns:ne]) {
		return 0, 0, 0, 0, false
	}
	vs, ve = trim(part, eq+1, len(part))
	if ve-vs >= 2 && part[vs] == '"' && part[ve-1] == '"' {
		vs, ve = vs+1, ve-1
	}
	if hasControl(part[vs:ve]) {
		return 0, 0, 0, 0, false
	}
	return ns, ne, vs, ve, true
}

// trim returns the bounds of s[i:j] without its optional white space.
func trim(s string, i, j int) (int, int) {
	a, b := ascii.OWSBounds(s[i:j])
	return i + a, i + b
}

// hasControl reports whether s holds a control character (CTL, RFC 5234).
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 || b == 0x7f {
			return true
		}
	}
	return false
}
