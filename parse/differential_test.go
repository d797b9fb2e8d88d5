package parse

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/http/httputil"
	"regexp"
	"strings"
	"testing"
)

// framingErrors are the net/http error messages about where a request's
// body ends or which host it is for. A request net/http refuses for one of
// these must be refused by this parser too: accepting it is how request
// smuggling starts.
var framingErrors = []string{
	"Content-Length",            // "bad Content-Length", "invalid empty Content-Length", "multiple Content-Length headers"
	"transfer encoding",         // "unsupported transfer encoding", "too many transfer encodings"
	"too many Host headers",     //
	"malformed HTTP version",    //
	"invalid method",            //
	"malformed HTTP request",    // the request line
	"invalid URI for request",   //
	"invalid control character", //
}

// FuzzDifferential parses the same bytes with this parser and with
// net/http's http.ReadRequest. Where both accept, they must agree on the
// method, target, Host, version, connection persistence and framing. Where
// net/http refuses over framing, this parser must refuse too. This parser
// may refuse more (see the deliberate differences in docs/security.md).
func FuzzDifferential(f *testing.F) {
	for _, c := range parseCases {
		addSeeds(f, c.in+c.body)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzInput {
			return
		}
		var p Parser
		p.Limits.MaxBodyBytes = -1
		var req Request
		n, err := p.Parse(data, &req)
		if n == 0 && err == nil {
			return // incomplete: net/http would see a truncated request
		}
		// net/http does not skip empty lines before the request line.
		skipped := data
		for bytes.HasPrefix(skipped, []byte("\r\n")) {
			skipped = skipped[2:]
		}
		hreq, herr := http.ReadRequest(bufio.NewReader(bytes.NewReader(skipped)))
		if err != nil {
			return // refusing more than net/http is allowed
		}
		if herr != nil {
			for _, s := range framingErrors {
				if strings.Contains(herr.Error(), s) {
					t.Fatalf("accepted what net/http refuses: %v", herr)
				}
			}
			return
		}
		defer hreq.Body.Close()
		check := func(what string, ours, theirs any) {
			if ours != theirs {
				t.Errorf("%s: ours %q, net/http %q", what, ours, theirs)
			}
		}
		check("method", string(req.Method), hreq.Method)
		check("target", string(req.Target), hreq.RequestURI)
		check("host", string(req.Host), hreq.Host)
		check("major", req.ProtoMajor, hreq.ProtoMajor)
		check("minor", req.ProtoMinor, min(hreq.ProtoMinor, 1))
		check("keep-alive", req.KeepAlive, !hreq.Close)
		check("content-length", req.ContentLength, hreq.ContentLength)
		check("chunked", req.Framing == Chunked, len(hreq.TransferEncoding) == 1 && hreq.TransferEncoding[0] == "chunked")
	})
}

// The chunked syntax this decoder accepts and net/http's does not.
var (
	longHexRun         = regexp.MustCompile(`[0-9a-fA-F]{17}`)
	bwsBeforeSemicolon = regexp.MustCompile(`[0-9a-fA-F"][ \t]+;`)
)

// FuzzDifferentialChunked decodes the same bytes with ChunkedDecoder and
// with net/http's chunked reader (httputil.NewChunkedReader). Where this
// decoder reaches the end of a body, net/http must read the same payload.
// net/http stops before the trailer section, so trailers are not compared.
func FuzzDifferentialChunked(f *testing.F) {
	for _, c := range chunkCases {
		addSeeds(f, c.in+c.after)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzInput {
			return
		}
		var d ChunkedDecoder
		d.Limits.MaxBodyBytes = -1
		dst := make([]byte, len(data))
		nd, _, err := d.Decode(dst, data)
		if err != io.EOF {
			return
		}
		theirs, herr := io.ReadAll(httputil.NewChunkedReader(bytes.NewReader(data)))
		if herr != nil {
			switch msg := herr.Error(); {
			case strings.Contains(msg, "too much non-data"):
				return // a different overhead budget from ours
			case strings.Contains(msg, "chunk length too large") && longHexRun.Match(data):
				return // net/http refuses more than 16 digits, leading zeros included
			case strings.Contains(msg, "invalid byte in chunk length") && bwsBeforeSemicolon.Match(data):
				return // net/http refuses the BWS that RFC 9112 allows before ';'
			}
			t.Fatalf("decoded %q, net/http: %v", dst[:nd], herr)
		}
		if !bytes.Equal(dst[:nd], theirs) {
			t.Fatalf("decoded %q, net/http %q", dst[:nd], theirs)
		}
	})
}
