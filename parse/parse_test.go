package parse

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// browserGET is a typical request from a browser: 11 header lines.
const browserGET = "GET /static/css/site.css?v=3 HTTP/1.1\r\n" +
	"Host: www.example.com\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n" +
	"Accept: text/css,*/*;q=0.1\r\n" +
	"Accept-Language: en-US,en;q=0.5\r\n" +
	"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
	"Referer: https://www.example.com/\r\n" +
	"Connection: keep-alive\r\n" +
	"Cookie: session=8f2c1e0b9a7d4c3f; theme=dark\r\n" +
	"Sec-Fetch-Dest: style\r\n" +
	"Sec-Fetch-Mode: no-cors\r\n" +
	"Priority: u=2\r\n" +
	"\r\n"

func TestParseBrowserGET(t *testing.T) {
	whole, _ := parseAllWays(t, "browser", Limits{}, []byte(browserGET))
	if whole.err != nil || whole.n != len(browserGET) {
		t.Fatalf("n=%d err=%v", whole.n, whole.err)
	}
	want := map[string]string{"method": "GET", "path": "/static/css/site.css", "query": "v=3",
		"host": "www.example.com", "ka": "true", "framing": "none"}
	for k, v := range want {
		if whole.req[k] != v {
			t.Errorf("%s = %q, want %q", k, whole.req[k], v)
		}
	}
	if got := strings.Count(whole.req["headers"], "\n") + 1; got != 11 {
		t.Errorf("%d headers, want 11", got)
	}
}

// The Parser must not rescan what it has seen: after each "need more" its
// scan position is at the end of the bytes it was given.
func TestParseRemembersProgress(t *testing.T) {
	in := []byte("\r\nGET /" + strings.Repeat("p", 300) + " HTTP/1.1\r\nHost: h\r\nX: " + strings.Repeat("v", 500))
	var p Parser
	var req Request
	for end := 0; end <= len(in); end++ {
		n, err := p.Parse(in[:end], &req)
		if n != 0 || err != nil {
			t.Fatalf("prefix %d: n=%d err=%v", end, n, err)
		}
		if p.pos != end && !(p.state == stLead && p.pos == end-1) { // half a CRLF waits
			t.Fatalf("prefix %d: scan position %d", end, p.pos)
		}
	}
}

func TestParsePipelined(t *testing.T) {
	reqs := []string{get(), post("Content-Length: 3") + "abc", head("OPTIONS * HTTP/1.1", "Host: h")}
	buf := []byte(strings.Join(reqs, ""))
	var p Parser
	var req Request
	for i, want := range []string{"GET", "POST", "OPTIONS"} {
		n, err := p.Parse(buf, &req)
		if err != nil || n == 0 {
			t.Fatalf("request %d: n=%d err=%v", i, n, err)
		}
		if string(req.Method) != want {
			t.Fatalf("request %d: method %q, want %q", i, req.Method, want)
		}
		buf = buf[n+int(req.ContentLength):]
	}
	if len(buf) != 0 {
		t.Fatalf("%d bytes left", len(buf))
	}
}

func TestParseReset(t *testing.T) {
	var p Parser
	var req Request
	if n, err := p.Parse([]byte("POST /abandoned HTTP/1.1\r\nHost: a\r\n"), &req); n != 0 || err != nil {
		t.Fatalf("n=%d err=%v", n, err)
	}
	p.Reset()
	// Shorter than what was scanned: only correct if progress was forgotten.
	in := []byte(get())
	if n, err := p.Parse(in, &req); n != len(in) || err != nil || string(req.Method) != "GET" {
		t.Fatalf("n=%d err=%v method=%q", n, err, req.Method)
	}
}

// A caller that breaks the contract by passing fewer bytes than before gets
// a correct answer for those bytes, not a panic.
func TestParseShrunkBuffer(t *testing.T) {
	var p Parser
	var req Request
	if n, err := p.Parse([]byte("GET /a-long-path-being-received HTTP/1.1\r\nHost: "), &req); n != 0 || err != nil {
		t.Fatalf("n=%d err=%v", n, err)
	}
	in := []byte("GET / HTTP/1.1\r\n\r\n")
	if _, err := p.Parse(in, &req); !errors.Is(err, ErrMissingHost) {
		t.Fatalf("err=%v, want ErrMissingHost", err)
	}
}

