package ascii

import "unsafe"

// The views below share memory instead of copying: the speed of the hot
// paths (a header value compared or handed out as a string) depends on
// them. Every package uses these two functions rather than unsafe itself.

// UnsafeString returns a string that shares b's bytes, without copying.
// The string is valid only while b's contents stay unchanged: the caller
// must neither modify b nor let the string outlive the buffer b views (a
// connection's read buffer is reused for the next request), or the string
// changes under whoever holds it. Copy it (strings.Clone) to keep it.
func UnsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// UnsafeBytes returns a []byte that shares s's bytes, without copying.
// The bytes must never be modified (strings are immutable, and a write
// may fault); they are valid as long as s.
func UnsafeBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
