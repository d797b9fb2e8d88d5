package engine_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/microframe/microframe/conn"
	"github.com/microframe/microframe/engine"
	"github.com/microframe/microframe/framework"
)

// dumpRequest writes every field of r that net/http's server sets, one per
// line, so that two servers' views of the same bytes can be compared.
func dumpRequest(w io.Writer, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	fmt.Fprintf(w, "Method=%q\nURL=%q Scheme=%q Host=%q Path=%q RawPath=%q RawQuery=%q Opaque=%q\n",
		r.Method, r.URL.String(), r.URL.Scheme, r.URL.Host, r.URL.Path, r.URL.RawPath, r.URL.RawQuery, r.URL.Opaque)
	fmt.Fprintf(w, "Proto=%q %d.%d\nHost=%q\nRequestURI=%q\nContentLength=%d\nTransferEncoding=%q\nClose=%v\n",
		r.Proto, r.ProtoMajor, r.ProtoMinor, r.Host, r.RequestURI, r.ContentLength, r.TransferEncoding, r.Close)
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range r.Header {
			if !yield(k) {
				return
			}
		}
	})
	for _, k := range keys {
		fmt.Fprintf(w, "Header[%s]=%q\n", k, r.Header[k])
	}
	tk := make([]string, 0, len(r.Trailer))
	for k := range r.Trailer {
		tk = append(tk, k)
	}
	slices.Sort(tk)
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	fmt.Fprintf(w, "Trailer=%q\nRemoteAddr=%s\nTLS=%v\nForm=%v\nBody=%q err=%v\nCtx=%v\n",
		tk, host, r.TLS != nil, r.Form, body, err, r.Context().Err())
}

// bridgeHandler dumps the request, with a few paths that exercise the
// ResponseWriter.
func bridgeHandler(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/status":
		w.Header().Set("X-Before", "1")
		w.WriteHeader(http.StatusTeapot)
		w.Header().Set("X-After", "dropped") // net/http ignores changes after WriteHeader
		io.WriteString(w, "<html>tea</html>")
	case "/empty":
	case "/nocontent":
		w.WriteHeader(http.StatusNoContent)
		if _, err := w.Write([]byte("x")); err != http.ErrBodyNotAllowed {
			panic(fmt.Sprintf("Write after 204: %v", err))
		}
	default:
		var buf bytes.Buffer
		dumpRequest(&buf, r)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(buf.Bytes())
	}
}

// rawExchange sends raw to addr, half-closes, and returns the responses the
// server sent, parsed, with bodies read.
func rawExchange(t *testing.T, addr, raw string) []string {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(nc, raw); err != nil {
		t.Fatal(err)
	}
	// One final response per request line; the client does not close
	// first (net/http would cancel the context of a request whose client
	// half-closed).
	want := strings.Count(raw, " HTTP/1.")
	var out []string
	br := bufio.NewReader(nc)
	method := strings.Fields(raw)[0]
	for final := 0; final < want; {
		resp, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			t.Fatalf("bad response after %q: %v", out, err)
		}
		if resp.StatusCode >= 200 {
			final++
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Header.Del("Date")
		var b strings.Builder
		fmt.Fprintf(&b, "%s ContentLength=%d TransferEncoding=%q Close=%v\n", resp.Status, resp.ContentLength,
			resp.TransferEncoding, resp.Close)
		resp.Header.Write(&b)
		fmt.Fprintf(&b, "\n%s", body)
		out = append(out, b.String())
		if resp.StatusCode >= 200 && resp.Close {
			break
		}
	}
	nc.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if rest, _ := br.Peek(1); len(rest) > 0 {
		t.Errorf("bytes after the last response: %q", rest)
	}
	return out
}

