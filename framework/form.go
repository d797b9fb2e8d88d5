package framework

import (
	"errors"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
)

// DefaultMaxMemory is the default App.MaxMemory: about how much memory one
// request body may hold; the rest goes to temporary files (see
// Request.Body and Request.ParseForm).
const DefaultMaxMemory = 1 << 20

// formState is the parsed form of one request.
type formState struct {
	done   bool
	err    error
	values url.Values
	mp     *multipart.Form // to remove its temporary files afterwards
}

func (f *formState) reset() {
	if f.mp != nil {
		_ = f.mp.RemoveAll()
	}
	*f = formState{}
}

// ParseForm reads and parses the body as a form, once; later calls return
// the first result. It understands application/x-www-form-urlencoded and
// multipart/form-data (with file uploads); any other content type, or no
// body, is an empty form. Query parameters are not part of the form: see
// Query.
//
// A multipart body costs about App.MaxMemory of memory however large it
// is: file parts larger than half of MaxMemory are written to temporary
// files (see FormFile), and the replay buffer of Body keeps a quarter of
// MaxMemory in memory and the rest on disk. The temporary files are removed
// when the handler returns.
//
// The error, if any, says what was wrong and carries the status to answer
// with: 413 (ErrBodyTooLarge) for a body over App.MaxBodyBytes, 400 for a
// malformed body. Error(err) turns it into that response.
func (r *Request) ParseForm() error {
	f := &r.form
	if f.done {
		return f.err
	}
	f.done = true
	f.values = url.Values{}
	ct := r.ContentType()
	if ct == "" {
		return nil
	}
	mediaType, params, err := mime.ParseMediaType(ct)
	if err != nil {
		f.err = &HTTPError{Code: http.StatusBadRequest, Message: "malformed Content-Type: " + err.Error(), Err: err}
		return f.err
	}
	switch mediaType {
	case "application/x-www-form-urlencoded":
		b, err := r.BodyBytes()
		if err != nil {
			f.err = formError(err)
			return f.err
		}
		f.values, err = url.ParseQuery(string(b))
		if err != nil {
			f.err = &HTTPError{Code: http.StatusBadRequest, Message: "malformed form body: " + err.Error(), Err: err}
		}
	case "multipart/form-data":
		boundary := params["boundary"]
		if boundary == "" {
			f.err = &HTTPError{Code: http.StatusBadRequest, Message: "multipart/form-data without a boundary"}
			return f.err
		}
		// The multipart reader keeps file parts of up to half MaxMemory in
		// memory (its buffer may grow to twice that) while the replay
		// buffer keeps a quarter: the whole stays about MaxMemory.
		mem := r.app.maxMemory()
		r.body.mem = max(mem/4, 4096)
		mp, err := multipart.NewReader(r.Body(), boundary).ReadForm(max(mem/2, 1))
		if err != nil {
			f.err = formError(err)
			return f.err
		}
		f.mp = mp
		f.values = url.Values(mp.Value)
	}
	return f.err
}

// formError classifies an error met while reading a form body.
func formError(err error) error {
	var he *HTTPError
	if errors.As(err, &he) {
		return err // ErrBodyTooLarge, a framing error
	}
	if errors.Is(err, multipart.ErrMessageTooLarge) {
		return &HTTPError{Code: http.StatusRequestEntityTooLarge, Message: "multipart form too large", Err: err}
	}
	return &HTTPError{Code: http.StatusBadRequest, Message: "malformed form body: " + err.Error(), Err: err}
}

// Form returns the first value of the form field name, "" when absent or
// when the form could not be parsed (see ParseForm for the error).
func (r *Request) Form(name string) string {
	if vs := r.FormAll(name); len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// FormAll returns every value of the form field name, in order; nil when
// absent or when the form could not be parsed.
func (r *Request) FormAll(name string) []string {
	if r.ParseForm() != nil {
		return nil
	}
	return r.form.values[name]
}

// FormValues returns the whole parsed form, or nil with the error of
// ParseForm. It is shared by later calls: treat it as read-only.
func (r *Request) FormValues() (url.Values, error) {
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	return r.form.values, nil
}

// FormFile returns the first file uploaded under the multipart field name,
// or nil when there is none. Open it to read the contents; files larger than
// half of App.MaxMemory live in temporary files that are removed when the
// handler returns.
func (r *Request) FormFile(name string) *multipart.FileHeader {
	if fs := r.FormFiles(name); len(fs) > 0 {
		return fs[0]
	}
	return nil
}

// FormFiles returns every file uploaded under the multipart field name.
func (r *Request) FormFiles(name string) []*multipart.FileHeader {
	if r.ParseForm() != nil || r.form.mp == nil {
		return nil
	}
	return r.form.mp.File[name]
}