func TestParseLimitsChange(t *testing.T) {
	var p Parser
	var req Request
	in := []byte(get("X: " + strings.Repeat("v", 100)))
	if n, err := p.Parse(in, &req); n == 0 || err != nil {
		t.Fatalf("n=%d err=%v", n, err)
	}
	p.Limits.MaxHeaderBytes = 64
	if _, err := p.Parse(in, &req); !errors.Is(err, ErrHeaderTooLarge) {
		t.Fatalf("err=%v, want ErrHeaderTooLarge after lowering the limit", err)
	}
}

func TestRequestHeader(t *testing.T) {
	var p Parser
	var req Request
	in := []byte(get("X-Multi: one", "x-multi: two", "Empty:"))
	if _, err := p.Parse(in, &req); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, want string }{
		{"x-MULTI", "one"}, {"host", "example.com"}, {"Empty", ""}, {"Missing", "<nil>"}, {"X-Mult", "<nil>"},
	} {
		got := req.Header(c.name)
		s := "<nil>"
		if got != nil {
			s = string(got)
		}
		if s != c.want {
			t.Errorf("Header(%q) = %q, want %q", c.name, s, c.want)
		}
	}
	if req.Header("Empty") == nil {
		t.Error("Header of an empty field is nil, want empty non-nil")
	}
}

func TestConnectionHas(t *testing.T) {
	for _, c := range []struct {
		fields []string
		token  string
		want   bool
	}{
		{[]string{"Connection: Upgrade"}, "upgrade", true},
		{[]string{"Connection: keep-alive, Upgrade"}, "upgrade", true},
		{[]string{"Connection: keep-alive", "Connection: \tupgrade\t"}, "UPGRADE", true},
		{[]string{"Connection: upgrades"}, "upgrade", false},
		{[]string{"Upgrade: websocket"}, "upgrade", false},
		{nil, "close", false},
		{[]string{"Connection: ,,close,"}, "close", true},
	} {
		var p Parser
		var req Request
		if _, err := p.Parse([]byte(get(c.fields...)), &req); err != nil {
			t.Fatal(err)
		}
		if got := req.ConnectionHas(c.token); got != c.want {
			t.Errorf("%q: ConnectionHas(%q) = %v, want %v", c.fields, c.token, got, c.want)
		}
	}
}

func TestParseAllocs(t *testing.T) {
	var p Parser
	var req Request
	in := []byte(browserGET)
	if _, err := p.Parse(in, &req); err != nil { // warm: Headers gets its capacity
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		if n, err := p.Parse(in, &req); n != len(in) || err != nil {
			t.Fatalf("n=%d err=%v", n, err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per parse, want 0", allocs)
	}
	// Byte at a time costs no allocation either.
	allocs = testing.AllocsPerRun(10, func() {
		for end := 1; end <= len(in); end++ {
			if _, err := p.Parse(in[:end], &req); err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per byte-at-a-time parse, want 0", allocs)
	}
}

// Errors found by the parser are the package's *Error values, so that the
// engine can answer err.Status without string matching.
func TestParseErrorsAreValues(t *testing.T) {
	var p Parser
	var req Request
	_, err := p.Parse([]byte("GET / HTTP/9.9\r\n\r\n"), &req)
	var pe *Error
	if !errors.As(err, &pe) || pe.Status != 505 || pe != ErrVersion {
		t.Fatalf("err=%v (%T)", err, err)
	}
	if !bytes.Contains([]byte(err.Error()), []byte("version")) {
		t.Errorf("unclear message %q", err)
	}
}

func TestMethodString(t *testing.T) {
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "PROPFIND", "get"} {
		r := Request{Method: []byte(m)}
		if got := r.MethodString(); got != m {
			t.Errorf("MethodString(%q) = %q", m, got)
		}
	}
	r := Request{Method: []byte("POST")}
	if n := testing.AllocsPerRun(100, func() { _ = r.MethodString() }); n != 0 {
		t.Errorf("MethodString allocates %.0f times for POST", n)
	}
}
