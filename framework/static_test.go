package framework

import (
	"io/fs"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

var staticFS = fstest.MapFS{
	"style.css":       {Data: []byte("body { color: red }\n"), ModTime: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)},
	"app.js":          {Data: []byte("console.log(1)\n")},
	"docs/index.html": {Data: []byte("<p>docs</p>\n")},
	"docs/empty/x":    {Data: []byte("x")},
}

func TestStatic(t *testing.T) {
	a := quietApp()
	a.Use(tag("app"))
	a.Static("/static", staticFS)
	a.Route("/private", func(g *Group) {
		g.Use(func(next Handler) Handler {
			return func(r *Request) Response {
				if r.Header("X-Key") != "k" {
					return Errorf(http.StatusUnauthorized, "no key")
				}
				return next(r)
			}
		})
		g.Static("/files", staticFS)
	})
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		res := do(get("/static/style.css"))
		etag := res.header.Get("ETag")
		if res.status != 200 || res.body != "body { color: red }\n" || res.header.Get("Content-Type") != "text/css; charset=utf-8" ||
			len(etag) != 34 || res.header.Get("Last-Modified") != "Wed, 01 May 2024 10:00:00 GMT" || res.header.Get("X-Trace") != "app" {
			t.Fatalf("style.css: %d %q %v", res.status, res.body, res.header)
		}
		tests := []struct {
			name, method, target string
			header               []string
			status               int
			body                 string
		}{
			{"etag match: 304", "GET", "/static/style.css", []string{"If-None-Match", etag}, 304, ""},
			{"etag mismatch", "GET", "/static/style.css", []string{"If-None-Match", `"other"`}, 200, "body { color: red }\n"},
			{"not modified since", "GET", "/static/style.css", []string{"If-Modified-Since", "Wed, 01 May 2024 10:00:00 GMT"}, 304, ""},
			{"modified since", "GET", "/static/style.css", []string{"If-Modified-Since", "Tue, 30 Apr 2024 10:00:00 GMT"}, 200, "body { color: red }\n"},
			{"range", "GET", "/static/style.css", []string{"Range", "bytes=0-3"}, 206, "body"},
			{"bad range", "GET", "/static/style.css", []string{"Range", "bytes=100-200"}, 416, ""},
			{"head", "HEAD", "/static/style.css", nil, 200, ""},
			{"no modtime still has an etag", "GET", "/static/app.js", nil, 200, "console.log(1)\n"},
			{"directory index", "GET", "/static/docs/", nil, 200, "<p>docs</p>\n"},
			{"directory without slash", "GET", "/static/docs", nil, 200, "<p>docs</p>\n"},
			{"directory without index", "GET", "/static/docs/empty/", nil, 404, ""},
			{"missing", "GET", "/static/nope.css", nil, 404, ""},
			{"dot-dot", "GET", "/static/../main_test.go", nil, 404, ""},
			{"escaped dot-dot", "GET", "/static/%2e%2e/main_test.go", nil, 404, ""},
			{"escaped slash dot-dot", "GET", "/static/docs%2f..%2f..%2fx", nil, 404, ""},
			{"double slash", "GET", "/static//style.css", nil, 404, ""},
			{"post", "POST", "/static/style.css", nil, 405, ""},
			{"group middleware refuses", "GET", "/private/files/style.css", nil, 401, "no key\n"},
			{"group middleware admits", "GET", "/private/files/style.css", []string{"X-Key", "k"}, 200, "body { color: red }\n"},
		}
		for _, tt := range tests {
			res := do(newReq(tt.method, tt.target, "", tt.header...))
			if res.status != tt.status || tt.body != "" && res.body != tt.body || tt.status >= 300 && tt.status != 404 && tt.status != 401 && tt.status != 405 && tt.status != 416 && res.body != "" {
				t.Errorf("%s: %d %q, want %d %q", tt.name, res.status, res.body, tt.status, tt.body)
			}
			switch tt.name {
			case "range":
				if res.header.Get("Content-Range") != "bytes 0-3/20" {
					t.Errorf("range: Content-Range %q", res.header.Get("Content-Range"))
				}
			case "head":
				if res.header.Get("Content-Length") != "20" || res.body != "" {
					t.Errorf("head: Content-Length %q, body %q", res.header.Get("Content-Length"), res.body)
				}
			case "no modtime still has an etag":
				if res.header.Get("ETag") == "" || res.header.Get("Last-Modified") != "" ||
					!strings.HasPrefix(res.header.Get("Content-Type"), "text/javascript") {
					t.Errorf("app.js: %v", res.header)
				}
			}
		}
	})
}

func TestStaticPanics(t *testing.T) {
	for _, tt := range []struct {
		name  string
		setup func(a *App)
		want  string
	}{
		{"nil fs", func(a *App) { a.Static("/s", nil) }, "framework: Static /s with a nil fs.FS"},
		{"trailing slash", func(a *App) { a.Static("/s/", staticFS) }, `framework: Static prefix "/s/"`},
	} {
		if msg := catchPanic(func() { tt.setup(quietApp()) }); !strings.Contains(msg, tt.want) {
			t.Errorf("%s: panic %q, want %q", tt.name, msg, tt.want)
		}
	}
}

// noSeekFS hides the Seek method of its files: an fs.File need not have
// one, and ServeContent needs it.
type noSeekFS struct{ fs.FS }

type noSeekFile struct{ fs.File }

func (n noSeekFS) Open(name string) (fs.File, error) {
	f, err := n.FS.Open(name)
	if err != nil {
		return nil, err
	}
	return noSeekFile{f}, nil
}

func TestStaticWithoutSeek(t *testing.T) {
	a := quietApp()
	a.Static("", noSeekFS{staticFS})
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		if res := do(get("/style.css", "Range", "bytes=5-9")); res.status != 206 || res.body != "{ col" {
			t.Errorf("range over a file without Seek: %d %q", res.status, res.body)
		}
		if res := do(get("/docs/")); res.status != 200 || res.body != "<p>docs</p>\n" {
			t.Errorf("index: %d %q", res.status, res.body)
		}
	})
}
