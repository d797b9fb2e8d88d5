package parse

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// decoded is everything one decoding run produced.
type decoded struct {
	out      string
	consumed int   // source bytes consumed in all
	err      error // io.EOF at the end of the body, io.ErrUnexpectedEOF if it never came
}

// decodePieces feeds in to a fresh decoder, making it available piece by
// piece (nil pieces: all at once), decoding into a dst of dstSize bytes.
func decodePieces(t testing.TB, lim Limits, in []byte, pieces []int, dstSize int) decoded {
	t.Helper()
	d := ChunkedDecoder{Limits: lim}
	dst := make([]byte, dstSize)
	var out []byte
	off, avail := 0, 0
	for i := 0; avail < len(in) || i == 0; i++ {
		if i < len(pieces) && avail+pieces[i] < len(in) {
			avail += pieces[i]
		} else {
			avail = len(in)
		}
		for {
			src := in[off:avail:avail]
			nd, ns, err := d.Decode(dst, src)
			if nd < 0 || nd > len(dst) || ns < 0 || ns > len(src) || nd > ns {
				t.Fatalf("Decode returned nDst=%d nSrc=%d for dst %d, src %d", nd, ns, len(dst), len(src))
			}
			out = append(out, dst[:nd]...)
			off += ns
			if err != nil {
				if err == io.EOF && !d.Done() {
					t.Fatal("io.EOF but not Done")
				}
				return decoded{string(out), off, err}
			}
			if nd == 0 && ns == 0 {
				break // needs more source
			}
		}
	}
	return decoded{string(out), off, io.ErrUnexpectedEOF}
}

// decodeInPlace decodes in into its own memory, as the engine does with its
// read buffer, byte by byte of availability.
func decodeInPlace(t testing.TB, lim Limits, in []byte) decoded {
	t.Helper()
	buf := append([]byte(nil), in...)
	d := ChunkedDecoder{Limits: lim}
	w, r := 0, 0
	for avail := 1; avail <= len(buf); avail++ {
		nd, ns, err := d.Decode(buf[w:avail], buf[r:avail])
		w += nd
		r += ns
		if err != nil {
			return decoded{string(buf[:w]), r, err}
		}
	}
	return decoded{string(buf[:w]), r, io.ErrUnexpectedEOF}
}

// decodeAllWays decodes in whole, byte by byte, in random splits with
// small and odd dst sizes, and in place, and fails unless all agree.
func decodeAllWays(t testing.TB, name string, lim Limits, in []byte) decoded {
	t.Helper()
	whole := decodePieces(t, lim, in, nil, len(in)+1)
	check := func(how string, got decoded) {
		if got != whole {
			t.Errorf("%s disagrees with whole:\n  %s: %q consumed %d err %v\n  whole: %q consumed %d err %v",
				how, how, got.out, got.consumed, got.err, whole.out, whole.consumed, whole.err)
		}
	}
	plans := splitPlans(name, len(in))
	check("bytewise", decodePieces(t, lim, in, plans["bytewise"], len(in)+1))
	for k, dstSize := range []int{1, 3, 7, 64} {
		plan := fmt.Sprintf("random%d", k)
		check(fmt.Sprintf("%s dst %d", plan, dstSize), decodePieces(t, lim, in, plans[plan], dstSize))
	}
	check("in place", decodeInPlace(t, lim, in))
	return whole
}

type chunkCase struct {
	name  string
	in    string
	after string // bytes after the body: must not be consumed
	lim   Limits
	want  string // decoded payload (before the error, if any)
	err   error  // io.EOF for a complete body
}

// overhead is 20 one-byte chunks, each carrying a 1000-byte extension.
var overhead = strings.Repeat("1;e="+strings.Repeat("x", 1000)+"\r\nz\r\n", 20)

