package conn

import (
	"unsafe"

	"github.com/microframe/microframe/parse"
)

// A connection parked in the middle of a request (the rest of a head, or
// a body collected before its handler runs, bodywait.go) keeps its read
// buffer for as long as its client takes: seconds or minutes for one that
// trickles its bytes. Such a client has usually sent a short head and a
// few bytes, so the 4 KiB (or larger) buffer it parks with is mostly
// empty. Before it parks, shrinkReadBuf moves what it holds into a buffer
// of the smallest class that holds it with as much room again, and gives
// the large one back to the pool; the buffer grows again as bytes come
// (makeRoom, growForBody).

// shrinkReadBuf moves the buffered bytes to a smaller buffer when they
// fill at most an eighth of the read buffer. A parsed head that is pinned
// (its fields point into the buffer) moves with them: its fields are
// re-pointed into the new buffer. The actor calls it just before it
// parks in the middle of a request.
func (c *Conn) shrinkReadBuf() {
	w := c.w
	if w.retired != nil || len(w.rbuf) < minBufClass {
		return // the head lives in another buffer, or the buffer is small already
	}
	lo := w.r0 // the bytes before r0 are consumed...
	if w.keep > 0 {
		lo = 0 // ...unless a pinned head lives there
	}
	n := w.r1 - lo
	size := max(2*n, smallBufClass)
	if size > len(w.rbuf)/4 {
		return
	}
	nb := getSmallBuf(size)
	nb = nb[:cap(nb)]
	copy(nb, w.rbuf[lo:w.r1])
	if w.keep > 0 {
		rebaseRequest(&c.x.req, w.rbuf, nb)
	} else {
		c.x.clearRequest() // the last request's fields point into the old buffer
	}
	putBuf(w.rbuf[:0])
	w.rbuf = nb
	w.r0 -= lo
	w.r1 -= lo
}

// rebaseRequest re-points every field of req that points into old to the
// same offset in nb, which holds a copy of old's bytes up to the end of
// the head. The Headers array's entries beyond its length (left over
// from longer heads) are cleared.
func rebaseRequest(req *parse.Request, old, nb []byte) {
	req.Method = rebase(req.Method, old, nb)
	req.Target = rebase(req.Target, old, nb)
	req.Path = rebase(req.Path, old, nb)
	req.RawQuery = rebase(req.RawQuery, old, nb)
	req.Host = rebase(req.Host, old, nb)
	req.ContentType = rebase(req.ContentType, old, nb)
	for i := range req.Headers {
		h := &req.Headers[i]
		h.Name = rebase(h.Name, old, nb)
		h.Value = rebase(h.Value, old, nb)
	}
	clear(req.Headers[len(req.Headers):cap(req.Headers)])
}

// rebase returns s re-pointed from old to nb at the same offset, or s
// itself when it does not point into old (nil, or a constant of the
// parser's). A zero-length s that points into old stays non-nil.
func rebase(s, old, nb []byte) []byte {
	p := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	base := uintptr(unsafe.Pointer(unsafe.SliceData(old)))
	if s == nil || p < base || p > base+uintptr(cap(old)) {
		return s
	}
	off := int(p - base)
	return nb[off : off+len(s)]
}
