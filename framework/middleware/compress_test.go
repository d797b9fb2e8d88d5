package middleware_test

import (
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/klauspost/compress/zstd"

	"github.com/microframe/microframe/framework"
	"github.com/microframe/microframe/framework/internal/fwtest"
	"github.com/microframe/microframe/framework/middleware"
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
	a.Use(middleware.Compress(middleware.CompressOptions{}))
	a.Get("/text", func(r *framework.Request) framework.Response { return framework.Text(big) })
	a.Get("/small", func(r *framework.Request) framework.Response { return framework.Text("short") })
	a.Get("/png", func(r *framework.Request) framework.Response { return framework.Bytes("image/png", []byte(big)) })
	a.Get("/json", func(r *framework.Request) framework.Response { return framework.JSON(map[string]string{"big": big}) })
	a.Get("/already", func(r *framework.Request) framework.Response {
		return framework.Text(big).WithHeader("Content-Encoding", "br")
	})
	a.Get("/stream", func(r *framework.Request) framework.Response {
		return framework.Stream("text/plain", func(w framework.StreamWriter) error {
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
	a.Get("/error", func(r *framework.Request) framework.Response { return framework.Errorf(http.StatusTeapot, "%s", big) })

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
	fwtest.Servers(t, a, func(t *testing.T, c *fwtest.Client) {
		for _, tt := range tests {
			h := []string{}
			if tt.accept != "" {
				h = append(h, "Accept-Encoding", tt.accept)
			}
			res := c.Do("GET", tt.target, "", h...)
			body := res.Body
			gz := res.Header.Get("Content-Encoding") == "gzip"
			if gz {
				body = gunzip(t, body)
			}
			if res.Status >= 500 || gz != tt.gzipped || body != tt.want {
				t.Errorf("%s (Accept-Encoding %q): %d gzip=%v, want gzip=%v; body ok %v", tt.target, tt.accept, res.Status, gz, tt.gzipped, body == tt.want)
			}
			if tt.target != "/small" && tt.target != "/already" && res.Header.Get("Vary") != "Accept-Encoding" {
				t.Errorf("%s: Vary %q", tt.target, res.Header.Get("Vary"))
			}
			if gz && res.Header.Get("Content-Length") != "" && res.Header.Get("Content-Length") != strconv.Itoa(len(res.Body)) {
				t.Errorf("%s: Content-Length %q for %d bytes", tt.target, res.Header.Get("Content-Length"), len(res.Body))
			}
		}

		// HEAD: no body, so nothing to compress: the identity length is
		// announced (RFC 9110 lets HEAD differ from GET there), and the
		// connection stays in step for the next request.
		for range 2 {
			res := c.Do("HEAD", "/text", "", "Accept-Encoding", "gzip")
			if res.Status != 200 || res.Body != "" || res.Header.Get("Content-Encoding") != "" || res.Header.Get("Content-Length") != "1900" {
				t.Errorf("HEAD /text: %d %q %v", res.Status, res.Body, res.Header)
			}
			if res := c.Do("GET", "/small", "", "Accept-Encoding", "gzip"); res.Status != 200 || res.Body != "short" {
				t.Errorf("GET after HEAD: %d %q", res.Status, res.Body)
			}
		}

		// A static file: the compressed copy's ETag is suffixed, and it
		// still revalidates; a Range request is answered uncompressed.
		res := c.Do("GET", "/static/big.css", "", "Accept-Encoding", "gzip")
		etag := res.Header.Get("ETag")
		if !strings.HasSuffix(etag, `-gzip"`) {
			t.Errorf("compressed ETag %q", etag)
		}
		if res := c.Do("GET", "/static/big.css", "", "Accept-Encoding", "gzip", "If-None-Match", etag); res.Status != 304 {
			t.Errorf("revalidating the gzip copy: %d", res.Status)
		}
		res = c.Do("GET", "/static/big.css", "", "Accept-Encoding", "gzip", "Range", "bytes=0-7")
		if res.Status != 206 || res.Body != big[:8] || res.Header.Get("Content-Encoding") != "" {
			t.Errorf("range: %d %q %v", res.Status, res.Body, res.Header)
		}
	})
}

func TestCompressPanicsOnBadLevel(t *testing.T) {
	defer func() {
		if msg, _ := recover().(string); !strings.HasPrefix(msg, "middleware: Compress: ") {
			t.Errorf("panic %q", msg)
		}
	}()
	middleware.Compress(middleware.CompressOptions{Level: 42})
}

func TestCompressZstd(t *testing.T) {
	big := strings.Repeat("zstd when asked ", 100)
	a := quietApp()
	a.Use(middleware.Compress(middleware.CompressOptions{Zstd: true}))
	a.Get("/", func(r *framework.Request) framework.Response { return framework.Text(big) })
	fwtest.Servers(t, a, func(t *testing.T, c *fwtest.Client) {
		res := c.Do("GET", "/", "", "Accept-Encoding", "gzip, zstd")
		if res.Header.Get("Content-Encoding") != "zstd" {
			t.Fatalf("Content-Encoding %q, want zstd", res.Header.Get("Content-Encoding"))
		}
		dec, err := zstd.NewReader(nil)
		if err != nil {
			t.Fatal(err)
		}
		defer dec.Close()
		out, err := dec.DecodeAll([]byte(res.Body), nil)
		if err != nil || string(out) != big {
			t.Errorf("zstd body: %v, %d bytes", err, len(out))
		}
		if res := c.Do("GET", "/", "", "Accept-Encoding", "gzip"); res.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("gzip-only client: %q", res.Header.Get("Content-Encoding"))
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
	a.Use(middleware.Compress(middleware.CompressOptions{}))
	a.HandleHTTP("GET", "/http", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, big)
	}))
	fwtest.Servers(t, a, func(t *testing.T, c *fwtest.Client) {
		results := make(chan fwtest.Response, 16)
		for range cap(results) {
			go func() { results <- c.Do("GET", "/http", "", "Accept-Encoding", "gzip") }()
		}
		for range cap(results) {
			res := <-results
			if res.Status != 200 || res.Header.Get("Content-Encoding") != "gzip" || gunzip(t, res.Body) != big {
				t.Fatalf("%d %v: not the body gzipped once", res.Status, res.Header)
			}
		}
	})
}

// BenchmarkCompress measures a 4 KiB HTML list through net/http's
// handler interface, without Compress and with it (gzip at the default
// level, and at 1).
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
		a := quietApp()
		if c.on {
			a.Use(middleware.Compress(middleware.CompressOptions{Level: c.level}))
		}
		a.Get("/", func(r *framework.Request) framework.Response { return framework.Text(body) })
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		b.Run(c.name, func(b *testing.B) {
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				a.ServeHTTP(w, req)
			}
		})
	}
}
