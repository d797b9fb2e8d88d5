package framework

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/microframe/microframe/parse"
)

// The body of a request arrives once, as a stream. Middleware that reads it
// (to log it, to check a signature) would leave nothing for the handler, so
// the Request keeps what has been read: every reader Body returns starts at
// the first byte, replays what earlier readers consumed, and then continues
// with the stream, keeping those bytes too. The first App.MaxMemory bytes
// are kept in memory, the rest in a temporary file (removed when the handler
// returns), so a large or slow upload holds at most MaxMemory of memory.

// DefaultMaxBodyBytes is the default App.MaxBodyBytes: 10 MiB.
const DefaultMaxBodyBytes = 10 << 20

// maxKeptBody bounds the buffer a pooled Request keeps for the next request;
// a larger one is dropped so that one big upload does not pin memory.
const maxKeptBody = 64 << 10

// spillChunk is the size of the reads that go to the temporary file.
const spillChunk = 32 << 10

// ErrBodyTooLarge is returned by body readers when the body is larger than
// App.MaxBodyBytes (or the engine's limit, or the limit of an
// http.MaxBytesReader that net/http middleware put around the body: then
// errors.As finds the *http.MaxBytesError too). Error turns it into 413.
var ErrBodyTooLarge = &HTTPError{Code: http.StatusRequestEntityTooLarge, Message: "request body too large"}

// A body that net/http middleware wraps or replaces (FromHTTP: otelhttp,
// http.MaxBytesReader, a logging reader) is read through the replacement,
// as on net/http. The replacement gets a replay buffer of its own, a layer
// above the one it reads from, so that the handlers after it can read it
// more than once too; the request's own body stays the bottom layer, read
// from the transport. Reads go down the layers and never back up.

// body is the replay buffer of one body stream: buf, then file.
type body struct {
	src     io.Reader // the stream; nil before the first read
	buf     []byte    // the first bytes read from src, at most App.MaxMemory
	file    *os.File  // the bytes read after buf, once there are any
	fileLen int64
	chunk   []byte // the read buffer of the spill
	all     []byte // BodyBytes' copy of a body that spilled
	mem     int64  // bytes buf may hold; 0 means App.MaxMemory
	err     error  // sticky: io.EOF once src is exhausted, or its failure
	open    bool   // src was set up
}

func (b *body) reset() {
	if b.file != nil {
		_ = b.file.Close()
		_ = os.Remove(b.file.Name())
	}
	if cap(b.buf) > maxKeptBody {
		b.buf = nil
	}
	*b = body{buf: b.buf[:0]}
}

// size returns the number of bytes read so far.
func (b *body) size() int64 { return int64(len(b.buf)) + b.fileLen }

// curBody returns the body the handlers now see: the replacement put in
// by the last net/http middleware that replaced it, else the request's own.
func (r *Request) curBody() *body {
	if r.view.body != nil {
		return r.view.body
	}
	return &r.body
}

// resetBodies empties every layer (removing their temporary files); the
// layers are kept in r.layers until then, whichever view reads them.
func (r *Request) resetBodies() {
	for _, b := range r.layers {
		b.reset()
	}
	clear(r.layers)
	r.layers = r.layers[:0]
	r.body.reset()
}

// replaceBody returns a new layer reading src, a body net/http middleware
// put in place of the one it was given; nil or http.NoBody reads as empty.
// The form, parsed from the old body, is parsed again from the new one.
func (r *Request) replaceBody(src io.Reader) *body {
	b := &body{open: true, src: src}
	if src == nil || src == http.NoBody {
		b.src, b.err = nil, io.EOF
	}
	r.layers = append(r.layers, b)
	r.form.reset()
	return b
}

// Body returns a reader of the request body from its first byte. It may be
// called any number of times, by middleware and then the handler: bytes an
// earlier reader consumed are replayed. After a net/http middleware
// (FromHTTP) replaced the *http.Request's Body, the reader reads the
// replacement, as a handler on net/http would; readers returned before
// keep reading the body they started on. Reading past App.MaxBodyBytes fails
// with ErrBodyTooLarge; a request without a body reads as empty.
//
// What has been read is kept until the handler returns: the first
// App.MaxMemory bytes in memory, the rest in a temporary file, so the body
// costs at most MaxMemory of memory however large it is. A failure to
// create or write the temporary file fails the read (a 500).
func (r *Request) Body() io.Reader {
	return &bodyReader{r: r, b: r.curBody()}
}

// BodyBytes reads the whole body and returns it. The slice belongs to the
// Request: it is valid until the handler returns and must not be modified.
// Later calls (and Body readers) see the same bytes.
//
// The whole body is then in memory, up to App.MaxBodyBytes, beyond the
// App.MaxMemory bound of Body: read large bodies with Body or ParseForm.
func (r *Request) BodyBytes() ([]byte, error) {
	b := r.curBody()
	for r.fill(b) == nil {
	}
	err := b.err
	if err == io.EOF {
		err = nil
	}
	if b.file == nil {
		return b.buf, err
	}
	if b.all == nil {
		all := make([]byte, b.size())
		copy(all, b.buf)
		if _, rerr := b.file.ReadAt(all[len(b.buf):], 0); rerr != nil {
			return nil, fmt.Errorf("framework: reading the spilled body back: %v", rerr)
		}
		b.all = all
	}
	return b.all, err
}

// bodyReader is one reader over a replay buffer.
type bodyReader struct {
	r   *Request
	b   *body // &r.body or one of r.layers
	off int64
}

