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
//
// The classes are 256 B << i. getBuf hands out minBufClass (4 KiB) at
// least: reads and responses want room. The smaller classes are for
// getSmallBuf, which keeps the few bytes of a connection parked in the
// middle of a request (see shrinkReadBuf).
var bufPools [12]sync.Pool // classes 256 B << i, up to 512 KiB

const (
	smallBufClass = 256     // the smallest class (getSmallBuf)
	minBufClass   = 4 << 10 // the smallest buffer getBuf returns
)

// bufClass returns the index of the smallest class of at least n bytes
// (the largest class when none is).
func bufClass(n int) int {
	c, size := 0, smallBufClass
	for size < n && c < len(bufPools)-1 {
		size <<= 1
		c++
	}
	return c
}

// getBuf returns a zero-length buffer with capacity at least n, and at
// least minBufClass (n up to 512 KiB is pooled; larger is allocated).
func getBuf(n int) []byte { return getClassBuf(max(n, minBufClass)) }

// getSmallBuf is getBuf without the minimum: capacity at least n, at
// least 256 bytes.
func getSmallBuf(n int) []byte { return getClassBuf(n) }

func getClassBuf(n int) []byte {
	c := bufClass(n)
	size := smallBufClass << c
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
	if cap(b) < smallBufClass {
		return
	}
	c := bufClass(cap(b))
	if smallBufClass<<c != cap(b) {
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
