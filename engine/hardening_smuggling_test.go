package engine_test

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/microframe/microframe/conn"
	"github.com/microframe/microframe/engine"
)

// Request smuggling works when a proxy in front of the server and the
// server itself disagree about where a request ends: the proxy forwards
// what it takes for one request, the server finds two in it and answers
// both, and the second answer goes to whoever the proxy serves next. Each
// case below hides a request for /smuggled where some proxy would see only
// the body of the first one. Over a real socket, the server must answer
// exactly one response (the table says with which status) and never run
// /smuggled. A control case shows that the test does count two responses
// when the client really sent two requests.

// smuggled is the hidden request.
const smuggled = "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"

// chunk encodes s as one chunk followed by the last chunk.
func chunk(s string) string {
	return strconv.FormatInt(int64(len(s)), 16) + "\r\n" + s + "\r\n0\r\n\r\n"
}

// post builds a POST to target with the given header lines (each without
// its CRLF) and raw body.
func post(target string, body string, lines ...string) string {
	var b strings.Builder
	b.WriteString("POST " + target + " HTTP/1.1\r\nHost: a\r\n")
	for _, l := range lines {
		b.WriteString(l + "\r\n")
	}
	b.WriteString("\r\n")
	b.WriteString(body)
	return b.String()
}

// cl is a Content-Length line for body.
func cl(body string) string { return "Content-Length: " + strconv.Itoa(len(body)) }

type smuggleCase struct {
	name   string
	req    string
	status int // the status of the one response
	// answers, when not 0, is the number of responses a client that
	// really sent several requests gets (the control case).
	answers int
}

