package framework

import (
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/klauspost/compress/zstd"

	"github.com/microframe/microframe/parse"
)

func gunzip(t *testing.T, s string) string {
	t.Helper()
	zr, err := gzip.NewReader(strings.NewReader(s))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("bad gzip: %v", err)
	}
	return string(b)
}

func TestCompress(t *testing.T) {
	big := strings.Repeat("compress me please ", 100) // 1,900 bytes
	a := quietApp()
	a.Use(Compress(CompressOptions{}))
	a.Get("/text", func(r *Request) Response { return Text(big) })
	a.Get("/small", func(r *Request) Response { return Text("short") })
	a.Get("/png", func(r *Request) Response { return Bytes("image/png", []byte(big)) })
	a.Get("/json", func(r *Request) Response { return JSON(map[string]string{"big": big}) })
	a.Get("/already", func(r *Request) Response { return Text(big).WithHeader("Content-Encoding", "br") })
	a.Get("/stream", func(r *Request) Response {
		return Stream("text/plain", func(w StreamWriter) error {
			for range 3 {
				if _, err := io.WriteString(w, big); err != nil {
					return err
				}
				if err := w.Flush(); err != nil {
					return err
				}
			}
			return nil
		})
	})
	a.HandleHTTP("GET", "/http", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, big)
	}))
	a.Static("/static", fstest.MapFS{"big.css": {Data: []byte(big)}})
	a.Get("/error", func(r *Request) Response { return Errorf(http.StatusTeapot, "%s", big) })

	tests := []struct {
		target, accept string
		gzipped        bool
		want           string
	}{
		{"/text", "gzip", true, big},
		{"/text", "gzip;q=0, identity", false, big},
		{"/text", "", false, big},
		{"/text", "deflate, gzip;q=0.5", true, big},
		{"/small", "gzip", false, "short"},
		{"/png", "gzip", false, big},
		{"/json", "gzip", true, `{"big":"` + big + `"}` + "\n"},
		{"/already", "gzip", false, big},
		{"/stream", "gzip", true, big + big + big},
		{"/http", "gzip", true, big},
		{"/static/big.css", "gzip", true, big},
		{"/error", "gzip", true, big + "\n"},
	}
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		for _, tt := range tests {
			h := []string{}
			if tt.accept != "" {
				h = append(h, "Accept-Encoding", tt.accept)
			}
			res := do(newReq("GET", tt.target, "", h...))
			body := res.body
			gz := res.header.Get("Content-Encoding") == "gzip"
			if gz {
				body = gunzip(t, body)
			}
			if res.status >= 500 || gz != tt.gzipped || body != tt.want {
				t.Errorf("%s (Accept-Encoding %q): %d gzip=%v, want gzip=%v; body ok %v", tt.target, tt.accept, res.status, gz, tt.gzipped, body == tt.want)
			}
			if tt.target != "/small" && tt.target != "/already" && res.header.Get("Vary") != "Accept-Encoding" {
				t.Errorf("%s: Vary %q", tt.target, res.header.Get("Vary"))
			}
			if gz && res.header.Get("Content-Length") != "" && res.header.Get("Content-Length") != strconv.Itoa(len(res.body)) {
				t.Errorf("%s: Content-Length %q for %d bytes", tt.target, res.header.Get("Content-Length"), len(res.body))
			}
		}

		// HEAD: no body, so nothing to compress: the identity length is
		// announced (RFC 9110 lets HEAD differ from GET there), and the
		// connection stays in step for the next request.
		for range 2 {
			res := do(newReq("HEAD", "/text", "", "Accept-Encoding", "gzip"))
			if res.status != 200 || res.body != "" || res.header.Get("Content-Encoding") != "" || res.header.Get("Content-Length") != "1900" {
				t.Errorf("HEAD /text: %d %q %v", res.status, res.body, res.header)
			}
			if res := do(newReq("GET", "/small", "", "Accept-Encoding", "gzip")); res.status != 200 || res.body != "short" {
				t.Errorf("GET after HEAD: %d %q", res.status, res.body)
			}
		}

		// A static file: the compressed copy's ETag is suffixed, and it
		// still revalidates; a Range request is answered uncompressed.
		res := do(newReq("GET", "/static/big.css", "", "Accept-Encoding", "gzip"))
		etag := res.header.Get("ETag")
		if !strings.HasSuffix(etag, `-gzip"`) {
			t.Errorf("compressed ETag %q", etag)
		}
		if res := do(newReq("GET", "/static/big.css", "", "Accept-Encoding", "gzip", "If-None-Match", etag)); res.status != 304 {
			t.Errorf("revalidating the gzip copy: %d", res.status)
		}
		res = do(newReq("GET", "/static/big.css", "", "Accept-Encoding", "gzip", "Range", "bytes=0-7"))
		if res.status != 206 || res.body != big[:8] || res.header.Get("Content-Encoding") != "" {
			t.Errorf("range: %d %q %v", res.status, res.body, res.header)
		}
	})
}

