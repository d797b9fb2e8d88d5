package parse

import (
	"errors"
	"strings"
	"testing"
)

// head builds a request head from its request line and field lines.
func head(line string, fields ...string) string {
	var b strings.Builder
	b.WriteString(line + "\r\n")
	for _, f := range fields {
		b.WriteString(f + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// get is an HTTP/1.1 GET of / with a Host and the given extra field lines.
func get(fields ...string) string {
	return head("GET / HTTP/1.1", append([]string{"Host: example.com"}, fields...)...)
}

// post is an HTTP/1.1 POST of /upload with a Host and the given fields.
func post(fields ...string) string {
	return head("POST /upload HTTP/1.1", append([]string{"Host: example.com"}, fields...)...)
}

type parseCase struct {
	name  string
	in    string
	body  string // bytes after the head: not part of it, n must stop before them
	lim   Limits
	want  string // "key=value|...": fields of viewOf a complete head
	err   error  // the error wanted, nil for success
	more  bool   // "need more" wanted after the last byte
	early bool   // the error must come before the last byte arrives
}

var big = strings.Repeat("a", 9000)

var parseCases = []parseCase{
	// Valid requests and the fields they produce.
	{name: "simple GET", in: get(), want: "method=GET|target=/|path=/|query=<nil>|host=example.com|proto=1.1|framing=none|cl=0|ka=true|expect=false|ctype=<nil>|headers=Host: example.com"},
	{name: "query", in: head("GET /a/b?x=1&y=2?z HTTP/1.1", "Host: h"), want: "target=/a/b?x=1&y=2?z|path=/a/b|query=x=1&y=2?z"},
	{name: "empty query", in: head("GET /a? HTTP/1.1", "Host: h"), want: "path=/a|query="},
	{name: "percent-encoded path kept", in: head("GET /a%20b/%2F HTTP/1.1", "Host: h"), want: "path=/a%20b/%2F"},
	{name: "lowercase method is a token", in: head("get / HTTP/1.1", "Host: h"), want: "method=get"},
	{name: "M-SEARCH", in: head("M-SEARCH * HTTP/1.1", "Host: h"), err: ErrBadTarget},
	{name: "headers kept in order and case", in: get("x-One:  a b  ", "X-TWO:\tc\t", "Empty:"), want: "headers=Host: example.com\nx-One: a b\nX-TWO: c\nEmpty: "},
	{name: "obs-text in value", in: get("X-Name: caf\xc3\xa9 \xff"), want: "headers=Host: example.com\nX-Name: caf\xc3\xa9 \xff"},
	{name: "HTAB inside value", in: get("X: a\tb"), want: "headers=Host: example.com\nX: a\tb"},
	{name: "content type", in: get("Content-Type: text/plain; charset=utf-8", "content-type: second"), want: "ctype=text/plain; charset=utf-8"},
	{name: "body bytes are not consumed", in: post("Content-Length: 5"), body: "hello", want: "framing=length|cl=5"},
	{name: "pipelined head after head", in: get(), body: get(), want: "method=GET"},

	// Leading empty lines.
	{name: "one leading CRLF", in: "\r\n" + get(), want: "method=GET"},
	{name: "four leading CRLFs", in: strings.Repeat("\r\n", 4) + get(), want: "method=GET"},
	{name: "five leading CRLFs", in: strings.Repeat("\r\n", 5) + get(), err: ErrBadRequest, early: true},
	{name: "leading bare LF", in: "\n" + get(), err: ErrBareLF, early: true},
	{name: "leading bare CR", in: "\rGET / HTTP/1.1\r\n\r\n", err: ErrBareLF, early: true},

	// Versions.
	{name: "HTTP/1.0 no Host", in: head("GET / HTTP/1.0"), want: "proto=1.0|host=<nil>|ka=false"},
	{name: "HTTP/1.0 keep-alive", in: head("GET / HTTP/1.0", "Connection: Keep-Alive"), want: "ka=true"},
	{name: "HTTP/1.0 keep-alive and close", in: head("GET / HTTP/1.0", "Connection: keep-alive, close"), want: "ka=false"},
	{name: "HTTP/1.2 is 1.1", in: head("GET / HTTP/1.2", "Host: h"), want: "proto=1.1|ka=true"},
	{name: "HTTP/1.9 is 1.1", in: head("GET / HTTP/1.9", "Host: h"), want: "proto=1.1"},
	{name: "HTTP/0.9", in: head("GET / HTTP/0.9"), err: ErrVersion},
	{name: "HTTP/2.0", in: head("GET / HTTP/2.0", "Host: h"), err: ErrVersion},
	{name: "HTTP/3.0", in: head("GET / HTTP/3.0", "Host: h"), err: ErrVersion},
	{name: "HTTP/2 preface", in: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", body: "", err: ErrVersion},
	{name: "HTTP/1.1x", in: head("GET / HTTP/1.1x", "Host: h"), err: ErrBadVersion},
	{name: "HTTP/1.10", in: head("GET / HTTP/1.10", "Host: h"), err: ErrBadVersion},
	{name: "HTTP/11.1", in: head("GET / HTTP/11.1", "Host: h"), err: ErrBadVersion},
	{name: "HTTP/1", in: head("GET / HTTP/1", "Host: h"), err: ErrBadVersion},
	{name: "lowercase http", in: head("GET / http/1.1", "Host: h"), err: ErrBadVersion},
	{name: "HTTP/1.a", in: head("GET / HTTP/1.a", "Host: h"), err: ErrBadVersion},
	{name: "trailing space after version", in: head("GET / HTTP/1.1 ", "Host: h"), err: ErrBadVersion},
	{name: "no version (HTTP/0.9 style)", in: head("GET /"), err: ErrBadRequestLine},

	// Methods: checked as they arrive.
	{name: "bad method byte", in: get()[:0] + head("G@T / HTTP/1.1", "Host: h"), err: ErrBadMethod, early: true},
	{name: "TLS handshake", in: "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", err: ErrBadMethod, early: true},
	{name: "leading space", in: " " + get(), err: ErrBadMethod, early: true},
	{name: "method alone", in: "GET\r\n\r\n", err: ErrBadMethod, early: true},
	{name: "NUL in method", in: "GE\x00T / HTTP/1.1\r\n\r\n", err: ErrBadMethod, early: true},

	// Targets.
	{name: "control byte in target", in: head("GET /a\x01 HTTP/1.1", "Host: h"), err: ErrBadTarget},
	{name: "DEL in target", in: head("GET /a\x7f HTTP/1.1", "Host: h"), err: ErrBadTarget},
	{name: "high byte in target", in: head("GET /caf\xc3\xa9 HTTP/1.1", "Host: h"), err: ErrBadTarget},
	{name: "HTAB in target", in: head("GET /a\tb HTTP/1.1", "Host: h"), err: ErrBadTarget},
	{name: "space in target", in: head("GET /a b HTTP/1.1", "Host: h"), err: ErrBadTarget},
	{name: "empty target", in: head("GET  HTTP/1.1", "Host: h"), err: ErrBadTarget},
	{name: "double space", in: head("GET  / HTTP/1.1", "Host: h"), err: ErrBadTarget},
	{name: "bare CR in target", in: head("GET /a\rb HTTP/1.1", "Host: h"), err: ErrBareLF},
	{name: "relative target", in: head("GET a/b HTTP/1.1", "Host: h"), err: ErrBadTarget},
	{name: "asterisk with OPTIONS", in: head("OPTIONS * HTTP/1.1", "Host: h"), want: "target=*|path=*|query=<nil>|host=h"},
	{name: "asterisk with GET", in: head("GET * HTTP/1.1", "Host: h"), err: ErrBadTarget},
	{name: "asterisk and more", in: head("OPTIONS *x HTTP/1.1", "Host: h"), err: ErrBadTarget},
	{name: "absolute-form", in: head("GET http://example.org:8080/p?q=1 HTTP/1.1", "Host: other"), want: "target=http://example.org:8080/p?q=1|path=/p|query=q=1|host=example.org:8080"},
	{name: "absolute-form no path", in: head("GET http://example.org HTTP/1.1", "Host: other"), want: "path=/|query=<nil>|host=example.org"},
	{name: "absolute-form query no path", in: head("GET http://example.org?x HTTP/1.1", "Host: example.org"), want: "path=/|query=x"},
	{name: "absolute-form HTTPS upper case", in: head("GET HTTPS://Example.org/ HTTP/1.1", "Host: x"), want: "host=Example.org|path=/"},
	{name: "absolute-form IPv6", in: head("GET http://[::1]:80/x HTTP/1.1", "Host: x"), want: "host=[::1]:80|path=/x"},
	{name: "absolute-form needs Host line", in: head("GET http://example.org/ HTTP/1.1"), err: ErrMissingHost},
	{name: "absolute-form HTTP/1.0 no Host", in: head("GET http://example.org/ HTTP/1.0"), want: "host=example.org"},
	{name: "absolute-form userinfo", in: head("GET http://user:pw@example.org/ HTTP/1.1", "Host: x"), err: ErrBadTarget},
	{name: "absolute-form empty host", in: head("GET http:///x HTTP/1.1", "Host: x"), err: ErrBadTarget},
	{name: "absolute-form ftp", in: head("GET ftp://example.org/ HTTP/1.1", "Host: x"), err: ErrBadTarget},
	{name: "absolute-form one slash", in: head("GET http:/x HTTP/1.1", "Host: x"), err: ErrBadTarget},
	{name: "absolute-form scheme only", in: head("GET http: HTTP/1.1", "Host: x"), err: ErrBadTarget},
	{name: "CONNECT authority", in: head("CONNECT example.com:443 HTTP/1.1", "Host: example.com:443"), want: "method=CONNECT|target=example.com:443|path=example.com:443|host=example.com:443|query=<nil>"},
	{name: "CONNECT IPv6", in: head("CONNECT [2001:db8::1]:443 HTTP/1.1", "Host: [2001:db8::1]:443"), want: "host=[2001:db8::1]:443"},
	{name: "CONNECT without port", in: head("CONNECT example.com HTTP/1.1", "Host: example.com"), err: ErrBadTarget},
	{name: "CONNECT empty port", in: head("CONNECT example.com: HTTP/1.1", "Host: example.com"), err: ErrBadTarget},
	{name: "CONNECT origin-form (net/rpc)", in: head("CONNECT /_goRPC_ HTTP/1.0"), want: "path=/_goRPC_|host=<nil>"},
	{name: "authority-form without CONNECT", in: head("GET example.com:443 HTTP/1.1", "Host: x"), err: ErrBadTarget},

	// Host.
	{name: "missing Host", in: head("GET / HTTP/1.1"), err: ErrMissingHost},
	{name: "duplicate Host", in: get("Host: example.com"), err: ErrDuplicateHost},
	{name: "duplicate Host HTTP/1.0", in: head("GET / HTTP/1.0", "Host: a", "host: b"), err: ErrDuplicateHost},
	{name: "empty Host", in: head("GET / HTTP/1.1", "Host:"), want: "host="},
	{name: "Host with port", in: head("GET / HTTP/1.1", "Host: 127.0.0.1:8080"), want: "host=127.0.0.1:8080"},
	{name: "Host empty port", in: head("GET / HTTP/1.1", "Host: example.com:"), want: "host=example.com:"},
	{name: "Host IPv6", in: head("GET / HTTP/1.1", "Host: [::1]:8080"), want: "host=[::1]:8080"},
	{name: "Host percent", in: head("GET / HTTP/1.1", "Host: ex%41mple"), want: "host=ex%41mple"},
	{name: "Host bad percent", in: head("GET / HTTP/1.1", "Host: ex%4"), err: ErrBadHost},
	{name: "Host with space", in: head("GET / HTTP/1.1", "Host: exa mple"), err: ErrBadHost},
	{name: "Host with userinfo", in: head("GET / HTTP/1.1", "Host: a@b"), err: ErrBadHost},
	{name: "Host with slash", in: head("GET / HTTP/1.1", "Host: a/b"), err: ErrBadHost},
	{name: "Host bad port", in: head("GET / HTTP/1.1", "Host: a:80x"), err: ErrBadHost},
	{name: "Host only port", in: head("GET / HTTP/1.1", "Host: :80"), err: ErrBadHost},
	{name: "Host unclosed bracket", in: head("GET / HTTP/1.1", "Host: [::1"), err: ErrBadHost},
	{name: "Host garbage after bracket", in: head("GET / HTTP/1.1", "Host: [::1]x"), err: ErrBadHost},

	// Header syntax.
	{name: "NUL in value", in: get("X: a\x00b"), err: ErrBadHeader},
	{name: "NUL in name", in: get("X\x00Y: a"), err: ErrBadHeader},
	{name: "DEL in value", in: get("X: a\x7f"), err: ErrBadHeader},
	{name: "VT in value", in: get("X: a\vb"), err: ErrBadHeader},
	{name: "empty name", in: get(": v"), err: ErrBadHeader},
	{name: "no colon", in: get("NoColon"), err: ErrBadHeader},
	{name: "space in name", in: get("X Y: z"), err: ErrBadHeader},
	{name: "non-token in name", in: get("X(Y): z"), err: ErrBadHeader},
	{name: "space before colon", in: get("X : y"), err: ErrSpaceBeforeColon},
	{name: "tab before colon", in: get("X\t: y"), err: ErrSpaceBeforeColon},
	{name: "obs-fold", in: get("X: a", " b"), err: ErrObsFold},
	{name: "obs-fold with tab", in: get("X: a", "\tb"), err: ErrObsFold},
	{name: "whitespace before first field", in: head("GET / HTTP/1.1", " Host: h"), err: ErrObsFold},
	{name: "bare LF after request line", in: "GET / HTTP/1.1\nHost: h\r\n\r\n", err: ErrBareLF, early: true},
	{name: "bare LF ending a field", in: "GET / HTTP/1.1\r\nHost: h\n\r\n", err: ErrBareLF},
	{name: "bare LF ending the head", in: "GET / HTTP/1.1\r\nHost: h\r\n\n", err: ErrBareLF},
	{name: "bare LF head only LFs", in: "GET / HTTP/1.1\n\n", err: ErrBareLF},
	{name: "bare CR in value", in: get("X: a\rb"), err: ErrBareLF},
	{name: "bare CR ends value", in: "GET / HTTP/1.1\r\nHost: h\r\r\n\r\n", err: ErrBareLF},
	{name: "bare CR starts line", in: get("\rX: y"), err: ErrBareLF},
	{name: "bare CR ends request line", in: "GET / HTTP/1.1\r\r\nHost: h\r\n\r\n", err: ErrBareLF},

	// Connection and Expect.
	{name: "Connection close", in: get("Connection: close"), want: "ka=false"},
	{name: "Connection list close", in: get("Connection: keep-alive , CLOSE"), want: "ka=false"},
	{name: "Connection on two lines", in: get("Connection: upgrade", "Connection: close"), want: "ka=false"},
	{name: "Connection closed-ish token", in: get("Connection: closed"), want: "ka=true"},
	{name: "Expect with body", in: post("Content-Length: 5", "Expect: 100-Continue"), want: "expect=true"},
	{name: "Expect without body", in: get("Expect: 100-continue"), want: "expect=false"},
	{name: "Expect with zero length", in: post("Content-Length: 0", "Expect: 100-continue"), want: "expect=false"},
	{name: "Expect with chunked", in: post("Transfer-Encoding: chunked", "Expect: 100-continue"), want: "expect=true"},
	{name: "Expect in HTTP/1.0", in: head("POST / HTTP/1.0", "Content-Length: 5", "Expect: 100-continue"), want: "expect=false"},
	{name: "Expect other", in: post("Content-Length: 1", "Expect: 100-continuex"), want: "expect=false"},

	// Content-Length.
	{name: "CL", in: post("Content-Length: 5"), want: "framing=length|cl=5"},
	{name: "CL zero", in: post("Content-Length: 0"), want: "framing=length|cl=0"},
	{name: "CL no space", in: post("Content-Length:5"), want: "cl=5"},
	{name: "CL padded", in: post("Content-Length:  5 \t"), want: "cl=5"},
	{name: "CL leading zeros", in: post("Content-Length: 007"), want: "cl=7"},
	{name: "CL repeated same", in: post("Content-Length: 5", "content-length: 5"), want: "cl=5"},
	{name: "CL repeated differing", in: post("Content-Length: 5", "Content-Length: 6"), err: ErrBadContentLength},
	{name: "CL repeated differing spelling", in: post("Content-Length: 5", "Content-Length: 05"), err: ErrBadContentLength},
	{name: "CL list", in: post("Content-Length: 5, 5"), err: ErrBadContentLength},
	{name: "CL plus sign", in: post("Content-Length: +5"), err: ErrBadContentLength},
	{name: "CL negative", in: post("Content-Length: -1"), err: ErrBadContentLength},
	{name: "CL hex", in: post("Content-Length: 0x5"), err: ErrBadContentLength},
	{name: "CL inner space", in: post("Content-Length: 5 5"), err: ErrBadContentLength},
	{name: "CL empty", in: post("Content-Length:"), err: ErrBadContentLength},
	{name: "CL decimal", in: post("Content-Length: 5.0"), err: ErrBadContentLength},
	{name: "CL max int64 unbounded", in: post("Content-Length: 9223372036854775807"), lim: Limits{MaxBodyBytes: -1}, want: "cl=9223372036854775807"},
	{name: "CL max int64 over limit", in: post("Content-Length: 9223372036854775807"), err: ErrBodyTooLarge},
	{name: "CL overflow", in: post("Content-Length: 9223372036854775808"), lim: Limits{MaxBodyBytes: -1}, err: ErrBadContentLength},
	{name: "CL huge", in: post("Content-Length: 99999999999999999999999999"), err: ErrBadContentLength},
	{name: "CL at body limit", in: post("Content-Length: 10485760"), want: "cl=10485760"},
	{name: "CL over body limit", in: post("Content-Length: 10485761"), err: ErrBodyTooLarge},
	{name: "CL over small limit", in: post("Content-Length: 11"), lim: Limits{MaxBodyBytes: 10}, err: ErrBodyTooLarge},

	// Transfer-Encoding.
	{name: "TE chunked", in: post("Transfer-Encoding: chunked"), want: "framing=chunked|cl=-1"},
	{name: "TE upper case", in: post("Transfer-Encoding: CHUNKED"), want: "framing=chunked"},
	{name: "TE padded spaces", in: post("Transfer-Encoding:   chunked   "), want: "framing=chunked"},
	{name: "TE padded tabs", in: post("Transfer-Encoding:\tchunked\t"), want: "framing=chunked"},
	{name: "TE space before colon", in: post("Transfer-Encoding : chunked"), err: ErrSpaceBeforeColon},
	{name: "TE xchunked", in: post("Transfer-Encoding: xchunked"), err: ErrUnknownCoding},
	{name: "TE chunkedx", in: post("Transfer-Encoding: chunkedx"), err: ErrUnknownCoding},
	{name: "TE gzip", in: post("Transfer-Encoding: gzip"), err: ErrUnknownCoding},
	{name: "TE identity", in: post("Transfer-Encoding: identity"), err: ErrUnknownCoding},
	{name: "TE gzip, chunked", in: post("Transfer-Encoding: gzip, chunked"), err: ErrUnknownCoding},
	{name: "TE gzip then chunked lines", in: post("Transfer-Encoding: gzip", "Transfer-Encoding: chunked"), err: ErrUnknownCoding},
	{name: "TE chunked, gzip", in: post("Transfer-Encoding: chunked, gzip"), err: ErrChunkedNotLast},
	{name: "TE chunked, chunked", in: post("Transfer-Encoding: chunked, chunked"), err: ErrChunkedNotLast},
	{name: "TE chunked on two lines", in: post("Transfer-Encoding: chunked", "Transfer-Encoding: chunked"), err: ErrChunkedNotLast},
	{name: "TE empty", in: post("Transfer-Encoding:"), err: ErrBadHeader},
	{name: "TE trailing comma", in: post("Transfer-Encoding: chunked,"), err: ErrBadHeader},
	{name: "TE leading comma", in: post("Transfer-Encoding: , chunked"), err: ErrBadHeader},
	{name: "TE parameter", in: post("Transfer-Encoding: chunked;q=1"), err: ErrBadHeader},
	{name: "TE quoted", in: post(`Transfer-Encoding: "chunked"`), err: ErrBadHeader},
	{name: "TE NUL", in: post("Transfer-Encoding: chunked\x00"), err: ErrBadHeader},
	{name: "TE vertical tab", in: post("Transfer-Encoding:\vchunked"), err: ErrBadHeader},
	{name: "TE empty then folded", in: post("Transfer-Encoding:", " chunked"), err: ErrBadHeader},
	{name: "TE folded", in: post("Transfer-Encoding: chunked", " gzip"), err: ErrObsFold},
	{name: "TE underscore is another field", in: post("Transfer_Encoding: chunked"), want: "framing=none|cl=0"},
	{name: "CL then TE", in: post("Content-Length: 5", "Transfer-Encoding: chunked"), err: ErrCLAndTE},
	{name: "TE then CL", in: post("Transfer-Encoding: chunked", "Content-Length: 5"), err: ErrCLAndTE},
	{name: "TE gzip and CL", in: post("Transfer-Encoding: gzip", "Content-Length: 5"), err: ErrCLAndTE},
	{name: "TE in HTTP/1.0", in: head("POST / HTTP/1.0", "Transfer-Encoding: chunked"), err: ErrTEInHTTP10},

	// Limits.
	{name: "request line at limit", in: head("GET /"+strings.Repeat("a", 6)+" HTTP/1.1", "Host: h"), lim: Limits{MaxRequestLineBytes: 20}, want: "path=/aaaaaa"},
	{name: "request line over limit", in: head("GET /"+strings.Repeat("a", 7)+" HTTP/1.1", "Host: h"), lim: Limits{MaxRequestLineBytes: 20}, err: ErrURITooLong, early: true},
	{name: "request line over limit, bare LF", in: "GET /" + strings.Repeat("a", 7) + " HTTP/1.1\n\r\n", lim: Limits{MaxRequestLineBytes: 20}, err: ErrURITooLong, early: true},
	{name: "request line at limit, bare LF", in: "GET /" + strings.Repeat("a", 6) + " HTTP/1.1\n\r\n", lim: Limits{MaxRequestLineBytes: 20}, err: ErrBareLF},
	{name: "method over limit", in: strings.Repeat("G", 30), lim: Limits{MaxRequestLineBytes: 20}, err: ErrURITooLong, early: true},
	{name: "unterminated long line", in: "GET /" + big, err: ErrURITooLong, early: true},
	{name: "request line bounded by head limit", in: head("GET /"+strings.Repeat("a", 20)+" HTTP/1.1", "Host: h"), lim: Limits{MaxHeaderBytes: 30}, err: ErrURITooLong, early: true},
	{name: "head at limit", in: get("X: " + strings.Repeat("v", 64-len(get())-5)), lim: Limits{MaxHeaderBytes: 64}, want: "method=GET"},
	{name: "head over limit", in: get("X: " + strings.Repeat("v", 64-len(get())-4)), lim: Limits{MaxHeaderBytes: 64}, err: ErrHeaderTooLarge, early: true},
	{name: "unterminated head", in: "GET / HTTP/1.1\r\nX: " + strings.Repeat(big, 4), err: ErrHeaderTooLarge, early: true},
	{name: "many small lines", in: "GET / HTTP/1.1\r\n" + strings.Repeat("X: y\r\n", 6000), lim: Limits{MaxHeaders: 10000}, err: ErrHeaderTooLarge, early: true},
	{name: "fields at count limit", in: get("A: 1"), lim: Limits{MaxHeaders: 2}, want: "method=GET"},
	{name: "fields over count limit", in: get("A: 1", "B: 2"), lim: Limits{MaxHeaders: 2}, err: ErrTooManyHeaders, early: true},
	{name: "default field count limit", in: get(strings.Repeat("A: 1\r\n", 100)[:600-2]), err: ErrTooManyHeaders, early: true},

	// Incomplete heads.
	{name: "nothing", in: "", more: true},
	{name: "half a CRLF", in: "\r", more: true},
	{name: "method only", in: "GET", more: true},
	{name: "request line only", in: "GET / HTTP/1.1\r\n", more: true},
	{name: "one CRLF short", in: "GET / HTTP/1.1\r\nHost: h\r\n", more: true},
	{name: "one byte short", in: "GET / HTTP/1.1\r\nHost: h\r\n\r", more: true},
}

func TestParseTable(t *testing.T) {
	for _, c := range parseCases {
		t.Run(c.name, func(t *testing.T) {
			in := []byte(c.in + c.body)
			whole, bytewise := parseAllWays(t, c.name, c.lim, in)
			switch {
			case c.more:
				if whole.done {
					t.Fatalf("got n=%d err=%v, want need more", whole.n, whole.err)
				}
			case c.err != nil:
				if !errors.Is(whole.err, c.err) {
					t.Fatalf("got n=%d err=%v, want %v", whole.n, whole.err, c.err)
				}
				if c.early && bytewise.at >= len(in) {
					t.Errorf("error reported at byte %d of %d, want before the end", bytewise.at, len(in))
				}
			default:
				if whole.err != nil || whole.n != len(c.in) {
					t.Fatalf("got n=%d err=%v, want n=%d", whole.n, whole.err, len(c.in))
				}
				for kv := range strings.SplitSeq(c.want, "|") {
					k, v, _ := strings.Cut(kv, "=")
					if got, ok := whole.req[k]; !ok || got != v {
						t.Errorf("%s = %q, want %q", k, got, v)
					}
				}
			}
		})
	}
}

func TestErrorStatus(t *testing.T) {
	for _, c := range []struct {
		err    *Error
		status int
	}{
		{ErrBadRequest, 400}, {ErrBareLF, 400}, {ErrCLAndTE, 400}, {ErrChunkedNotLast, 400},
		{ErrBodyTooLarge, 413}, {ErrURITooLong, 414}, {ErrHeaderTooLarge, 431},
		{ErrTooManyHeaders, 431}, {ErrUnknownCoding, 501}, {ErrVersion, 505},
	} {
		if c.err.Status != c.status {
			t.Errorf("%v: status %d, want %d", c.err, c.err.Status, c.status)
		}
		if !strings.HasPrefix(c.err.Error(), "parse: ") {
			t.Errorf("%q lacks the package prefix", c.err.Error())
		}
	}
}
