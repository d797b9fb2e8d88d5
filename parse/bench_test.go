package parse

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func BenchmarkParseGET(b *testing.B) {
	var p Parser
	var req Request
	in := []byte(browserGET)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if n, err := p.Parse(in, &req); n != len(in) || err != nil {
			b.Fatal(n, err)
		}
	}
}

func BenchmarkParsePipelined16(b *testing.B) {
	var p Parser
	var req Request
	in := bytes.Repeat([]byte(browserGET), 16)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		buf := in
		for len(buf) > 0 {
			n, err := p.Parse(buf, &req)
			if n == 0 || err != nil {
				b.Fatal(n, err)
			}
			buf = buf[n:]
		}
	}
}

// Byte at a time, the cost per byte must not grow with the head's size:
// the Parser resumes where it stopped instead of rescanning.
func BenchmarkParseByteAtATime(b *testing.B) {
	for _, size := range []int{1 << 10, 16 << 10} {
		in := []byte("GET / HTTP/1.1\r\nHost: h\r\nX: " + strings.Repeat("v", size) + "\r\n\r\n")
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			var p Parser
			var req Request
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				for end := 1; end <= len(in); end++ {
					if _, err := p.Parse(in[:end], &req); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

func BenchmarkChunked(b *testing.B) {
	for _, size := range []int{64, 4096} {
		var enc []byte
		for range 256 {
			enc = fmt.Appendf(enc, "%x\r\n%s\r\n", size, strings.Repeat("d", size))
		}
		enc = append(enc, "0\r\n\r\n"...)
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			var d ChunkedDecoder
			d.Limits.MaxBodyBytes = -1
			dst := make([]byte, len(enc))
			b.SetBytes(int64(len(enc)))
			b.ReportAllocs()
			for b.Loop() {
				d.Reset()
				if _, _, err := d.Decode(dst, enc); !d.Done() {
					b.Fatal(err)
				}
			}
		})
	}
}