// Read implements io.Reader.
func (br *bodyReader) Read(p []byte) (int, error) {
	b := br.b
	for br.off >= b.size() {
		if err := br.r.fill(b); err != nil {
			return 0, err
		}
	}
	if br.off < int64(len(b.buf)) {
		n := copy(p, b.buf[br.off:])
		br.off += int64(n)
		return n, nil
	}
	at := br.off - int64(len(b.buf))
	if rest := b.fileLen - at; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := b.file.ReadAt(p, at)
	br.off += int64(n)
	if err == io.EOF && n == len(p) {
		err = nil
	}
	return n, err
}

// Close does nothing; it lets a bodyReader serve as an http.Request body.
func (br *bodyReader) Close() error { return nil }

// fill reads one more piece of b's stream into its buffer, or into its
// temporary file once the buffer holds App.MaxMemory bytes. It returns the
// sticky error (io.EOF at the end) once the stream has none left. Every
// layer is bounded by App.MaxBodyBytes.
func (r *Request) fill(b *body) error {
	if b.err != nil {
		return b.err
	}
	if !b.open && r.openBody() == nil {
		return b.err
	}
	limit := r.app.maxBody()
	if b.size() > limit {
		b.err = ErrBodyTooLarge
		return b.err
	}
	// Read at most one byte past the limit: enough to know it was passed.
	rest := limit + 1 - b.size()
	var n int
	var err error
	mem := b.mem
	if mem <= 0 {
		mem = r.app.maxMemory()
	}
	if int64(len(b.buf)) < mem {
		n, err = b.fillMemory(min(rest, mem-int64(len(b.buf))))
	} else {
		n, err = b.fillFile(rest)
	}
	if b.size() > limit {
		if b.fileLen > 0 {
			b.fileLen = limit - int64(len(b.buf))
		} else {
			b.buf = b.buf[:limit]
		}
		err = ErrBodyTooLarge
	}
	if err != nil {
		b.err = bodyError(err)
	}
	if n > 0 || b.err == nil {
		return nil // deliver these bytes first; the error comes next time
	}
	return b.err
}

// fillMemory reads at most room bytes from the stream into the buffer.
func (b *body) fillMemory(room int64) (int, error) {
	if want := int64(len(b.buf)) + room; cap(b.buf)-len(b.buf) < 512 && int64(cap(b.buf)) < want {
		grown := make([]byte, len(b.buf), min(max(2*int64(cap(b.buf)), 4096), want))
		copy(grown, b.buf)
		b.buf = grown
	}
	dst := b.buf[len(b.buf):cap(b.buf)]
	if int64(len(dst)) > room {
		dst = dst[:room]
	}
	n, err := b.src.Read(dst)
	b.buf = b.buf[:len(b.buf)+n]
	return n, err
}

// fillFile reads at most room bytes from the stream and appends them to the
// temporary file, creating it on first use.
func (b *body) fillFile(room int64) (int, error) {
	if b.file == nil {
		f, err := os.CreateTemp("", "microframe-body-")
		if err != nil {
			return 0, fmt.Errorf("framework: spilling the request body: %v", err) // %v: not a 404 for a missing temp dir
		}
		b.file = f
		b.chunk = make([]byte, spillChunk)
	}
	dst := b.chunk
	if int64(len(dst)) > room {
		dst = dst[:room]
	}
	n, err := b.src.Read(dst)
	if n > 0 {
		if _, werr := b.file.WriteAt(dst[:n], b.fileLen); werr != nil {
			return 0, fmt.Errorf("framework: spilling the request body: %v", werr)
		}
		b.fileLen += int64(n)
	}
	return n, err
}

// openBody sets up the request's own body, the bottom layer, from the
// transport the request arrived on (never from a middleware's request,
// whose Body reads this layer), and returns its stream: nil for none, the
// body then reads as empty.
func (r *Request) openBody() io.Reader {
	b := &r.body
	if !b.open {
		b.open = true
		if b.src = r.base.body(); b.src == nil {
			b.err = io.EOF
		}
	}
	return b.src
}

// bodyError maps the errors of the two transports onto ours: a body over
// either limit is ErrBodyTooLarge; a framing error keeps its status; a body
// that stopped arriving (the body timeout) is 408 and one the client cut
// short is 400, so that neither is logged as a server failure.
func bodyError(err error) error {
	var mbe *http.MaxBytesError
	var pe *parse.Error
	switch {
	case err == io.EOF:
		return io.EOF
	case errors.As(err, &mbe):
		return &tooLarge{cause: mbe}
	case errors.Is(err, ErrBodyTooLarge), errors.Is(err, parse.ErrBodyTooLarge):
		return ErrBodyTooLarge
	case errors.As(err, &pe):
		return &HTTPError{Code: pe.Status, Message: pe.Reason, Err: err}
	case errors.Is(err, os.ErrDeadlineExceeded):
		return &HTTPError{Code: http.StatusRequestTimeout, Message: "request body timeout", Err: err}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &HTTPError{Code: http.StatusBadRequest, Message: "request body cut short", Err: err}
	}
	return err
}

// tooLarge is ErrBodyTooLarge caused by the limit of an
// http.MaxBytesReader: errors.Is finds ErrBodyTooLarge (and so the 413),
// errors.As the *http.MaxBytesError, as code written for net/http expects.
type tooLarge struct{ cause error }

func (e *tooLarge) Error() string   { return e.cause.Error() }
func (e *tooLarge) Unwrap() []error { return []error{ErrBodyTooLarge, e.cause} }
