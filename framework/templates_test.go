package framework

import (
	"bytes"
	"html/template"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"
)

func testTemplates() *Templates {
	return &Templates{
		FS: fstest.MapFS{
			"layout.html":          {Data: []byte(`<title>{{block "title" .}}App{{end}}</title><main>{{block "content" .}}{{end}}</main>{{template "footer.html"}}`)},
			"partials/footer.html": {Data: []byte(`<footer>{{shout "bye"}}</footer>`)},
			"index.html":           {Data: []byte(`{{template "layout.html" .}}{{define "title"}}Todos{{end}}{{define "content"}}<p title="{{.}}">{{.}}</p>{{end}}`)},
			"plain.html":           {Data: []byte(`{{template "layout.html" .}}`)},
			"broken.html":          {Data: []byte(`{{if}}`)},
			"fails.html":           {Data: []byte(`{{template "layout.html" .}}{{define "content"}}{{.Missing.Field}}{{end}}`)},
		},
		Shared: []string{"layout.html", "partials/*.html"},
		Funcs:  template.FuncMap{"shout": strings.ToUpper},
	}
}

func TestTemplates(t *testing.T) {
	tm := testTemplates()
	a := quietApp()
	a.Get("/{page}", func(r *Request) Response { return tm.Render(r.Param("page")+".html", r.Query("v")) })
	tests := []struct {
		target string
		status int
		body   string
	}{
		// Layout, page blocks, partial, funcs, and escaping in text and attribute.
		{"/index?v=<script>\"x\"", 200, `<title>Todos</title><main><p title="&lt;script&gt;&#34;x&#34;">&lt;script&gt;&#34;x&#34;</p></main><footer>BYE</footer>`},
		// A page that defines nothing gets the layout's defaults; its blocks do not leak from index.
		{"/plain", 200, `<title>App</title><main></main><footer>BYE</footer>`},
		{"/broken", 500, "Internal Server Error\n"},
		{"/fails?v=x", 500, "Internal Server Error\n"}, // execution error: no half page
		{"/absent", 500, "Internal Server Error\n"},
	}
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		for _, tt := range tests {
			res := do(get(tt.target))
			if res.status != tt.status || res.body != tt.body {
				t.Errorf("%s: got %d %q, want %d %q", tt.target, res.status, res.body, tt.status, tt.body)
			}
			if tt.status == 200 && res.header.Get("Content-Type") != "text/html; charset=utf-8" {
				t.Errorf("%s: Content-Type %q", tt.target, res.header.Get("Content-Type"))
			}
		}
	})
}

// TestTemplatesParsedOnDemand: nothing is parsed before the first Render of
// a page, and a page is parsed once however many goroutines render it.
func TestTemplatesParsedOnDemand(t *testing.T) {
	tm := testTemplates()
	if len(tm.pages) != 0 {
		t.Fatal("parsed before use")
	}
	var wg sync.WaitGroup
	got := make([]*page, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var b bytes.Buffer
			if err := tm.Execute(&b, "plain.html", nil); err != nil {
				t.Error(err)
			}
			got[i], _ = tm.page("plain.html")
		}()
	}
	wg.Wait()
	for _, p := range got {
		if p != got[0] {
			t.Fatal("page parsed more than once")
		}
	}
	if len(tm.pages) != 1 {
		t.Fatalf("%d pages parsed, want 1", len(tm.pages))
	}
}

func TestTemplatesDevReload(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "p.html")
	write := func(s string, mod time.Time) {
		if err := os.WriteFile(file, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(file, mod, mod)
	}
	render := func(tm *Templates) string {
		var b bytes.Buffer
		if err := tm.Execute(&b, "p.html", nil); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	start := time.Now().Add(-time.Hour)
	write("v1", start)
	dev := &Templates{FS: os.DirFS(dir), Dev: true}
	prod := &Templates{FS: os.DirFS(dir)}
	if render(dev) != "v1" || render(prod) != "v1" {
		t.Fatal("first render")
	}
	write("v2", start.Add(time.Minute))
	if got := render(dev); got != "v2" {
		t.Errorf("dev mode: %q after a change, want v2", got)
	}
	if got := render(prod); got != "v1" {
		t.Errorf("cached mode: %q after a change, want the cached v1", got)
	}
}

func TestTemplatesMisconfigured(t *testing.T) {
	var b bytes.Buffer
	for _, tm := range []*Templates{
		{}, // no FS
		{FS: fstest.MapFS{}, Shared: []string{"x/*.html"}}, // pattern matches nothing
		{FS: fstest.MapFS{}, Shared: []string{"["}},        // bad pattern
	} {
		if err := tm.Execute(&b, "a.html", nil); err == nil || !strings.HasPrefix(err.Error(), "framework: ") {
			t.Errorf("%+v: err %v", tm, err)
		}
	}
	var nilT *Templates
	if err := nilT.execute(&b, "a", nil); err == nil {
		t.Error("nil Templates rendered")
	}
}
