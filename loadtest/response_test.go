package loadtest

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// parsed is what the tests compare for one response.
type parsed struct {
	status  int
	close   bool
	body    int64
	cookies []string
}

// parseChunks runs the parser over a stream delivered in the given pieces,
// the way worker.readResponse does: unconsumed bytes are kept and offered
// again with the next piece. At the end of the stream it signals EOF.
func parseChunks(chunks []string, noBody, cookies bool) ([]parsed, error) {
	var p respParser
	p.collectCookies = cookies
	p.reset(noBody)
	var out []parsed
	var buf []byte
	emit := func() {
		out = append(out, parsed{p.status, p.close, p.bodyBytes, slices.Clone(p.cookies)})
		p.reset(noBody)
	}
	for _, c := range chunks {
		buf = append(buf, c...)
		for len(buf) > 0 {
			n, done, err := p.feed(buf)
			buf = buf[n:]
			if err != nil {
				return out, err
			}
			if !done {
				break
			}
			emit()
		}
	}
	if p.eof() {
		emit()
	} else if p.inProgress() || len(buf) > 0 {
		return out, errors.New("truncated")
	}
	return out, nil
}

func TestParserTable(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		noBody  bool
		want    []parsed
		wantErr error
	}{
		{name: "content-length", in: okResponse,
			want: []parsed{{status: 200, body: 13}}},
		{name: "no reason phrase", in: "HTTP/1.1 204\r\n\r\n",
			want: []parsed{{status: 204}}},
		{name: "zero length", in: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
			want: []parsed{{status: 200}}},
		{name: "pipelined three", in: okResponse + "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nnop" + okResponse,
			want: []parsed{{status: 200, body: 13}, {status: 404, body: 3}, {status: 200, body: 13}}},
		{name: "chunked", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nHello\r\n1a;ext=1\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n",
			want: []parsed{{status: 200, body: 31}}},
		{name: "chunked with trailer then next", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\nA\r\n0123456789\r\n0\r\nX-Sum: 1\r\n\r\n" + okResponse,
			want: []parsed{{status: 200, body: 10}, {status: 200, body: 13}}},
		{name: "head ignores length", in: "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", noBody: true,
			want: []parsed{{status: 200}, {status: 200}}},
		{name: "304 has no body", in: "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n",
			want: []parsed{{status: 304}}},
		{name: "interim 100 skipped", in: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
			want: []parsed{{status: 201, body: 2}}},
		{name: "connection close", in: "HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 1\r\n\r\nx",
			want: []parsed{{status: 200, close: true, body: 1}}},
		{name: "http/1.0 closes by default", in: "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx",
			want: []parsed{{status: 200, close: true, body: 1}}},
		{name: "http/1.0 keep-alive", in: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx",
			want: []parsed{{status: 200, body: 1}}},
		{name: "body until close", in: "HTTP/1.1 200 OK\r\n\r\nstream of bytes",
			want: []parsed{{status: 200, close: true, body: 15}}},
		{name: "bare LF and spaces", in: "HTTP/1.1 200 OK\nContent-Length:   4  \n\nbody",
			want: []parsed{{status: 200, body: 4}}},
		{name: "same length twice", in: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\nhi",
			want: []parsed{{status: 200, body: 2}}},
		{name: "cookies", in: "HTTP/1.1 200 OK\r\nSet-Cookie: a=1; Path=/\r\nset-cookie: b=2\r\nContent-Length: 0\r\n\r\n",
			want: []parsed{{status: 200, cookies: []string{"a=1; Path=/", "b=2"}}}},

		{name: "not http", in: "SSH-2.0-OpenSSH\r\n\r\n", wantErr: ErrBadStatusLine},
		{name: "http/2 status line", in: "HTTP/2 200\r\n\r\n", wantErr: ErrBadStatusLine},
		{name: "short code", in: "HTTP/1.1 20 OK\r\n\r\n", wantErr: ErrBadStatusLine},
		{name: "code out of range", in: "HTTP/1.1 999 Odd\r\n\r\n", wantErr: ErrBadStatusLine},
		{name: "letters in code", in: "HTTP/1.1 2x0 OK\r\n\r\n", wantErr: ErrBadStatusLine},
		{name: "header without colon", in: "HTTP/1.1 200 OK\r\nbroken\r\n\r\n", wantErr: ErrBadHeader},
		{name: "negative length", in: "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", wantErr: ErrBadContentLength},
		{name: "conflicting lengths", in: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx", wantErr: ErrBadContentLength},
		{name: "huge length", in: "HTTP/1.1 200 OK\r\nContent-Length: 9999999999999999999999\r\n\r\n", wantErr: ErrBadContentLength},
		{name: "bad chunk size", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", wantErr: ErrBadChunk},
		{name: "chunk size overflow", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n", wantErr: ErrBadChunk},
		{name: "missing chunk CRLF", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n0\r\n\r\n", wantErr: ErrBadChunk},
		{name: "upgrade", in: "HTTP/1.1 101 Switching Protocols\r\n\r\n", wantErr: ErrUpgrade},
		{name: "truncated body", in: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", wantErr: errors.New("truncated")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cookies := strings.Contains(strings.ToLower(tt.in), "set-cookie")
			check := func(how string, chunks []string) {
				t.Helper()
				got, err := parseChunks(chunks, tt.noBody, cookies)
				if tt.wantErr != nil {
					if err == nil || (!errors.Is(err, tt.wantErr) && err.Error() != tt.wantErr.Error()) {
						t.Fatalf("%s: err = %v, want %v", how, err, tt.wantErr)
					}
					return
				}
				if err != nil {
					t.Fatalf("%s: unexpected error %v", how, err)
				}
				if len(got) != len(tt.want) {
					t.Fatalf("%s: got %d responses %+v, want %d", how, len(got), got, len(tt.want))
				}
				for i := range got {
					g, w := got[i], tt.want[i]
					if g.status != w.status || g.close != w.close || g.body != w.body || !slices.Equal(g.cookies, w.cookies) {
						t.Fatalf("%s: response %d = %+v, want %+v", how, i, g, w)
					}
				}
			}
			check("whole", []string{tt.in})
			bytewise := make([]string, len(tt.in))
			for i := range tt.in {
				bytewise[i] = tt.in[i : i+1]
			}
			check("byte by byte", bytewise)
			for cut := 1; cut < len(tt.in); cut++ {
				check("split", []string{tt.in[:cut], tt.in[cut:]})
			}
		})
	}
}

func TestParseChunkSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"a", 10, true}, {"FF", 255, true}, {"10;name=value", 16, true},
		{"7fffffffffffffff", 0, false}, {"fffffffffffffff", 0xfffffffffffffff, true},
		{"", 0, false}, {";x", 0, false}, {"-1", 0, false}, {"0x10", 0, false},
	}
	for _, tt := range tests {
		got, err := parseChunkSize([]byte(tt.in))
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("parseChunkSize(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestParserAllocs(t *testing.T) {
	in := []byte(okResponse + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nHello\r\n0\r\n\r\n")
	var p respParser
	allocs := testing.AllocsPerRun(1000, func() {
		b := in
		for len(b) > 0 {
			p.reset(false)
			n, done, err := p.feed(b)
			if err != nil || !done {
				t.Fatalf("feed: done=%v err=%v", done, err)
			}
			b = b[n:]
		}
	})
	if allocs != 0 {
		t.Fatalf("parser allocates %.1f times per two responses, want 0", allocs)
	}
}

func BenchmarkParser(b *testing.B) {
	in := []byte(okResponse)
	var p respParser
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		p.reset(false)
		if _, done, err := p.feed(in); !done || err != nil {
			b.Fatal(done, err)
		}
	}
}