// TestBridgeMatchesNetHTTP sends the same raw requests to a net/http
// server and to the engine with engine.Adapt, both running the same
// handler that dumps every *http.Request field, and compares what each
// handler saw and every response (status, headers but Date, framing,
// body).
func TestBridgeMatchesNetHTTP(t *testing.T) {
	h := http.HandlerFunc(bridgeHandler)
	ours := startServer(t, &engine.Server{Handler: engine.Adapt(h)})
	app := framework.New()
	app.Logger = quietLogger
	app.HandleHTTP("*", "/{rest...}", h)
	fw := startServer(t, &engine.Server{Handler: app})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	std := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() { std.Serve(l); close(done) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		std.Shutdown(ctx)
		<-done
	})
	theirs := l.Addr().String()

	cases := []struct{ name, raw string }{
		{"plain", "GET /a/b?x=1&y=%20 HTTP/1.1\r\nHost: example.com\r\n\r\n"},
		{"encoded path", "GET /a%2Fb/c%20d HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: t\r\n\r\n"},
		{"header case and repeats", "GET / HTTP/1.1\r\nhost: h\r\naccept: a\r\nACCEPT: b\r\nx-custom-thing: 1\r\n" +
			"Pragma: no-cache\r\n\r\n"},
		{"absolute-form", "GET http://example.org/abs?q=1 HTTP/1.1\r\nHost: other.example\r\n\r\n"},
		{"absolute-form https", "GET https://example.org:8443/ HTTP/1.1\r\nHost: example.org:8443\r\n\r\n"},
		{"OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n"},
		{"OPTIONS path", "OPTIONS /x HTTP/1.1\r\nHost: h\r\n\r\n"},
		{"HEAD", "HEAD /dump HTTP/1.1\r\nHost: h\r\n\r\n"},
		{"HEAD status", "HEAD /status HTTP/1.1\r\nHost: h\r\n\r\n"},
		{"POST length", "POST /p HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"},
		{"POST empty", "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"},
		{"POST chunked with trailer", "POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n" +
			"3\r\nabc\r\n0\r\nX-Sum: 1\r\n\r\n"},
		{"Expect 100-continue", "PUT /p HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc"},
		{"Expect other", "PUT /p HTTP/1.1\r\nHost: h\r\nExpect: something-else\r\nContent-Length: 3\r\n\r\nabc"},
		{"Expect on HTTP/1.0", "PUT /p HTTP/1.0\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc"},
		{"HTTP/1.0", "GET /old HTTP/1.0\r\n\r\n"},
		{"HTTP/1.0 keep-alive", "GET /old HTTP/1.0\r\nConnection: keep-alive\r\nHost: h\r\n\r\n"},
		{"Connection close", "GET /c HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"},
		{"Connection tokens", "GET /c HTTP/1.1\r\nHost: h\r\nConnection: Keep-Alive, X-Hop\r\nX-Hop: 1\r\n\r\n"},
		{"status and sniffing", "GET /status HTTP/1.1\r\nHost: h\r\n\r\n"},
		{"empty handler", "GET /empty HTTP/1.1\r\nHost: h\r\n\r\n"},
		{"204", "GET /nocontent HTTP/1.1\r\nHost: h\r\n\r\n"},
		{"pipelined", "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := rawExchange(t, theirs, c.raw)
			if len(want) == 0 {
				t.Fatalf("net/http sent nothing")
			}
			for _, srv := range []struct{ name, addr string }{{"engine.Adapt", ours}, {"framework.HandleHTTP", fw}} {
				got := rawExchange(t, srv.addr, c.raw)
				if !slices.Equal(got, want) {
					t.Errorf("%s and net/http differ\n--- net/http:\n%s\n--- %s:\n%s", srv.name,
						strings.Join(want, "\n~~~\n"), srv.name, strings.Join(got, "\n~~~\n"))
				}
			}
		})
	}
}

// TestAdaptedContextEndsWithHandler checks that r.Context() is cancelled
// once ServeHTTP returns, as net/http does.
func TestAdaptedContextEndsWithHandler(t *testing.T) {
	ctxs := make(chan context.Context, 1)
	addr := startServer(t, &engine.Server{Handler: engine.Adapt(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.Context().Err(); err != nil {
			t.Errorf("context done while the handler runs: %v", err)
		}
		ctxs <- r.Context()
	}))})
	nc, br := dial(t, addr)
	io.WriteString(nc, get("/"))
	if resp, _ := readResponse(t, br, "GET"); resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	select {
	case <-(<-ctxs).Done():
	case <-time.After(5 * time.Second):
		t.Fatal("request context not cancelled after ServeHTTP returned")
	}
}

