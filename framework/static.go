package framework

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// Static files: a route like any other (middleware sees it, groups apply),
// whose Response is sent by net/http's ServeContent, which handles
// conditional requests (ETag, If-Modified-Since: 304), byte ranges (206),
// HEAD and the Content-Type from the file name.

// Static registers GET (and HEAD) prefix + "/{path...}" to serve the files
// of fsys: "/static/css/site.css" serves "css/site.css". prefix is a path
// such as "/static" (no trailing slash); "" serves from the root. A
// directory serves its index.html when it has one; a path that is not
// valid for fs.FS ("..", "//", a leading or trailing slash inside) or
// that names nothing is 404, so requests cannot climb out of fsys.
//
// Each file gets a strong ETag from a hash of its content, computed on
// first use and kept while the file's size and modification time stay the
// same, and a Last-Modified when fsys reports a modification time (an
// embed.FS does not). Static panics on a malformed prefix or a nil fsys.
func (a *App) Static(prefix string, fsys fs.FS) { a.static(nil, prefix, fsys) }

// Static registers the files of fsys under the group's prefix plus prefix,
// with the group's middleware; see App.Static.
func (g *Group) Static(prefix string, fsys fs.FS) { g.app.static(g, prefix, fsys) }

func (a *App) static(g *Group, prefix string, fsys fs.FS) {
	if fsys == nil {
		panic("framework: Static " + prefix + " with a nil fs.FS")
	}
	if prefix != "" && (prefix[0] != '/' || strings.HasSuffix(prefix, "/")) {
		panic(fmt.Sprintf("framework: Static prefix %q must start with '/' and not end with one", prefix))
	}
	s := &fileServer{fsys: fsys, etags: make(map[string]etagEntry)}
	a.add(g, &Route{Name: "framework.Static", Method: http.MethodGet, Pattern: prefix + "/{path...}", Handler: s.serve})
}

type fileServer struct {
	fsys  fs.FS
	mu    sync.Mutex
	etags map[string]etagEntry // by file name
}

type etagEntry struct {
	size  int64
	mod   time.Time
	value string
}

func (s *fileServer) serve(r *Request) Response {
	name := r.Param("path")
	if name == "" || strings.HasSuffix(name, "/") {
		name = path.Join(name, "index.html")
	}
	if !fs.ValidPath(name) || strings.Contains(name, "\\") {
		return Errorf(http.StatusNotFound, "no file %q", name)
	}
	f, err := s.fsys.Open(name)
	if err != nil {
		return Error(err)
	}
	st, err := f.Stat()
	if err == nil && st.IsDir() {
		f.Close()
		name = path.Join(name, "index.html")
		if f, err = s.fsys.Open(name); err != nil {
			return Error(err)
		}
		st, err = f.Stat()
	}
	if err != nil || !st.Mode().IsRegular() {
		f.Close()
		if err == nil {
			err = fs.ErrNotExist
		}
		return Error(err)
	}
	content, ok := f.(io.ReadSeeker)
	if !ok { // an fs.File need not seek; ServeContent must
		b, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			return Error(err)
		}
		content = bytes.NewReader(b)
	}
	etag, err := s.etag(name, st, content)
	if err != nil {
		closeContent(content)
		return Error(err)
	}
	return Content(name, st.ModTime(), content).WithHeader("ETag", etag)
}

// etag returns the ETag of the file name, hashing content (and seeking it
// back to the start) when the cached one is stale.
func (s *fileServer) etag(name string, st fs.FileInfo, content io.ReadSeeker) (string, error) {
	s.mu.Lock()
	e, ok := s.etags[name]
	s.mu.Unlock()
	if ok && e.size == st.Size() && e.mod.Equal(st.ModTime()) {
		return e.value, nil
	}
	h := sha256.New()
	if _, err := io.Copy(h, content); err != nil {
		return "", err
	}
	if _, err := content.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	e = etagEntry{size: st.Size(), mod: st.ModTime(), value: `"` + hex.EncodeToString(h.Sum(nil)[:16]) + `"`}
	s.mu.Lock()
	s.etags[name] = e
	s.mu.Unlock()
	return e.value, nil
}

// Content returns a 200 response whose body is content, sent by
// http.ServeContent: it answers conditional requests (If-None-Match
// against an ETag set with WithHeader, If-Modified-Since against modtime
// when not zero) with 304, Range requests with 206, HEAD without a body,
// and sets the Content-Type from name's extension (or by sniffing) unless
// the response has one. The status the Response reports (StatusCode) is
// 200 even when ServeContent then answers 304, 206 or 412. content is
// closed after sending when it is an io.Closer.
func Content(name string, modtime time.Time, content io.ReadSeeker) Response {
	return Response{kind: kindContent, name: name, value: modtime, content: content}
}

// sendContent sends a Content response through ServeContent.
func (r *Request) sendContent(resp Response) {
	defer closeContent(resp.content)
	w := r.t.responseWriter()
	for _, f := range resp.header { // in w's map, where ServeContent looks for the ETag
		if f.add {
			w.Header().Add(f.name, f.value)
		} else {
			w.Header().Set(f.name, f.value)
		}
	}
	if resp.ctype != "" {
		w.Header().Set("Content-Type", resp.ctype)
	}
	modtime, _ := resp.value.(time.Time)
	if r.measure { // for Send: the status ServeContent chose, and the bytes
		ow := &observedWriter{ResponseWriter: w}
		defer func() { r.sent.status, r.sent.bytes = ow.status, ow.n }()
		w = ow
	}
	http.ServeContent(w, r.HTTPRequest(), resp.name, modtime, resp.content)
	r.t.finish()
}

func closeContent(c io.ReadSeeker) {
	if cl, ok := c.(io.Closer); ok {
		cl.Close()
	}
}