var chunkCases = []chunkCase{
	{name: "one chunk", in: "5\r\nhello\r\n0\r\n\r\n", want: "hello", err: io.EOF},
	{name: "empty body", in: "0\r\n\r\n", want: "", err: io.EOF},
	{name: "several chunks", in: "5\r\nhello\r\n1\r\n,\r\n6\r\n world\r\n0\r\n\r\n", want: "hello, world", err: io.EOF},
	{name: "hex sizes", in: "a\r\n0123456789\r\nB\r\nabcdefghijk\r\n0\r\n\r\n", want: "0123456789abcdefghijk", err: io.EOF},
	{name: "leading zeros", in: "0000000000000000000000005\r\nhello\r\n000\r\n\r\n", want: "hello", err: io.EOF},
	{name: "CRLF in data", in: "4\r\n\r\n\r\n\r\n0\r\n\r\n", want: "\r\n\r\n", err: io.EOF},
	{name: "next request not consumed", in: "3\r\nabc\r\n0\r\n\r\n", after: "GET / HTTP/1.1\r\n", want: "abc", err: io.EOF},
	{name: "extension", in: "5;name\r\nhello\r\n0;last\r\n\r\n", want: "hello", err: io.EOF},
	{name: "extension value", in: "5;a=b;c=d\r\nhello\r\n0\r\n\r\n", want: "hello", err: io.EOF},
	{name: "extension quoted", in: "5;a=\"q \\\"x\\\" ;=\"\r\nhello\r\n0\r\n\r\n", want: "hello", err: io.EOF},
	{name: "extension BWS", in: "5 \t ; a = b ;c\r\nhello\r\n0\r\n\r\n", want: "hello", err: io.EOF},
	{name: "extension flags", in: "5;a;b ;c\r\nhello\r\n0\r\n\r\n", want: "hello", err: io.EOF},
	{name: "trailers", in: "5\r\nhello\r\n0\r\nX-Sum: abc\r\nX-Other:\t v \r\n\r\n", want: "hello", err: io.EOF},
	{name: "incomplete data", in: "5\r\nhel", want: "hel", err: io.ErrUnexpectedEOF},
	{name: "incomplete trailer", in: "0\r\nX: y\r\n", want: "", err: io.ErrUnexpectedEOF},

	{name: "empty size", in: "\r\nhello\r\n0\r\n\r\n", err: ErrBadChunk},
	{name: "non-hex size", in: "g\r\n", err: ErrBadChunk},
	{name: "negative size", in: "-5\r\nhello\r\n", err: ErrBadChunk},
	{name: "0x prefix", in: "0x5\r\nhello\r\n", err: ErrBadChunk},
	{name: "space after size", in: "5 \r\nhello\r\n0\r\n\r\n", err: ErrBadChunk},
	{name: "space before size", in: " 5\r\nhello\r\n0\r\n\r\n", err: ErrBadChunk},
	{name: "bare LF after size", in: "5\nhello\r\n0\r\n\r\n", err: ErrBadChunk},
	{name: "bare CR after size", in: "5\rhello\r\n0\r\n\r\n", err: ErrBadChunk},
	{name: "data longer than size", in: "5\r\nhelloX\r\n0\r\n\r\n", want: "hello", err: ErrBadChunk},
	{name: "bare LF after data", in: "5\r\nhello\n0\r\n\r\n", want: "hello", err: ErrBadChunk},
	{name: "empty extension", in: "5;\r\nhello\r\n", err: ErrBadChunk},
	{name: "empty extension value", in: "5;a=\r\nhello\r\n", err: ErrBadChunk},
	{name: "BWS before CR", in: "5;a \r\nhello\r\n", err: ErrBadChunk},
	{name: "unterminated quote", in: "5;a=\"x\r\nhello\r\n", err: ErrBadChunk},
	{name: "bad quoted-pair", in: "5;a=\"\\\x01\"\r\nhello\r\n", err: ErrBadChunk},
	{name: "two values", in: "5;a=b c\r\nhello\r\n", err: ErrBadChunk},
	{name: "NUL in extension", in: "5;a\x00\r\nhello\r\n", err: ErrBadChunk},
	{name: "trailer obs-fold", in: "0\r\nX: y\r\n z\r\n\r\n", err: ErrBadChunk},
	{name: "trailer space before colon", in: "0\r\nX : y\r\n\r\n", err: ErrBadChunk},
	{name: "bare CR after data", in: "5\r\nhello\rX0\r\n\r\n", want: "hello", err: ErrBadChunk},
	{name: "trailer bare CR", in: "0\r\nX: y\rZ\r\n\r\n", err: ErrBadChunk},
	{name: "trailer bad name byte", in: "0\r\nX@: y\r\n\r\n", err: ErrBadChunk},
	{name: "trailer without colon", in: "0\r\nXy\r\n\r\n", err: ErrBadChunk},
	{name: "trailer NUL", in: "0\r\nX: a\x00\r\n\r\n", err: ErrBadChunk},
	{name: "trailer bare LF", in: "0\r\nX: y\n\r\n", err: ErrBadChunk},
	{name: "final bare LF", in: "0\r\n\n", err: ErrBadChunk},
	{name: "final garbage", in: "0\r\n\rx", err: ErrBadChunk},

	{name: "size overflows int63", in: "8000000000000000\r\n", lim: Limits{MaxBodyBytes: -1}, err: ErrChunkTooLarge},
	{name: "size with 17 digits", in: "10000000000000000\r\n", lim: Limits{MaxBodyBytes: -1}, err: ErrChunkTooLarge},
	{name: "max int63 size unbounded", in: "7fffffffffffffff\r\nabc", lim: Limits{MaxBodyBytes: -1}, want: "abc", err: io.ErrUnexpectedEOF},
	{name: "max int63 size bounded", in: "7fffffffffffffff\r\nabc", err: ErrBodyTooLarge},
	{name: "running total over limit", in: "5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n", lim: Limits{MaxBodyBytes: 8}, want: "hello", err: ErrBodyTooLarge},
	{name: "running total at limit", in: "5\r\nhello\r\n3\r\nwor\r\n0\r\n\r\n", lim: Limits{MaxBodyBytes: 8}, want: "hellowor", err: io.EOF},
	{name: "chunk line at limit", in: "5;abcdef\r\nhello\r\n0\r\n\r\n", lim: Limits{MaxChunkLineBytes: 8}, want: "hello", err: io.EOF},
	{name: "chunk line over limit", in: "5;abcdefg\r\nhello\r\n0\r\n\r\n", lim: Limits{MaxChunkLineBytes: 8}, err: ErrBadChunk},
	{name: "trailer over limit", in: "0\r\nX-Long: 123456789\r\n\r\n", lim: Limits{MaxHeaderBytes: 16}, err: ErrHeaderTooLarge},
	{name: "trailer at limit", in: "0\r\nX-Long: 1234\r\n\r\n", lim: Limits{MaxHeaderBytes: 16}, err: io.EOF},
	{name: "framing overhead", in: overhead + "0\r\n\r\n", want: strings.Repeat("z", 16), err: ErrChunkOverhead},
	{name: "one-byte chunks are fine", in: strings.Repeat("1\r\nz\r\n", 5000) + "0\r\n\r\n", want: strings.Repeat("z", 5000), err: io.EOF},
}

