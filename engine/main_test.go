package engine_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/microframe/microframe/conn"
	"github.com/microframe/microframe/engine"
)

// TestMain checks for leaked goroutines. IgnoreCurrent skips the ones that exist
// before any test runs: ants starts a default pool (two goroutines) in its
// package init, which no test can stop; every goroutine a test starts is
// still checked.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m, goleak.IgnoreCurrent()) }

// quietLogger discards everything below Error.
var quietLogger = slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))

// serve starts srv on a loopback port (with quietLogger unless it has a
// logger) and returns the address and the channel that receives Serve's
// result. Stopping the server is the caller's job; see startServer.
func serve(t testing.TB, srv *engine.Server) (string, <-chan error) {
	t.Helper()
	return serveWith(t, srv, srv.Serve)
}

// serveWith is serve with the serving call given (srv.Serve, or a
// ServeTLS call).
func serveWith(t testing.TB, srv *engine.Server, serveFn func(net.Listener) error) (string, <-chan error) {
	t.Helper()
	if srv.Logger == nil {
		srv.Logger = quietLogger
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- serveFn(l) }()
	return l.Addr().String(), errc
}

// startServer serves srv on a loopback port and stops it when the test
// ends, checking that Serve returned ErrServerClosed.
func startServer(t testing.TB, srv *engine.Server) string {
	t.Helper()
	addr, errc := serve(t, srv)
	stopAtEnd(t, srv, errc)
	return addr
}

// stopAtEnd shuts srv down when the test ends, checking that Serve (or
// ServeTLS) returned ErrServerClosed on errc.
func stopAtEnd(t testing.TB, srv *engine.Server, errc <-chan error) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-errc; !errors.Is(err, engine.ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
}

// testNative answers like cmd/hello plus a few test endpoints.
func testNative(x *conn.Ctx) {
	switch string(x.Path()) {
	case "/plaintext":
		x.SetContentType("text/plain")
		x.WriteString("Hello, World!")
	case "/echo":
		body, err := x.ReadBody()
		if err != nil {
			x.SetStatus(400)
			x.WriteString("bad body: " + err.Error())
			return
		}
		x.SetContentType("text/plain")
		x.Write(body)
	case "/seq":
		// echoes the query so pipelined answers can be matched to requests
		x.WriteString(string(x.Request().RawQuery))
	case "/stream":
		for i := 0; i < 3; i++ {
			x.WriteString("part")
			x.Flush()
		}
	case "/nocontent":
		x.SetStatus(204)
	case "/panic":
		panic("boom")
	case "/ignorebody":
		x.WriteString("ignored")
	default:
		x.SetStatus(404)
		x.WriteString("not found")
	}
}

// dial opens a raw client connection.
func dial(t testing.TB, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	return nc, bufio.NewReader(nc)
}

// readResponse reads one response with net/http's parser (a check that
// what we send is well-formed) and returns it with its whole body.
func readResponse(t testing.TB, br *bufio.Reader, method string) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("reading response: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	resp.Body.Close()
	return resp, string(b)
}

func get(path string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n"
}

// expectClosed asserts that the server closes the connection without
// sending anything more.
func expectClosed(t testing.TB, br *bufio.Reader) {
	t.Helper()
	b, err := br.ReadByte()
	if err == nil {
		rest, _ := br.Peek(br.Buffered())
		t.Fatalf("connection still open: read %q%q", b, rest)
	}
	if !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("want EOF, got %v", err)
	}
}
