package parse_test

import (
	"errors"
	"fmt"
	"io"

	"github.com/microframe/microframe/parse"
)

// Bytes arrive in pieces; Parse is called after each one with everything
// received so far, and answers once the head is complete.
func ExampleParser_Parse() {
	var p parse.Parser
	var req parse.Request
	var buf []byte
	for _, piece := range []string{
		"POST /items?id=7 HT",
		"TP/1.1\r\nHost: example.com\r\nContent-Le",
		"ngth: 5\r\n\r\nhello",
	} {
		buf = append(buf, piece...)
		n, err := p.Parse(buf, &req)
		var perr *parse.Error
		if errors.As(err, &perr) {
			fmt.Println("answer", perr.Status, "and close:", perr.Reason)
			return
		}
		if n == 0 {
			fmt.Println("need more")
			continue
		}
		fmt.Printf("%s %s query=%s host=%s\n", req.Method, req.Path, req.RawQuery, req.Host)
		fmt.Printf("body: %d bytes: %q\n", req.ContentLength, buf[n:n+int(req.ContentLength)])
	}
	// Output:
	// need more
	// need more
	// POST /items query=id=7 host=example.com
	// body: 5 bytes: "hello"
}

// A request the parser refuses carries the status code to answer with.
func ExampleParser_Parse_error() {
	var p parse.Parser
	var req parse.Request
	_, err := p.Parse([]byte("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"), &req)
	var perr *parse.Error
	if errors.As(err, &perr) {
		fmt.Println(perr.Status, err)
	}
	// Output:
	// 400 parse: both Content-Length and Transfer-Encoding
}

// A chunked body is decoded in place, in whatever pieces it arrives.
func ExampleChunkedDecoder_Decode() {
	var d parse.ChunkedDecoder
	body := []byte("7\r\nchunked\r\n9;ext=1\r\n encoding\r\n0\r\nX-Trailer: ok\r\n\r\nGET /next")
	n, consumed, err := d.Decode(body, body) // dst may alias src
	fmt.Printf("%q\n", body[:n])
	fmt.Println(err == io.EOF, d.Done())
	fmt.Printf("left for the next request: %q\n", body[consumed:])
	// Output:
	// "chunked encoding"
	// true true
	// left for the next request: "GET /next"
}
