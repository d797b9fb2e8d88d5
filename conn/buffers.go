package conn

import (
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Buffers are pooled by size class so that a connection holds memory only
// while it is working: an idle keep-alive connection returns its buffers
// after Config.BufferReleaseDelay and costs little more than its goroutine.
//
// A pool holds the address of each buffer's first byte as an
// unsafe.Pointer, which fits an interface without an allocation (a
// *[]byte would need a new slice header on every putBuf): the class gives
// the capacity back.
var bufPools [8]sync.Pool // classes 4 KiB << i

const minBufClass = 4 << 10

func bufClass(n int) int {
	c, size := 0, minBufClass
	for size < n && c < len(bufPools)-1 {
		size <<= 1
		c++
	}
	return c
}

// getBuf returns a zero-length buffer with capacity at least n (n up to
// 512 KiB is pooled; larger is allocated).
func getBuf(n int) []byte {
	c := bufClass(n)
	size := minBufClass << c
	if n > size {
		return make([]byte, 0, n)
	}
	if p, ok := bufPools[c].Get().(unsafe.Pointer); ok {
		return unsafe.Slice((*byte)(p), size)[:0]
	}
	return make([]byte, 0, size)
}

// putBuf returns b to its pool. b must not be used afterwards.
func putBuf(b []byte) {
	if cap(b) < minBufClass {
		return
	}
	c := bufClass(cap(b))
	if minBufClass<<c != cap(b) {
		return // odd size: let the GC have it
	}
	bufPools[c].Put(unsafe.Pointer(unsafe.SliceData(b)))
}

// The Date header changes once a second; it is formatted once per second
// per process and shared.
type dateValue struct {
	unix int64
	text [29]byte // "Mon, 02 Jan 2006 15:04:05 GMT"
}

var cachedDate atomic.Pointer[dateValue]

// appendDate appends the IMF-fixdate for now.
func appendDate(dst []byte, now time.Time) []byte {
	sec := now.Unix()
	d := cachedDate.Load()
	if d == nil || d.unix != sec {
		nd := &dateValue{unix: sec}
		now.UTC().AppendFormat(nd.text[:0], "Mon, 02 Jan 2006 15:04:05 GMT")
		cachedDate.Store(nd)
		d = nd
	}
	return append(dst, d.text[:]...)
}
