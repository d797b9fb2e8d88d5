package engine_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/microframe/microframe/conn"
	"github.com/microframe/microframe/engine"
)

func TestExpectContinue(t *testing.T) {
	addr := startServer(t, &engine.Server{Handler: conn.HandlerFunc(testNative)})
	nc, br := dial(t, addr)
	nc.Write([]byte("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"))
	line, err := br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("interim response %q, %v", line, err)
	}
	if blank, _ := br.ReadString('\n'); blank != "\r\n" {
		t.Fatalf("interim response not terminated: %q", blank)
	}
	nc.Write([]byte("hello"))
	if resp, body := readResponse(t, br, "POST"); resp.StatusCode != 200 || body != "hello" {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
}

// TestExpectContinueUnread: a handler that answers without reading the
// body never sends 100 Continue, and the connection closes (the client
// would otherwise send a body we would take for the next request).
func TestExpectContinueUnread(t *testing.T) {
	addr := startServer(t, &engine.Server{Handler: conn.HandlerFunc(testNative)})
	nc, br := dial(t, addr)
	nc.Write([]byte("POST /ignorebody HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"))
	resp, body := readResponse(t, br, "POST")
	if resp.StatusCode != 200 || body != "ignored" || !resp.Close {
		t.Fatalf("%d %q close=%v", resp.StatusCode, body, resp.Close)
	}
	expectClosed(t, br)
}

// TestUnreadBodyDrained: a small body the handler ignores is skipped and
// the next request on the connection is parsed from the right byte.
func TestUnreadBodyDrained(t *testing.T) {
	addr := startServer(t, &engine.Server{Handler: conn.HandlerFunc(testNative)})
	nc, br := dial(t, addr)
	nc.Write([]byte("POST /ignorebody HTTP/1.1\r\nHost: a\r\nContent-Length: 20\r\n\r\nGET /smuggled HTTP/1.1" + get("/plaintext")))
	if resp, _ := readResponse(t, br, "POST"); resp.StatusCode != 200 || resp.Close {
		t.Fatalf("first: %d close=%v", resp.StatusCode, resp.Close)
	}
	nc.Write([]byte("POST /ignorebody HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nGET \r\n0\r\n\r\n" + get("/plaintext")))
	if resp, body := readResponse(t, br, "GET"); resp.StatusCode != 200 || body != "Hello, World!" {
		t.Fatalf("after drained Content-Length body: %d %q", resp.StatusCode, body)
	}
	if resp, _ := readResponse(t, br, "POST"); resp.StatusCode != 200 {
		t.Fatalf("chunked ignore: %d", resp.StatusCode)
	}
	if resp, body := readResponse(t, br, "GET"); resp.StatusCode != 200 || body != "Hello, World!" {
		t.Fatalf("after drained chunked body: %d %q", resp.StatusCode, body)
	}
}

// TestLargeUnreadBodyCloses: a body larger than MaxDrainBytes is not read;
// the connection closes after the response.
func TestLargeUnreadBodyCloses(t *testing.T) {
	addr := startServer(t, &engine.Server{Handler: conn.HandlerFunc(testNative), MaxDrainBytes: 10})
	nc, br := dial(t, addr)
	nc.Write([]byte("POST /ignorebody HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world"))
	if resp, _ := readResponse(t, br, "POST"); resp.StatusCode != 200 || !resp.Close {
		t.Fatalf("%d close=%v; want 200 and Connection: close", resp.StatusCode, resp.Close)
	}
	expectClosed(t, br)
}

// TestBodyFramingErrorCloses: a bad chunk closes the connection after the
// response even though the handler swallowed the error, so the bytes after
// it are never taken for a request.
func TestBodyFramingErrorCloses(t *testing.T) {
	h := conn.HandlerFunc(func(x *conn.Ctx) {
		x.ReadBody() // error ignored on purpose
		x.WriteString("ok")
	})
	addr := startServer(t, &engine.Server{Handler: h})
	nc, br := dial(t, addr)
	nc.Write([]byte("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcdeXX0\r\n\r\n" + get("/smuggled")))
	resp, _ := readResponse(t, br, "POST")
	if !resp.Close {
		t.Fatal("response does not announce Connection: close")
	}
	expectClosed(t, br)
}

func TestBodyOverLimit(t *testing.T) {
	addr := startServer(t, &engine.Server{Handler: conn.HandlerFunc(testNative)})
	srv2 := &engine.Server{Handler: conn.HandlerFunc(testNative)}
	srv2.Limits.MaxBodyBytes = 8
	addr2 := startServer(t, srv2)
	for _, a := range []string{addr, addr2} {
		nc, br := dial(t, a)
		nc.Write([]byte("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n9\r\n123456789\r\n0\r\n\r\n"))
		resp, body := readResponse(t, br, "POST")
		if a == addr && (resp.StatusCode != 200 || body != "123456789") {
			t.Fatalf("within default limit: %d %q", resp.StatusCode, body)
		}
		if a == addr2 && (resp.StatusCode != 400 || !strings.Contains(body, "larger than the limit") || !resp.Close) {
			t.Fatalf("over limit: %d %q close=%v", resp.StatusCode, body, resp.Close)
		}
	}
}

func TestStreamingIsChunked(t *testing.T) {
	addr := startServer(t, &engine.Server{Handler: conn.HandlerFunc(testNative)})
	nc, br := dial(t, addr)
	nc.Write([]byte(get("/stream")))
	resp, body := readResponse(t, br, "GET")
	if resp.StatusCode != 200 || body != "partpartpart" {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
	if len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
		t.Fatalf("Transfer-Encoding %v, want chunked", resp.TransferEncoding)
	}
	// HTTP/1.0 cannot chunk: the body ends with the connection.
	nc2, br2 := dial(t, addr)
	nc2.Write([]byte("GET /stream HTTP/1.0\r\n\r\n"))
	resp, body = readResponse(t, br2, "GET")
	if body != "partpartpart" || !resp.Close || len(resp.TransferEncoding) != 0 {
		t.Fatalf("HTTP/1.0 stream: %q close=%v te=%v", body, resp.Close, resp.TransferEncoding)
	}
}

func TestLargeResponse(t *testing.T) {
	big := strings.Repeat("0123456789", 20000) // 200 KB: beyond the response buffer
	h := conn.HandlerFunc(func(x *conn.Ctx) { x.WriteString(big) })
	addr := startServer(t, &engine.Server{Handler: h})
	nc, br := dial(t, addr)
	nc.Write([]byte(get("/") + get("/")))
	for i := 0; i < 2; i++ {
		resp, body := readResponse(t, br, "GET")
		if resp.StatusCode != http.StatusOK || body != big {
			t.Fatalf("response %d: %d, %d bytes", i, resp.StatusCode, len(body))
		}
	}
}
