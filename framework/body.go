package framework

import (
	"errors"
	"io"
	"net/http"
	"os"

	"github.com/microframe/microframe/parse"
)

// The body of a request arrives once, as a stream. Middleware that reads it
// (to log it, to check a signature) would leave nothing for the handler, so
// the Request keeps what has been read: every reader Body returns starts at
// the first byte, replays what earlier readers consumed from memory, and
// then continues with the stream, keeping those bytes too.

// DefaultMaxBodyBytes is the default App.MaxBodyBytes: 10 MiB.
const DefaultMaxBodyBytes = 10 << 20

// maxKeptBody bounds the buffer a pooled Request keeps for the next request;
// a larger one is dropped so that one big upload does not pin memory.
const maxKeptBody = 64 << 10

// ErrBodyTooLarge is returned by body readers when the body is larger than
// App.MaxBodyBytes (or the engine's limit). Error turns it into 413.
var ErrBodyTooLarge = &HTTPError{Code: http.StatusRequestEntityTooLarge, Message: "request body too large"}

// body is the replay buffer of one request.
type body struct {
	src  io.Reader // the stream; nil before the first read
	buf  []byte    // every byte read from src so far
	err  error     // sticky: io.EOF once src is exhausted, or its failure
	open bool      // src was set up
}

func (b *body) reset() {
	if cap(b.buf) > maxKeptBody {
		b.buf = nil
	}
	*b = body{buf: b.buf[:0]}
}

// Body returns a reader of the request body from its first byte. It may be
// called any number of times, by middleware and then the handler: bytes an
// earlier reader consumed are replayed from memory. Reading past
// App.MaxBodyBytes fails with ErrBodyTooLarge; a request without a body
// reads as empty.
//
// Everything read is kept in memory until the handler returns, so a very
// large upload costs its size in memory: keep MaxBodyBytes in proportion.
func (r *Request) Body() io.Reader {
	return &bodyReader{r: r}
}

// BodyBytes reads the whole body and returns it. The slice belongs to the
// Request: it is valid until the handler returns and must not be modified.
// Later calls (and Body readers) see the same bytes.
func (r *Request) BodyBytes() ([]byte, error) {
	for r.fill() == nil {
	}
	if r.body.err != io.EOF {
		return r.body.buf, r.body.err
	}
	return r.body.buf, nil
}

// bodyReader is one reader over the replay buffer.
type bodyReader struct {
	r   *Request
	off int
}

// Read implements io.Reader.
func (br *bodyReader) Read(p []byte) (int, error) {
	b := &br.r.body
	for br.off >= len(b.buf) {
		if err := br.r.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, b.buf[br.off:])
	br.off += n
	return n, nil
}

// Close does nothing; it lets a bodyReader serve as an http.Request body.
func (br *bodyReader) Close() error { return nil }

// fill reads one more piece of the stream into the buffer. It returns the
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
	if int64(len(b.buf)) > limit {
		b.err = ErrBodyTooLarge
		return b.err
	}
	if cap(b.buf)-len(b.buf) < 512 {
		grown := make([]byte, len(b.buf), max(2*cap(b.buf), 4096))
		copy(grown, b.buf)
		b.buf = grown
	}
	// Read at most one byte past the limit: enough to know it was passed.
	room := b.buf[len(b.buf):cap(b.buf)]
	if rest := limit + 1 - int64(len(b.buf)); int64(len(room)) > rest {
		room = room[:rest]
	}
	n, err := b.src.Read(room)
	b.buf = b.buf[:len(b.buf)+n]
	if int64(len(b.buf)) > limit {
		b.buf = b.buf[:limit]
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