func smuggleCases() []smuggleCase {
	te := "Transfer-Encoding: chunked"
	zero := "0\r\n\r\n" + smuggled // a chunked body that ends before the hidden request
	n := strconv.Itoa(len(smuggled))
	cases := []smuggleCase{
		// The control: two requests really were sent.
		{name: "control: two pipelined requests", req: get("/a") + get("/b"), status: 200, answers: 2},
		{name: "control: chunked body carrying request bytes", req: post("/echo", chunk(smuggled), te), status: 200},

		// CL.TE and TE.CL: both framings in one request.
		{name: "CL.TE", req: post("/echo", zero, cl(zero), te), status: 400},
		{name: "TE.CL", req: post("/echo", chunk(smuggled), "Content-Length: 4", te), status: 400},
		{name: "TE then CL", req: post("/echo", zero, te, cl(zero)), status: 400},
		{name: "CL.TE with Content-Length 0", req: post("/echo", zero, "Content-Length: 0", te), status: 400},

		// Content-Length obfuscation: a proxy that takes the length sees one
		// request; a server that ignored the odd header would see two.
		{name: "CL comma-joined", req: post("/echo", smuggled, "Content-Length: "+n+", "+n), status: 400},
		{name: "CL duplicate, different", req: post("/echo", smuggled, cl(smuggled), "Content-Length: 0"), status: 400},
		{name: "CL duplicate, zero first", req: post("/echo", smuggled, "Content-Length: 0", cl(smuggled)), status: 400},
		{name: "CL duplicate, identical", req: post("/echo", smuggled, cl(smuggled), cl(smuggled)), status: 200},
		{name: "CL plus sign", req: post("/echo", smuggled, "Content-Length: +"+n), status: 400},
		{name: "CL negative", req: post("/echo", smuggled, "Content-Length: -"+n), status: 400},
		{name: "CL hex", req: post("/echo", smuggled, "Content-Length: 0x"+strconv.FormatInt(int64(len(smuggled)), 16)), status: 400},
		{name: "CL decimal point", req: post("/echo", smuggled, "Content-Length: "+n+".0"), status: 400},
		{name: "CL two numbers", req: post("/echo", smuggled, "Content-Length: "+n+" "+n), status: 400},
		{name: "CL empty", req: post("/echo", smuggled, "Content-Length: "), status: 400},
		{name: "CL overflow", req: post("/echo", smuggled, "Content-Length: 18446744073709551616"), status: 400},
		{name: "CL leading zeros", req: post("/echo", smuggled, "Content-Length: 000"+n), status: 200},
		{name: "CL space before colon", req: post("/echo", smuggled, "Content-Length : "+n), status: 400},
		{name: "CL tab before colon", req: post("/echo", smuggled, "Content-Length\t: "+n), status: 400},
		{name: "CL vertical tab", req: post("/echo", smuggled, "Content-Length:\x0b"+n), status: 400},
		{name: "CL trailing NUL", req: post("/echo", smuggled, "Content-Length: "+n+"\x00"), status: 400},
		{name: "CL folded", req: post("/echo", smuggled, "X: y", " Content-Length: "+n), status: 400},
		{name: "CL value folded", req: post("/echo", smuggled, "Content-Length:", " "+n), status: 400},
		{name: "CL in HTTP/1.0 keep-alive", req: "POST /echo HTTP/1.0\r\nConnection: keep-alive\r\n" + cl(smuggled) + "\r\n\r\n" + smuggled, status: 200},

		// Bare LF and CR: a proxy that ends lines at LF alone sees a
		// Content-Length the strict reading does not, or the reverse.
		{name: "bare LF everywhere", req: "POST /echo HTTP/1.1\nHost: a\n" + cl(smuggled) + "\n\n" + smuggled, status: 400},
		{name: "bare LF hides CL", req: post("/echo", smuggled, "X: y\n"+cl(smuggled)), status: 400},
		{name: "bare CR hides CL", req: post("/echo", smuggled, "X: y\r"+cl(smuggled)), status: 400},
		{name: "bare LF after request line", req: "POST /echo HTTP/1.1\nHost: a\r\n" + cl(smuggled) + "\r\n\r\n" + smuggled, status: 400},
		{name: "bare LF ends the head", req: post("/echo", "", cl(smuggled))[:len(post("/echo", "", cl(smuggled)))-2] + "\n" + smuggled, status: 400},
		{name: "bare LF in chunk size line", req: post("/echo", "5\nhello\r\n0\r\n\r\n"+smuggled, te), status: 400},
		{name: "bare LF after last chunk", req: post("/echo", "0\n\n"+smuggled, te), status: 400},
		{name: "bare LF after chunk data", req: post("/echo", "5\r\nhello\n0\r\n\r\n"+smuggled, te), status: 400},
		{name: "chunk data longer than its size", req: post("/echo", "1\r\nhello\r\n0\r\n\r\n"+smuggled, te), status: 400},
		{name: "chunk size overflow", req: post("/echo", "10000000000000000\r\n"+zero, te), status: 400},
		{name: "chunk size with 0x", req: post("/echo", "0x5\r\nhello\r\n"+zero, te), status: 400},
		{name: "chunk size with leading space", req: post("/echo", " 5\r\nhello\r\n"+zero, te), status: 400},
		{name: "chunk size negative", req: post("/echo", "-5\r\nhello\r\n"+zero, te), status: 400},
		{name: "chunk extension with CRLF in quotes", req: post("/echo", "5;a=\"x\r\n0\r\n\r\n\"\r\nhello\r\n"+zero, te), status: 400},
		{name: "chunk extension with NUL", req: post("/echo", "5;a\x00=b\r\nhello\r\n"+zero, te), status: 400},
		{name: "trailer carrying Content-Length", req: post("/echo", "0\r\n"+cl(smuggled)+"\r\n\r\n", te), status: 200},
		{name: "trailer folded", req: post("/echo", "0\r\nX: y\r\n "+smuggled, te), status: 400},

		// NUL and other control bytes.
		{name: "NUL before method", req: "\x00" + get("/"), status: 400},
		{name: "NUL in target", req: "GET /\x00 HTTP/1.1\r\nHost: a\r\n\r\n", status: 400},
		{name: "NUL in header name", req: post("/echo", smuggled, "Content\x00-Length: "+n), status: 400},
		{name: "NUL in header value", req: post("/echo", smuggled, "X: a\x00b", cl(smuggled)), status: 400},
		{name: "DEL in header value", req: post("/echo", smuggled, "X: a\x7fb", cl(smuggled)), status: 400},
		{name: "form feed in header value", req: post("/echo", smuggled, "X: a\x0cb", cl(smuggled)), status: 400},
		{name: "space in target", req: "GET /a " + smuggled[4:], status: 400},
		{name: "HTTP/0.9 request line", req: "GET /\r\n" + smuggled, status: 400},
		{name: "junk after version", req: "GET / HTTP/1.1 x\r\nHost: a\r\n\r\n" + smuggled, status: 400},
		{name: "two Host headers", req: "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n" + smuggled, status: 400},

		// The request says the connection ends here, or asks to leave
		// HTTP: what follows is not HTTP to a proxy, so it must not be
		// to the server either.
		{name: "Connection: close", req: "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n" + smuggled, status: 200},
		{name: "HTTP/1.0 without keep-alive", req: "GET / HTTP/1.0\r\n\r\n" + smuggled, status: 200},
		{name: "CONNECT then request", req: "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n" + smuggled, status: 200},
		{name: "Upgrade refused then request", req: "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n" + smuggled, status: 200},
		{name: "h2c upgrade then request", req: "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n" + smuggled, status: 200},

		// Bodies the handler does not read (CL.0 desync): they must be
		// skipped, or the connection closed, never parsed as requests.
		{name: "unread Content-Length body", req: post("/ignore", smuggled, cl(smuggled)), status: 200},
		{name: "unread chunked body", req: post("/ignore", chunk(smuggled), te), status: 200},
		{name: "unread body over MaxDrainBytes", req: post("/ignore", strings.Repeat("x", 100)+smuggled, cl(strings.Repeat("x", 100)+smuggled)), status: 200},
		{name: "unread chunked body over MaxDrainBytes", req: post("/ignore", chunk(strings.Repeat("x", 100)+smuggled), te), status: 200},
		{name: "unread body after Expect", req: post("/ignore", smuggled, cl(smuggled), "Expect: 100-continue"), status: 200},
		{name: "GET with a body", req: "GET /ignore HTTP/1.1\r\nHost: a\r\n" + cl(smuggled) + "\r\n\r\n" + smuggled, status: 200},
		{name: "HEAD with a body", req: "HEAD /ignore HTTP/1.1\r\nHost: a\r\n" + cl(smuggled) + "\r\n\r\n" + smuggled, status: 200},
		{name: "body shorter than Content-Length", req: post("/echo", smuggled, "Content-Length: 1000"), status: 400},
		{name: "Content-Length over MaxBodyBytes", req: post("/echo", smuggled, "Content-Length: 99999999"), status: 413},
		{name: "chunked over MaxBodyBytes", req: post("/echo", "10000000\r\n"+smuggled, te), status: 413},
		{name: "Transfer-Encoding in HTTP/1.0", req: "POST /echo HTTP/1.0\r\nConnection: keep-alive\r\n" + te + "\r\n\r\n" + zero, status: 400},
	}

	// TE.TE: Transfer-Encoding obfuscated so that one parser takes the
	// request as chunked and another does not. With a Content-Length as
	// well, the request is refused whatever the coding says. Alone, an
	// obfuscated coding must be refused too: ignoring it would read no
	// body, then take the chunk lines for the next request.
	teVariants := []struct {
		line   string
		status int // alone, without Content-Length
	}{
		{"Transfer-Encoding: chunked", 200},
		{"Transfer-Encoding: CHUNKED", 200},
		{"Transfer-Encoding:\tchunked\t", 200},
		{"Transfer-Encoding:  chunked", 200},
		{"Transfer-Encoding: xchunked", 501},
		{"Transfer-Encoding: chunk", 501},
		{"Transfer-Encoding : chunked", 400},
		{"Transfer-Encoding\t: chunked", 400},
		{"X: y\r\n Transfer-Encoding: chunked", 400},
		{"Transfer-Encoding:\r\n chunked", 400},
		{"Transfer-Encoding: chunked\r\nTransfer-Encoding: identity", 400},
		{"Transfer-Encoding: identity\r\nTransfer-Encoding: chunked", 501},
		{"Transfer-Encoding: chunked, identity", 400},
		{"Transfer-Encoding: identity, chunked", 501},
		{"Transfer-Encoding: chunked, chunked", 400},
		{"Transfer-Encoding: gzip, chunked", 501},
		{`Transfer-Encoding: "chunked"`, 400},
		{"Transfer-Encoding: chunked;q=1", 400},
		{"Transfer-Encoding: ,chunked", 400},
		{"Transfer-Encoding: chunked,", 400},
		{"Transfer-Encoding: \x0bchunked", 400},
		{"Transfer-Encoding: chunked\x0c", 400},
		{"Transfer-Encoding: chun\x00ked", 400},
		{"Transfer-Encoding: \xffchunked", 400},
		{"Transfer-Encoding\x00: chunked", 400},
		{"Transfer-Encoding: chunked\rX: y", 400},
		{"Transfer-Encoding: chunked\nX: y", 400},
	}
	for _, v := range teVariants {
		cases = append(cases,
			smuggleCase{name: fmt.Sprintf("TE alone %q", v.line), req: post("/echo", chunk(smuggled), v.line), status: v.status},
			smuggleCase{name: fmt.Sprintf("TE.TE with CL %q", v.line), req: post("/echo", zero, cl(zero), v.line), status: 400},
			smuggleCase{name: fmt.Sprintf("TE.TE with CL after %q", v.line), req: post("/echo", zero, v.line, cl(zero)), status: 400},
		)
	}
	return cases
}

