package conn

import (
	"fmt"
	"io"
	"strings"
	"testing"
)

// TestHeadSurvivesBodyRead: the request head (path, headers) stays valid
// while the handler reads its body, however the body is framed and read.
// A body read used to refill the read buffer from its start, or compact
// it, overwriting the head that the Ctx's fields point into.
func TestHeadSurvivesBodyRead(t *testing.T) {
	const size = 300 << 10
	body := strings.Repeat("y", size)
	var chunked strings.Builder
	for rest := body; len(rest) > 0; {
		n := min(len(rest), 1000)
		fmt.Fprintf(&chunked, "%x\r\n%s\r\n", n, rest[:n])
		rest = rest[n:]
	}
	chunked.WriteString("0\r\n\r\n")
	for _, tt := range []struct {
		name, framing, body string
		readSize            int
	}{
		{"length small reads", fmt.Sprintf("Content-Length: %d", size), body, 100},
		{"length large reads", fmt.Sprintf("Content-Length: %d", size), body, 64 << 10},
		{"chunked small reads", "Transfer-Encoding: chunked", chunked.String(), 100},
		{"chunked large reads", "Transfer-Encoding: chunked", chunked.String(), 64 << 10},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mc, stop := startActor(t, func(x *Ctx) {
				buf := make([]byte, tt.readSize)
				n := 0
				for {
					m, err := x.Body().Read(buf)
					n += m
					if err == io.EOF {
						break
					}
					if err != nil {
						x.SetStatus(500)
						fmt.Fprintf(x, "read: %v", err)
						return
					}
				}
				fmt.Fprintf(x, "%s %s %d", x.Path(), x.Header("X-Tag"), n)
			})
			defer stop()
			head := "POST /items/42 HTTP/1.1\r\nHost: h\r\nX-Tag: head-intact\r\n" + tt.framing + "\r\n\r\n"
			mc.in <- []byte(head)
			for rest := tt.body; len(rest) > 0; { // arrives in pieces, as from a socket
				n := min(len(rest), 3000)
				mc.in <- []byte(rest[:n])
				rest = rest[n:]
			}
			got := string(mc.recv())
			if want := fmt.Sprintf("/items/42 head-intact %d", size); !strings.HasSuffix(got, want) {
				t.Fatalf("response ends %q, want %q", got[max(0, len(got)-60):], want)
			}
		})
	}
}
