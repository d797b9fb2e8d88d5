package framework

import (
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"slices"
	"sync"
	"time"
)

// Templates renders HTML pages with html/template, which escapes every
// value for the place it lands in (element text, attribute, URL, script),
// so user input cannot inject markup.
//
// A page is one file of FS parsed together with the Shared files (layouts
// and partials). Parsing happens on the first Render of that page, not at
// start-up, and the result is cached: an app with many pages starts as fast
// as one with none. The page file is parsed last, so its {{define}}s
// override the {{block}}s of a layout. A typical pair:
//
//	layout.html:  <html><title>{{block "title" .}}App{{end}}</title>
//	              <body>{{block "content" .}}{{end}}</body></html>
//	index.html:   {{template "layout.html" .}}
//	              {{define "title"}}Todos{{end}}
//	              {{define "content"}}<ul>...</ul>{{end}}
//
// Use an embed.FS so that the built binary carries its templates, and
// os.DirFS with Dev in development. Set the fields before the first Render;
// a Templates is then safe for concurrent use.
type Templates struct {
	// FS holds the template files.
	FS fs.FS
	// Shared lists fs.Glob patterns of the files parsed with every page:
	// layouts and partials. A pattern that matches nothing is an error at
	// the first Render.
	Shared []string
	// Funcs are the functions every template can call.
	Funcs template.FuncMap
	// Dev makes every Render check the modification times of the page's
	// files and parse them again when one changed, so that edits show on
	// reload. It costs a stat per file per Render; leave it off in
	// production (an embed.FS never changes anyway).
	Dev bool

	mu    sync.RWMutex
	pages map[string]*page
}

// page is one parsed page and what it was parsed from.
type page struct {
	t     *template.Template
	files []string
	mod   time.Time // the newest modification time among files
}

// Render returns a response that executes the page name (a path in FS,
// like "index.html") with data and sends it as text/html. The page is
// executed into a buffer when the response is sent: if parsing or
// executing fails, the client gets a 500 and the error is logged, never
// half a page.
func (t *Templates) Render(name string, data any) Response {
	return Response{kind: kindTemplate, tmpl: t, name: name, value: data, ctype: "text/html; charset=utf-8"}
}

// Execute executes the page name with data into w, parsing it first if
// needed. Errors are those of parsing (a missing file, a syntax error) and
// of html/template's execution; w may have received part of the output.
func (t *Templates) Execute(w io.Writer, name string, data any) error {
	p, err := t.page(name)
	if err != nil {
		return err
	}
	return p.t.ExecuteTemplate(w, path.Base(name), data)
}

// execute is Execute for Response sending.
func (t *Templates) execute(w io.Writer, name string, data any) error {
	if t == nil {
		return fmt.Errorf("framework: Render on a nil *Templates")
	}
	return t.Execute(w, name, data)
}

// page returns the parsed page name, parsing it on first use (and again
// in Dev mode when its files changed).
func (t *Templates) page(name string) (*page, error) {
	t.mu.RLock()
	p := t.pages[name]
	t.mu.RUnlock()
	if p != nil && !(t.Dev && t.changed(p)) {
		return p, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if q := t.pages[name]; q != nil && q != p {
		return q, nil // another goroutine parsed it meanwhile
	}
	p, err := t.parse(name)
	if err != nil {
		return nil, err
	}
	if t.pages == nil {
		t.pages = make(map[string]*page)
	}
	t.pages[name] = p
	return p, nil
}

// parse reads the shared files and the page, in that order. Its errors do
// not wrap fs errors on purpose: a missing template is a server fault
// (500), not a missing page (404).
func (t *Templates) parse(name string) (*page, error) {
	if t.FS == nil {
		return nil, fmt.Errorf("framework: Templates without an FS")
	}
	var files []string
	for _, pat := range t.Shared {
		m, err := fs.Glob(t.FS, pat)
		if err != nil {
			return nil, fmt.Errorf("framework: template pattern %q: %v", pat, err)
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("framework: template pattern %q matches no file", pat)
		}
		files = append(files, m...)
	}
	files = slices.DeleteFunc(files, func(f string) bool { return f == name })
	files = append(files, name)
	// The root is unnamed: every file, the page included, is a template
	// associated with it under its base name.
	tt := template.New("").Funcs(t.Funcs)
	p := &page{files: files}
	for _, f := range files {
		b, err := fs.ReadFile(t.FS, f)
		if err != nil {
			return nil, fmt.Errorf("framework: template %s: %v", name, err)
		}
		if _, err := tt.New(path.Base(f)).Parse(string(b)); err != nil {
			return nil, fmt.Errorf("framework: template %s: %v", name, err)
		}
		if t.Dev {
			if st, err := fs.Stat(t.FS, f); err == nil && st.ModTime().After(p.mod) {
				p.mod = st.ModTime()
			}
		}
	}
	p.t = tt
	return p, nil
}

// changed reports whether a file of p was modified since p was parsed.
func (t *Templates) changed(p *page) bool {
	for _, f := range p.files {
		st, err := fs.Stat(t.FS, f)
		if err != nil || st.ModTime().After(p.mod) {
			return true
		}
	}
	return false
}
