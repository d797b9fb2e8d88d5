package middleware

import (
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzip"

	"github.com/microframe/microframe/framework"
)

// Compression is github.com/klauspost/compress's gzhttp, the well-kept
// net/http wrapper, around the response writer (framework.FromHTTP), so
// that whatever the handlers behind it answer is compressed: Responses
// built by the framework, http.Handlers, static files. On the native path
// the response then goes through an http.ResponseWriter built for it;
// without Compress in the chain, nothing changes.

// DefaultCompressMinSize is the default CompressOptions.MinSize: 1 KiB.
const DefaultCompressMinSize = 1024

// CompressOptions configures Compress. The zero value is ready to use.
type CompressOptions struct {
	// MinSize is the smallest body compressed, in bytes: a shorter one is
	// not worth the CPU and the header. Zero means DefaultCompressMinSize.
	MinSize int
	// Level is the gzip level, 1 (fastest) to 9 (smallest); zero means
	// gzip's default (level 5 in klauspost/compress).
	Level int
	// Zstd also offers zstd to clients that accept it, and prefers it to
	// gzip. Off by default: every browser accepts gzip.
	Zstd bool
	// Compressible reports whether a Content-Type is worth compressing.
	// Nil means Compressible: text and the text-based formats.
	Compressible func(contentType string) bool
}

// Compress returns middleware that compresses the responses of the
// handlers after it, when the client accepts gzip (or zstd, with
// opts.Zstd), the body is at least opts.MinSize bytes and its Content-Type
// is compressible. It sets Content-Encoding, adds "Vary: Accept-Encoding",
// drops Content-Length (the response is then chunked, or ends with the
// connection under HTTP/1.0) and Accept-Ranges, and suffixes an ETag with
// "-gzip" (or "-zstd") so that caches do not mix the two forms. A response
// that already has a Content-Encoding is left alone; so is a Content
// response answering a Range request, which ServeContent marks with
// Content-Range.
//
// Compress panics when opts is invalid (a Level out of range).
func Compress(opts CompressOptions) framework.Middleware {
	if opts.MinSize <= 0 {
		opts.MinSize = DefaultCompressMinSize
	}
	if opts.Compressible == nil {
		opts.Compressible = Compressible
	}
	level := opts.Level
	if level == 0 {
		level = gzip.DefaultCompression
	}
	wrap, err := gzhttp.NewWrapper(gzhttp.MinSize(opts.MinSize), gzhttp.CompressionLevel(level),
		gzhttp.ContentTypeFilter(opts.Compressible), gzhttp.EnableZstd(opts.Zstd),
		gzhttp.SuffixETag("-gzip"))
	if err != nil {
		panic(fmt.Sprintf("middleware: Compress: %v", err))
	}
	return framework.FromHTTP(func(next http.Handler) http.Handler {
		h := wrap(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, unsuffixETags(r))
		})
	})
}

// etagSuffixes undoes gzhttp's SuffixETag in If-None-Match.
var etagSuffixes = strings.NewReplacer(`-gzip"`, `"`, `-zstd"`, `"`)

// unsuffixETags returns r, or a copy whose If-None-Match names the ETags
// of the uncompressed response: Compress suffixes the ETag of what it
// compressed, and a client revalidating that copy must still match what
// the handler (a static file) sets.
func unsuffixETags(r *http.Request) *http.Request {
	inm := r.Header.Get("If-None-Match")
	if !strings.Contains(inm, `-gzip"`) && !strings.Contains(inm, `-zstd"`) {
		return r
	}
	r = r.WithContext(r.Context())
	r.Header = r.Header.Clone()
	r.Header.Set("If-None-Match", etagSuffixes.Replace(inm))
	return r
}

// Compressible reports whether a response of contentType is worth
// compressing: text/*, JSON, XML, JavaScript, SVG, WebAssembly and the
// like; not images, audio, video or archives, which are compressed already.
func Compressible(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"),
		strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"):
		return true
	}
	switch mt {
	case "application/json", "application/javascript", "application/xml", "application/wasm",
		"application/x-ndjson", "application/manifest+json", "image/svg+xml",
		"application/x-www-form-urlencoded", "font/ttf", "font/otf":
		return true
	}
	return false
}