// smuggleNative answers /echo with the body it read, /ignore without
// reading it, anything else with its target; body errors get bodyStatus.
func smuggleNative(seen *served) conn.HandlerFunc {
	return func(x *conn.Ctx) {
		seen.add(string(x.Request().Target))
		switch string(x.Path()) {
		case "/echo":
			b, err := x.ReadBody()
			if err != nil {
				x.SetStatus(bodyStatus(err))
				return
			}
			x.Write(b)
		case "/ignore":
			x.WriteString("ignored")
		default:
			x.WriteString(string(x.Request().Target))
		}
	}
}

// smuggleHTTP is smuggleNative as a net/http Handler, for the adapter.
func smuggleHTTP(seen *served) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.add(r.RequestURI)
		switch r.URL.Path {
		case "/echo":
			b, err := io.ReadAll(r.Body)
			if err != nil {
				w.WriteHeader(bodyStatus(err))
				return
			}
			w.Write(b)
		case "/ignore":
			io.WriteString(w, "ignored")
		default:
			io.WriteString(w, r.RequestURI)
		}
	})
}

func TestHardeningSmuggling(t *testing.T) {
	var seen served
	handlers := []struct {
		name string
		h    conn.Handler
	}{
		{"native", smuggleNative(&seen)},
		{"adapter", engine.Adapt(smuggleHTTP(&seen))},
	}
	for _, hc := range handlers {
		t.Run(hc.name, func(t *testing.T) {
			// Small limits so that the "over the limit" cases stay small.
			srv := &engine.Server{Handler: hc.h, MaxDrainBytes: 64}
			srv.Limits.MaxBodyBytes = 1 << 20
			addr := startServer(t, srv)
			for _, tc := range smuggleCases() {
				statuses, closed := exchange(t, addr, tc.req)
				targets := seen.take()
				want := max(tc.answers, 1)
				if len(statuses) != want || statuses[0] != tc.status {
					t.Errorf("%s: responses %v, want %d with status %d first (handler saw %q)",
						tc.name, statuses, want, tc.status, targets)
				}
				if !closed {
					t.Errorf("%s: connection did not end cleanly after %v", tc.name, statuses)
				}
				if slices.Contains(targets, "/smuggled") {
					t.Errorf("%s: the hidden request reached the handler (saw %q)", tc.name, targets)
				}
			}
		})
	}
}
