package main

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"testing"
)

// rawClient sends requests on one keep-alive connection and reads the
// responses without allocating, so that a benchmark's allocations are
// the server's.
type rawClient struct {
	nc  net.Conn
	br  *bufio.Reader
	buf []byte
}

func dialRaw(tb testing.TB, base string) *rawClient {
	nc, err := net.Dial("tcp", base[len("http://"):])
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { nc.Close() })
	return &rawClient{nc: nc, br: bufio.NewReaderSize(nc, 64<<10), buf: make([]byte, 64<<10)}
}

// do sends req (a whole request head) and reads one response; it returns
// the status code.
func (c *rawClient) do(tb testing.TB, req []byte) int {
	if _, err := c.nc.Write(req); err != nil {
		tb.Fatal(err)
	}
	line, err := c.br.ReadSlice('\n')
	if err != nil || len(line) < 12 {
		tb.Fatalf("status line %q: %v", line, err)
	}
	status := int(line[9]-'0')*100 + int(line[10]-'0')*10 + int(line[11]-'0')
	length := -1
	for {
		line, err = c.br.ReadSlice('\n')
		if err != nil {
			tb.Fatal(err)
		}
		if len(line) <= 2 {
			break
		}
		if v, ok := bytes.CutPrefix(line, []byte("Content-Length: ")); ok {
			length = 0
			for _, d := range bytes.TrimSpace(v) {
				length = length*10 + int(d-'0')
			}
		}
	}
	if length < 0 || length > len(c.buf) {
		tb.Fatalf("Content-Length %d", length)
	}
	if _, err := io.ReadFull(c.br, c.buf[:length]); err != nil {
		tb.Fatal(err)
	}
	return status
}

// BenchmarkHandlers: one request at a time on one connection, client and
// server in this process; allocs/op are the server's (the client
// allocates nothing), ns/op include both sides and the loopback.
func BenchmarkHandlers(b *testing.B) {
	_, url := newDatabase(b)
	for _, h := range handlers {
		base := serve(b, config{handler: h, dbURL: url})
		for _, path := range []string{"/plaintext", "/json", "/db", "/queries?queries=20", "/fortunes"} {
			b.Run(h+path, func(b *testing.B) {
				c := dialRaw(b, base)
				req := []byte("GET " + path + " HTTP/1.1\r\nHost: tfb\r\n\r\n")
				b.ReportAllocs()
				for b.Loop() {
					if s := c.do(b, req); s != 200 {
						b.Fatalf("status %d", s)
					}
				}
			})
		}
	}
}
