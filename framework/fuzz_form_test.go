package framework

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/microframe/microframe/parse"
)

// FuzzForm decodes arbitrary bodies under arbitrary Content-Types with
// Request.ParseForm, as a handler would, and checks that:
//
//   - nothing panics, and a refused body is an *HTTPError with status 400
//     or 413 (a client's mistake, never a 500);
//   - the native path (a parsed head and a body stream) and the net/http
//     path (ServeHTTP) give the same result, byte for byte;
//   - a form ParseForm accepts is the form net/http's own Request.ParseForm
//     or ParseMultipartForm reads from the same bytes, files included;
//   - an uploaded file's name carries no directory, and every file opens
//     and holds the bytes its size says;
//   - no temporary file (uploads spilled to disk) outlives the request.
//
// The seed corpus (testdata/fuzz/FuzzForm) holds real forms as browsers and
// curl send them and malformed ones: bad escapes, missing or mismatched
// boundaries, truncated parts, bare LF, too many parts, oversized bodies.
func FuzzForm(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", []byte("task=buy+milk&tag=a&tag=b%26c"))
	f.Add("multipart/form-data; boundary=X", []byte("--X\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--X--\r\n"))
	// Uploads spill to files in a directory of this process's own, which
	// must be empty after every request.
	tmp := f.TempDir()
	f.Setenv("TMPDIR", tmp)
	app := fuzzFormApp()
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		if !validHeaderValue(contentType) || len(body) > 2*fuzzMaxBody {
			return // no parser lets such a header through; past the limit is all alike
		}
		native := serveFormNative(app, contentType, body)
		std := serveFormHTTP(app, contentType, body)
		if native != std {
			t.Fatalf("native and net/http paths disagree:\nnative:   %s\nnet/http: %s", native, std)
		}
		status, summary, _ := strings.Cut(native, " ")
		switch status {
		case "200":
			want, err := netHTTPForm(contentType, body)
			if err != nil {
				t.Fatalf("accepted %q, which net/http refuses: %v\nours: %s", contentType, err, summary)
			}
			if summary != want {
				t.Fatalf("form differs from net/http's:\nours:     %s\nnet/http: %s", summary, want)
			}
		case "400", "413":
		default:
			t.Fatalf("status %s for a client's body: %s", status, summary)
		}
		if left, _ := os.ReadDir(tmp); len(left) > 0 {
			t.Fatalf("%d temporary files left after the request, first %s", len(left), left[0].Name())
		}
	})
}

// Fuzz sizes: small enough that a fuzz input reaches them.
const (
	fuzzMaxBody   = 64 << 10
	fuzzMaxMemory = 1 << 10
)

// fuzzFormApp answers POST / with a canonical summary of the form (see
// formSummary), or the error of ParseForm.
func fuzzFormApp() *App {
	a := quietApp()
	a.MaxBodyBytes = fuzzMaxBody
	a.MaxMemory = fuzzMaxMemory
	a.Post("/", func(r *Request) Response {
		err := r.ParseForm()
		if err2 := r.ParseForm(); err2 != err {
			return Errorf(599, "ParseForm is not idempotent: %v then %v", err, err2)
		}
		if err != nil {
			var he *HTTPError
			if !errors.As(err, &he) {
				return Errorf(599, "ParseForm error is not an *HTTPError: %T %v", err, err)
			}
			return Error(err)
		}
		vals, err := r.FormValues()
		if err != nil {
			return Errorf(599, "FormValues after a successful ParseForm: %v", err)
		}
		var files map[string][]*multipart.FileHeader
		if r.form.mp != nil {
			files = r.form.mp.File
			for name := range files {
				if fs := r.FormFiles(name); len(fs) != len(files[name]) || r.FormFile(name) != fs[0] {
					return Errorf(599, "FormFiles(%q) disagrees with the parsed form", name)
				}
			}
		}
		for name, vs := range vals {
			if r.Form(name) != vs[0] || !slices.Equal(r.FormAll(name), vs) {
				return Errorf(599, "Form/FormAll(%q) disagree with FormValues", name)
			}
		}
		s, err := formSummary(vals, files)
		if err != nil {
			return Errorf(599, "%v", err)
		}
		return Text(s)
	})
	// Status 599 marks a broken invariant inside the handler: FuzzForm
	// fails on any status but 200, 400 and 413.
	return a
}

// formSummary writes values and files in a canonical order: sorted names,
// values in received order, each file as name, size and a hash of its
// contents (read back through Open).
func formSummary(vals url.Values, files map[string][]*multipart.FileHeader) (string, error) {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(vals)) {
		fmt.Fprintf(&b, "%q=%q ", k, vals[k])
	}
	for _, k := range slices.Sorted(maps.Keys(files)) {
		for _, fh := range files[k] {
			if fh.Filename != "" && filepath.Base(fh.Filename) != fh.Filename {
				return "", fmt.Errorf("uploaded file name %q carries a directory", fh.Filename)
			}
			rd, err := fh.Open()
			if err != nil {
				return "", fmt.Errorf("opening upload %q: %v", fh.Filename, err)
			}
			h := sha256.New()
			n, err := io.Copy(h, rd)
			rd.Close()
			if err != nil || n != fh.Size {
				return "", fmt.Errorf("upload %q: read %d bytes (%v), size says %d", fh.Filename, n, err, fh.Size)
			}
			fmt.Fprintf(&b, "file %q=%q:%d:%x ", k, fh.Filename, fh.Size, h.Sum(nil)[:8])
		}
	}
	return b.String(), nil
}

// serveFormNative sends the request through the native path and returns
// "status body".
func serveFormNative(a *App, contentType string, body []byte) string {
	fc := new(fakeCtx).set("POST", "/")
	if contentType != "" {
		fc.req.ContentType = []byte(contentType)
		fc.req.Headers = []parse.Header{{Name: []byte("Content-Type"), Value: fc.req.ContentType}}
	}
	fc.req.Framing, fc.req.ContentLength = parse.Length, int64(len(body))
	if len(body) == 0 {
		fc.req.Framing = parse.NoBody
	}
	fc.body = bytes.NewReader(body)
	a.serveNative(fc)
	status := fc.status
	if status == 0 {
		status = 200
	}
	return fmt.Sprintf("%d %s", status, fc.out.String())
}

// serveFormHTTP sends the request through ServeHTTP.
func serveFormHTTP(a *App, contentType string, body []byte) string {
	req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	a.ServeHTTP(w, req)
	return fmt.Sprintf("%d %s", w.Code, w.Body.String())
}

// netHTTPForm reads the form with net/http alone and summarizes it like
// formSummary. Its temporary files are removed before it returns.
func netHTTPForm(contentType string, body []byte) (string, error) {
	req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if mt, _, err := mime.ParseMediaType(contentType); err == nil && mt == "multipart/form-data" {
		err := req.ParseMultipartForm(fuzzMaxMemory)
		if req.MultipartForm != nil {
			defer req.MultipartForm.RemoveAll()
		}
		if err != nil {
			return "", err
		}
		return formSummary(url.Values(req.MultipartForm.Value), req.MultipartForm.File)
	}
	if err := req.ParseForm(); err != nil {
		return "", err
	}
	return formSummary(req.PostForm, nil)
}

// validHeaderValue reports whether v could arrive as a header value:
// no control bytes but HTAB, no DEL, no surrounding whitespace.
func validHeaderValue(v string) bool {
	if strings.TrimSpace(v) != v {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
