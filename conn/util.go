package conn

import (
	"unsafe"

	"github.com/microframe/microframe/internal/ascii"
)

// bytesToString views b as a string without copying. The caller must not
// keep the string past the life of b's contents.
func bytesToString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// stringToBytes views s as bytes without copying; the bytes must not be
// modified.
func stringToBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// foldEq reports whether a and b are equal under ASCII case folding.
func foldEq(a, b string) bool { return ascii.EqualFold(a, b) }

// validName reports whether s is a non-empty token (RFC 9110 5.6.2).
func validName(s string) bool { return ascii.IsToken(s) }

// hasToken reports whether the comma-separated list v contains token,
// compared case-insensitively.
func hasToken(v, token string) bool {
	for len(v) > 0 {
		var item string
		if i := indexByte(v, ','); i >= 0 {
			item, v = v[:i], v[i+1:]
		} else {
			item, v = v, ""
		}
		for len(item) > 0 && (item[0] == ' ' || item[0] == '\t') {
			item = item[1:]
		}
		for len(item) > 0 && (item[len(item)-1] == ' ' || item[len(item)-1] == '\t') {
			item = item[:len(item)-1]
		}
		if foldEq(item, token) {
			return true
		}
	}
	return false
}

func indexByte(s string, b byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return i
		}
	}
	return -1
}