// TestHijack checks both hijack paths: the native Ctx.Hijack and
// http.Hijacker through the adapter. Bytes the client sent after the head
// reach the hijacker, and the engine neither writes nor closes afterwards.
func TestHijack(t *testing.T) {
	talk := func(rw *bufio.ReadWriter) {
		line, err := rw.ReadString('\n')
		if err != nil {
			t.Errorf("reading after hijack: %v", err)
			return
		}
		rw.WriteString("pong:" + line)
		rw.Flush()
	}
	native := conn.HandlerFunc(func(x *conn.Ctx) {
		x.SetStatus(299) // never sent: the hijacker writes its own response
		nc, rw, err := x.Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer nc.Close()
		if _, err := x.WriteString("late"); err == nil {
			t.Error("Write after Hijack succeeded")
		}
		if _, _, err := x.Hijack(); err == nil {
			t.Error("second Hijack succeeded")
		}
		rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n")
		talk(rw)
	})
	adapted := engine.Adapt(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nc, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer nc.Close()
		if _, err := w.Write([]byte("late")); err != http.ErrHijacked {
			t.Errorf("Write after Hijack: %v, want http.ErrHijacked", err)
		}
		rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n")
		talk(rw)
	}))
	for name, h := range map[string]conn.Handler{"native": native, "adapted": adapted} {
		t.Run(name, func(t *testing.T) {
			addr := startServer(t, &engine.Server{Handler: h})
			nc, br := dial(t, addr)
			// The line after the head arrives in the same packet: the
			// engine has it buffered when the handler hijacks.
			io.WriteString(nc, "GET /up HTTP/1.1\r\nHost: h\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\nping\n")
			resp, err := http.ReadResponse(br, nil)
			if err != nil || resp.StatusCode != 101 {
				t.Fatalf("response %v, %v", resp, err)
			}
			line, err := br.ReadString('\n')
			if line != "pong:ping\n" || err != nil {
				t.Fatalf("read %q, %v", line, err)
			}
			expectClosed(t, br) // the handler's Close, with nothing from the engine before it
		})
	}
}

// TestResponseController checks deadlines and full duplex through
// http.ResponseController on the adapter. The handler must run before the
// body arrives, so the engine does not collect bodies here
// (BodyBufferBytes < 0).
func TestResponseController(t *testing.T) {
	addr := startServer(t, &engine.Server{BodyBufferBytes: -1, Handler: engine.Adapt(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if err := rc.EnableFullDuplex(); err != nil {
			t.Errorf("EnableFullDuplex: %v", err)
		}
		if err := rc.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			t.Errorf("SetWriteDeadline: %v", err)
		}
		if err := rc.SetReadDeadline(time.Now().Add(50 * time.Millisecond)); err != nil {
			t.Errorf("SetReadDeadline: %v", err)
		}
		_, err := io.ReadAll(r.Body) // the client never sends the body
		fmt.Fprintf(w, "timeout=%v", errors.Is(err, os.ErrDeadlineExceeded))
	}))})
	nc, br := dial(t, addr)
	io.WriteString(nc, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n")
	start := time.Now()
	_, body := readResponse(t, br, "POST")
	if body != "timeout=true" {
		t.Fatalf("body %q", body)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("read deadline took %v", d)
	}
}

// TestOptionsStarNative: "OPTIONS *" gets net/http's answer on the native
// path too, without reaching the handler.
func TestOptionsStarNative(t *testing.T) {
	called := make(chan struct{}, 1)
	addr := startServer(t, &engine.Server{Handler: conn.HandlerFunc(func(x *conn.Ctx) {
		called <- struct{}{}
		x.SetStatus(http.StatusNotFound)
	})})
	nc, br := dial(t, addr)
	io.WriteString(nc, "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n")
	resp, body := readResponse(t, br, "OPTIONS")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Length") != "0" || body != "" {
		t.Fatalf("got %d %v %q", resp.StatusCode, resp.Header, body)
	}
	select {
	case <-called:
		t.Fatal("the handler was called for OPTIONS *")
	default:
	}
}
