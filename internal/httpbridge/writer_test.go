package httpbridge

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/microframe/microframe/parse"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeCtx records what the writer does to a native response; it cannot
// hijack or set deadlines.
type fakeCtx struct {
	req     parse.Request
	status  int
	headers []string
	body    bytes.Buffer
	closed  bool
}

func (f *fakeCtx) Request() *parse.Request   { return &f.req }
func (f *fakeCtx) Body() io.Reader           { return strings.NewReader("") }
func (f *fakeCtx) RemoteAddr() net.Addr      { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }
func (f *fakeCtx) LocalAddr() net.Addr       { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2} }
func (f *fakeCtx) TLS() *tls.ConnectionState { return nil }
func (f *fakeCtx) Context() context.Context  { return context.Background() }
func (f *fakeCtx) SetStatus(code int)        { f.status = code }
func (f *fakeCtx) SetHeader(name, value string) {
	f.headers = append(f.headers, "set "+name+": "+value)
}
func (f *fakeCtx) AddHeader(name, value string)      { f.headers = append(f.headers, name+": "+value) }
func (f *fakeCtx) Write(p []byte) (int, error)       { return f.body.Write(p) }
func (f *fakeCtx) WriteString(s string) (int, error) { return f.body.WriteString(s) }
func (f *fakeCtx) Flush() error                      { return nil }
func (f *fakeCtx) SetClose()                         { f.closed = true }

func TestResponseWriter(t *testing.T) {
	t.Run("header copied at WriteHeader", func(t *testing.T) {
		f := new(fakeCtx)
		var w ResponseWriter
		w.Reset(f)
		w.Header().Set("X-A", "1")
		w.WriteHeader(201)
		w.Header().Set("X-B", "late")
		w.WriteHeader(500) // superfluous
		w.Write([]byte("<p>hi</p>"))
		w.Finish()
		if f.status != 201 || w.Status() != 201 || w.Written() != 9 {
			t.Fatalf("status %d/%d, written %d", f.status, w.Status(), w.Written())
		}
		if got := strings.Join(f.headers, "|"); got != "X-A: 1|set Content-Type: text/html; charset=utf-8" {
			t.Fatalf("headers %q", got)
		}
	})
	t.Run("no hijack without a Hijacker", func(t *testing.T) {
		var w ResponseWriter
		w.Reset(new(fakeCtx))
		if _, _, err := w.Hijack(); err != http.ErrNotSupported {
			t.Fatalf("Hijack: %v", err)
		}
		if err := w.SetReadDeadline(time.Time{}); err != http.ErrNotSupported {
			t.Fatalf("SetReadDeadline: %v", err)
		}
	})
	t.Run("101 never hijacked becomes 500", func(t *testing.T) {
		f := new(fakeCtx)
		var w ResponseWriter
		w.Reset(f)
		w.WriteHeader(http.StatusSwitchingProtocols)
		if _, err := w.Write([]byte("x")); err != http.ErrBodyNotAllowed {
			t.Fatalf("Write after 101: %v", err)
		}
		w.Finish()
		if f.status != 500 || !f.closed {
			t.Fatalf("status %d, closed %v", f.status, f.closed)
		}
	})
	t.Run("invalid code panics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Fatal("no panic")
			}
		}()
		var w ResponseWriter
		w.Reset(new(fakeCtx))
		w.WriteHeader(99)
	})
}