func TestChunkedTable(t *testing.T) {
	for _, c := range chunkCases {
		t.Run(c.name, func(t *testing.T) {
			in := []byte(c.in + c.after)
			got := decodeAllWays(t, c.name, c.lim, in)
			if got.err != c.err || got.out != c.want {
				t.Fatalf("got %q, %v; want %q, %v", got.out, got.err, c.want, c.err)
			}
			if c.err == io.EOF && got.consumed != len(c.in) {
				t.Errorf("consumed %d bytes, want %d", got.consumed, len(c.in))
			}
		})
	}
}

func TestChunkedStaysFailed(t *testing.T) {
	var d ChunkedDecoder
	dst := make([]byte, 16)
	if _, _, err := d.Decode(dst, []byte("zz\r\n")); !errors.Is(err, ErrBadChunk) {
		t.Fatalf("err=%v, want ErrBadChunk", err)
	}
	if nd, ns, err := d.Decode(dst, []byte("0\r\n\r\n")); nd != 0 || ns != 0 || !errors.Is(err, ErrBadChunk) {
		t.Fatalf("after failure: %d, %d, %v", nd, ns, err)
	}
	d.Reset()
	if _, _, err := d.Decode(dst, []byte("0\r\n\r\n")); err != io.EOF || !d.Done() {
		t.Fatalf("after Reset: err=%v done=%v", err, d.Done())
	}
	if nd, ns, err := d.Decode(dst, []byte("5\r\n")); nd != 0 || ns != 0 || err != io.EOF {
		t.Fatalf("after the end: %d, %d, %v", nd, ns, err)
	}
}

// A full dst stops decoding without an error and without losing data.
func TestChunkedFullDst(t *testing.T) {
	var d ChunkedDecoder
	src := []byte("a\r\n0123456789\r\n0\r\n\r\n")
	dst := make([]byte, 4)
	nd, ns, err := d.Decode(dst, src)
	if nd != 4 || ns != 7 || err != nil || string(dst) != "0123" {
		t.Fatalf("got %d, %d, %v, %q", nd, ns, err, dst[:nd])
	}
	nd, ns, err = d.Decode(nil, src[ns:])
	if nd != 0 || ns != 0 || err != nil {
		t.Fatalf("nil dst: got %d, %d, %v", nd, ns, err)
	}
}

func TestChunkedAllocs(t *testing.T) {
	var d ChunkedDecoder
	src := []byte("1000\r\n" + strings.Repeat("x", 4096) + "\r\n5;ext=1\r\nhello\r\n0\r\nX-Trailer: y\r\n\r\n")
	dst := make([]byte, 8192)
	allocs := testing.AllocsPerRun(100, func() {
		d.Reset()
		if nd, _, err := d.Decode(dst, src); err != io.EOF || nd != 4101 {
			t.Fatalf("nDst=%d err=%v", nd, err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per decode, want 0", allocs)
	}
}
