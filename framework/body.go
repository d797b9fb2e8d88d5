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
// App.MaxBodyBytes (or the engine's limit). Error turns it into 413.
var ErrBodyTooLarge = &HTTPError{Code: http.StatusRequestEntityTooLarge, Message: "request body too large"}

// body is the replay buffer of one request: buf, then file.
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

// Body returns a reader of the request body from its first byte. It may be
// called any number of times, by middleware and then the handler: bytes an
// earlier reader consumed are replayed. Reading past App.MaxBodyBytes fails
// with ErrBodyTooLarge; a request without a body reads as empty.
//
// What has been read is kept until the handler returns: the first
// App.MaxMemory bytes in memory, the rest in a temporary file, so the body
// costs at most MaxMemory of memory however large it is. A failure to
// create or write the temporary file fails the read (a 500).
func (r *Request) Body() io.Reader {
	return &bodyReader{r: r}
}

// BodyBytes reads the whole body and returns it. The slice belongs to the
// Request: it is valid until the handler returns and must not be modified.
// Later calls (and Body readers) see the same bytes.
//
// The whole body is then in memory, up to App.MaxBodyBytes, beyond the
// App.MaxMemory bound of Body: read large bodies with Body or ParseForm.
func (r *Request) BodyBytes() ([]byte, error) {
	b := &r.body
	for r.fill() == nil {
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

// bodyReader is one reader over the replay buffer.
type bodyReader struct {
	r   *Request
	off int64
}

// Read implements io.Reader.
func (br *bodyReader) Read(p []byte) (int, error) {
	b := &br.r.body
	for br.off >= b.size() {
		if err := br.r.fill(); err != nil {
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

// fill reads one more piece of the stream into the buffer, or into the
// temporary file once the buffer holds App.MaxMemory bytes. It returns the
// sticky error (io.EOF at the end) once the stream has none left.
func (r *Request) fill() error {
	b := &r.body
	if b.err != nil {
		return b.err
	}
	if !b.open {
		b.open = true
		b.src = r.bodySource()
		if b.src == nil {
			b.err = io.EOF
			return b.err
		}
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
		n, err = r.fillMemory(min(rest, mem-int64(len(b.buf))))
	} else {
		n, err = r.fillFile(rest)
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
func (r *Request) fillMemory(room int64) (int, error) {
	b := &r.body
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
func (r *Request) fillFile(room int64) (int, error) {
	b := &r.body
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

// bodySource returns the stream to read the body from, nil for none.
func (r *Request) bodySource() io.Reader {
	if r.hr != nil {
		if r.hr.Body == nil || r.hr.Body == http.NoBody {
			return nil
		}
		return r.hr.Body
	}
	if r.pr.Framing == parse.NoBody || r.pr.ContentLength == 0 {
		return nil
	}
	return r.nc.Body()
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
	case errors.Is(err, ErrBodyTooLarge), errors.As(err, &mbe), errors.Is(err, parse.ErrBodyTooLarge):
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
