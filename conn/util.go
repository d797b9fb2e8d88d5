package conn

import "github.com/microframe/microframe/internal/ascii"

// The byte-level rules live in internal/ascii, written once for every
// package; these names are conn's short forms of them.

// bytesToString views b as a string without copying (ascii.UnsafeString):
// the caller must not keep the string past the life of b's contents.
func bytesToString(b []byte) string { return ascii.UnsafeString(b) }

// stringToBytes views s as bytes without copying (ascii.UnsafeBytes); the
// bytes must not be modified.
func stringToBytes(s string) []byte { return ascii.UnsafeBytes(s) }

// foldEq reports whether a and b are equal under ASCII case folding.
func foldEq(a, b string) bool { return ascii.EqualFold(a, b) }

// validName reports whether s is a non-empty token (RFC 9110 5.6.2).
func validName(s string) bool { return ascii.IsToken(s) }

// hasToken reports whether the comma-separated list v contains token,
// compared case-insensitively.
func hasToken(v, token string) bool { return ascii.ListHas(v, token) }
