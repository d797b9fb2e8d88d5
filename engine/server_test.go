package engine_test

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/microframe/microframe/conn"
	"github.com/microframe/microframe/engine"
)

func TestKeepAliveReuse(t *testing.T) {
	srv := &engine.Server{Handler: conn.HandlerFunc(testNative)}
	addr := startServer(t, srv)
	nc, br := dial(t, addr)
	for i := 0; i < 5; i++ {
		fmt.Fprint(nc, get("/plaintext"))
		resp, body := readResponse(t, br, "GET")
		if resp.StatusCode != 200 || body != "Hello, World!" || resp.ContentLength != 13 {
			t.Fatalf("request %d: %d %q len %d", i, resp.StatusCode, body, resp.ContentLength)
		}
		if resp.Close {
			t.Fatalf("request %d: server closed a keep-alive connection", i)
		}
		if resp.Header.Get("Date") == "" {
			t.Fatalf("no Date header")
		}
	}
	if got := srv.Stats().Accepted; got != 1 {
		t.Fatalf("accepted %d connections, want 1 (keep-alive reuse)", got)
	}
	if got := srv.Stats().Requests; got != 5 {
		t.Fatalf("served %d requests, want 5", got)
	}
}

// TestPipelined16InOneWrite: 16 requests in one write are answered in
// order, and in one write: the server flushes only when no pipelined input
// is left. One write of a few KiB on loopback arrives whole, so the
// client's first read holds all 16 responses; more writes would show as a
// first read holding fewer.
func TestPipelined16InOneWrite(t *testing.T) {
	addr := startServer(t, &engine.Server{Handler: conn.HandlerFunc(testNative)})
	nc, _ := dial(t, addr)
	var sb strings.Builder
	for i := 0; i < 16; i++ {
		sb.WriteString(get("/seq?" + strconv.Itoa(i)))
	}
	if _, err := nc.Write([]byte(sb.String())); err != nil {
		t.Fatal(err)
	}
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	first := make([]byte, 64<<10)
	n, err := nc.Read(first)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(string(first[:n]), "HTTP/1.1 "); got != 16 {
		t.Fatalf("the first read held %d responses (%d bytes), want all 16: the server wrote them in more than one write", got, n)
	}
	br := bufio.NewReader(bytes.NewReader(first[:n]))
	for i := 0; i < 16; i++ {
		resp, body := readResponse(t, br, "GET")
		if resp.StatusCode != 200 || body != strconv.Itoa(i) {
			t.Fatalf("response %d: %d %q (out of order?)", i, resp.StatusCode, body)
		}
	}
}

func TestByteAtATimeClient(t *testing.T) {
	addr := startServer(t, &engine.Server{Handler: conn.HandlerFunc(testNative)})
	nc, br := dial(t, addr)
	req := "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\n" + get("/plaintext")
	for i := 0; i < len(req); i++ {
		if _, err := nc.Write([]byte{req[i]}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Microsecond)
	}
	if resp, body := readResponse(t, br, "POST"); resp.StatusCode != 200 || body != "abcde" {
		t.Fatalf("echo: %d %q", resp.StatusCode, body)
	}
	if resp, body := readResponse(t, br, "GET"); resp.StatusCode != 200 || body != "Hello, World!" {
		t.Fatalf("plaintext: %d %q", resp.StatusCode, body)
	}
}

// TestMalformedRequests sends each request on a fresh connection and checks
// the status and that the connection is closed after a refusal.
func TestMalformedRequests(t *testing.T) {
	addr := startServer(t, &engine.Server{Handler: conn.HandlerFunc(testNative)})
	long := strings.Repeat("a", 9000)
	cases := []struct {
		name   string
		req    string
		status int
		closed bool
	}{
		{"ok", get("/plaintext"), 200, false},
		{"http10 closes", "GET /plaintext HTTP/1.0\r\n\r\n", 200, true},
		{"http10 keep-alive", "GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 200, false},
		{"connection close", "GET /plaintext HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 200, true},
		{"no host", "GET / HTTP/1.1\r\n\r\n", 400, true},
		{"two hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, true},
		{"CL and TE", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, true},
		{"differing CL", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400, true},
		{"bad CL", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400, true},
		{"gzip TE", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501, true},
		{"chunked not last", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400, true},
		{"obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", 400, true},
		{"space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, true},
		{"NUL in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n", 400, true},
		{"HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, true},
		{"long URI", "GET /" + long + " HTTP/1.1\r\nHost: a\r\n\r\n", 414, true},
		{"huge header", "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat(long, 4) + "\r\n\r\n", 431, true},
		{"body too large", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999\r\n\r\n", 413, true},
		{"bad chunk", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, true},
		{"HEAD no body", "HEAD /plaintext HTTP/1.1\r\nHost: a\r\n\r\n", 200, false},
		{"204", get("/nocontent"), 204, false},
		{"panic", get("/panic"), 500, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			nc, br := dial(t, addr)
			nc.Write([]byte(tc.req))
			method := strings.SplitN(tc.req, " ", 2)[0]
			resp, body := readResponse(t, br, method)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d (body %q)", resp.StatusCode, tc.status, body)
			}
			if method == "HEAD" {
				if body != "" || resp.ContentLength != 13 {
					t.Fatalf("HEAD: body %q, Content-Length %d; want none and 13", body, resp.ContentLength)
				}
			}
			if tc.closed {
				expectClosed(t, br)
				return
			}
			// The connection must still work.
			nc.Write([]byte(get("/plaintext")))
			if resp, body := readResponse(t, br, "GET"); resp.StatusCode != 200 || body != "Hello, World!" {
				t.Fatalf("follow-up: %d %q", resp.StatusCode, body)
			}
		})
	}
}