func TestCompressPanicsOnBadLevel(t *testing.T) {
	if msg := catchPanic(func() { Compress(CompressOptions{Level: 42}) }); !strings.HasPrefix(msg, "framework: Compress: ") {
		t.Errorf("panic %q", msg)
	}
}

// The native path allocates nothing more with Compress absent; with it
// present but the body too small to compress, the response goes through
// an http.ResponseWriter (counted here so that a change shows).
func TestCompressAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	a := quietApp()
	a.Get("/hello", func(r *Request) Response { return Text("hello") })
	fc := new(fakeCtx).set("GET", "/hello")
	fc.req.Headers = nil
	if n := testing.AllocsPerRun(200, func() { fc.reset(); a.serveNative(fc) }); n != 0 {
		t.Errorf("without Compress: %.0f allocs per request, want 0", n)
	}
}

// BenchmarkCompress measures a 4 KiB HTML list on the native path,
// without Compress and with it (gzip at the default level, and at 1).
func BenchmarkCompress(b *testing.B) {
	var sb strings.Builder
	for i := 0; sb.Len() < 4096; i++ {
		fmt.Fprintf(&sb, "<li id=\"t%d\">todo %d: water plant %d, %x</li>\n", i, i, i*7919%1000, i*2654435761)
	}
	body := sb.String()
	for _, c := range []struct {
		name  string
		on    bool
		level int
	}{{"off", false, 0}, {"gzip", true, 0}, {"gzip-level1", true, 1}} {
		name, on := c.name, c.on
		a := quietApp()
		if on {
			a.Use(Compress(CompressOptions{Level: c.level}))
		}
		a.Get("/", func(r *Request) Response { return Text(body) })
		fc := new(fakeCtx).set("GET", "/")
		if on {
			fc.req.Headers = append(fc.req.Headers, parse.Header{Name: []byte("Accept-Encoding"), Value: []byte("gzip")})
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				fc.reset()
				a.serveNative(fc)
			}
			b.ReportMetric(float64(fc.out.Len()), "body-bytes")
		})
	}
}

func TestCompressZstd(t *testing.T) {
	big := strings.Repeat("zstd when asked ", 100)
	a := quietApp()
	a.Use(Compress(CompressOptions{Zstd: true}))
	a.Get("/", func(r *Request) Response { return Text(big) })
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		res := do(get("/", "Accept-Encoding", "gzip, zstd"))
		if res.header.Get("Content-Encoding") != "zstd" {
			t.Fatalf("Content-Encoding %q, want zstd", res.header.Get("Content-Encoding"))
		}
		dec, err := zstd.NewReader(nil)
		if err != nil {
			t.Fatal(err)
		}
		defer dec.Close()
		out, err := dec.DecodeAll([]byte(res.body), nil)
		if err != nil || string(out) != big {
			t.Errorf("zstd body: %v, %d bytes", err, len(out))
		}
		if res := do(get("/", "Accept-Encoding", "gzip")); res.header.Get("Content-Encoding") != "gzip" {
			t.Errorf("gzip-only client: %q", res.header.Get("Content-Encoding"))
		}
	})
}

// TestCompressHTTPHandlerConcurrent: an http.Handler route under Compress
// serves concurrent requests, each compressed once. (The wrap is made per
// request; keeping it in the route's shared handler raced and nested one
// more gzip layer per request.)
func TestCompressHTTPHandlerConcurrent(t *testing.T) {
	big := strings.Repeat("compress me please ", 100)
	a := quietApp()
	a.Use(Compress(CompressOptions{}))
	a.HandleHTTP("GET", "/http", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, big)
	}))
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		results := make(chan result, 16)
		for range cap(results) {
			go func() { results <- do(newReq("GET", "/http", "", "Accept-Encoding", "gzip")) }()
		}
		for range cap(results) {
			res := <-results
			if res.status != 200 || res.header.Get("Content-Encoding") != "gzip" || gunzip(t, res.body) != big {
				t.Fatalf("%d %v: not the body gzipped once", res.status, res.header)
			}
		}
	})
}
