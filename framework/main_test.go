package framework

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/microframe/microframe/engine/enginetest"
	"github.com/microframe/microframe/parse"
)

// IgnoreCurrent: package ants starts its default pool's goroutines at init.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m, goleak.IgnoreCurrent()) }

// result is what a client saw.
type result struct {
	status int
	header http.Header
	body   string
}

// transports run the same request through net/http (httptest) and through
// the microframe engine over a real socket, so every behaviour is checked
// on both paths.
func transports(t *testing.T, a *App, fn func(t *testing.T, do func(*http.Request) result)) {
	for _, tr := range []struct {
		name  string
		serve func(testing.TB, *App) string
	}{{"nethttp", serveNetHTTP}, {"engine", serveEngine}} {
		t.Run(tr.name, func(t *testing.T) {
			fn(t, client(t, tr.serve(t, a)))
		})
	}
}

// client returns a function that sends requests to the server at addr, with
// their targets exactly as written, and does not follow redirects.
func client(t testing.TB, addr string) func(*http.Request) result {
	c := &http.Client{
		Transport:     &http.Transport{},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	t.Cleanup(c.CloseIdleConnections)
	return func(req *http.Request) result {
		out := req.Clone(req.Context())
		out.URL = &url.URL{Scheme: "http", Host: addr, Opaque: req.URL.RequestURI()}
		if req.URL.Opaque != "" {
			out.URL.Opaque = req.URL.Opaque
		}
		out.RequestURI = ""
		if req.GetBody != nil {
			out.Body, _ = req.GetBody()
		}
		if req.Body == nil || req.Body == http.NoBody {
			out.ContentLength = 0
		}
		resp, err := c.Do(out)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return result{resp.StatusCode, resp.Header, string(b)}
	}
}

// serveNetHTTP serves a on a net/http.Server at a random 127.0.0.1 port
// until the test ends, and returns "127.0.0.1:port".
func serveNetHTTP(t testing.TB, a *App) string {
	s := httptest.NewServer(a)
	t.Cleanup(s.Close)
	return s.Listener.Addr().String()
}

// serveEngine serves a on the engine (enginetest) at a random 127.0.0.1
// port until the test ends, and returns "127.0.0.1:port". The engine's
// logs are discarded, as a's are.
func serveEngine(t testing.TB, a *App) string {
	s := enginetest.NewUnstartedServer(a)
	s.Config.Logger = slog.New(slog.DiscardHandler)
	s.Start()
	t.Cleanup(s.Close)
	return s.Listener.Addr().String()
}

func newReq(method, target string, body string, header ...string) *http.Request {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(body)), nil }
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	return req
}

func get(target string, header ...string) *http.Request {
	return newReq(http.MethodGet, target, "", header...)
}

// overHTTP returns a Request of a that reads hr and writes to w, as
// ServeHTTP sets one up, for tests that call its methods directly.
func overHTTP(a *App, hr *http.Request, w http.ResponseWriter) *Request {
	r := &Request{app: a}
	r.nethttp = httpTransport{hr: hr, w: w}
	r.base = &r.nethttp
	r.view = newView(r.base)
	return r
}

// quietApp returns an App whose logs are discarded.
func quietApp() *App {
	a := New()
	a.Logger = slog.New(slog.DiscardHandler)
	return a
}

// fakeCtx is a nativeCtx without a socket: a parsed request in, the
// response recorded. It lets allocation tests measure the framework alone.
type fakeCtx struct {
	req    parse.Request
	body   io.Reader
	status int
	out    bytes.Buffer
	closed bool
}

func (f *fakeCtx) Request() *parse.Request { return &f.req }
func (f *fakeCtx) Body() io.Reader {
	if f.body == nil {
		return strings.NewReader("")
	}
	return f.body
}
func (f *fakeCtx) RemoteAddr() net.Addr              { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4242} }
func (f *fakeCtx) LocalAddr() net.Addr               { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080} }
func (f *fakeCtx) TLS() *tls.ConnectionState         { return nil }
func (f *fakeCtx) Context() context.Context          { return context.Background() }
func (f *fakeCtx) SetStatus(code int)                { f.status = code }
func (f *fakeCtx) SetHeader(name, value string)      {}
func (f *fakeCtx) AddHeader(name, value string)      {}
func (f *fakeCtx) SetContentLength(int64)            {}
func (f *fakeCtx) Write(p []byte) (int, error)       { return f.out.Write(p) }
func (f *fakeCtx) WriteString(s string) (int, error) { return f.out.WriteString(s) }
func (f *fakeCtx) Flush() error                      { return nil }
func (f *fakeCtx) SetClose()                         { f.closed = true }
func (f *fakeCtx) reset()                            { f.status = 0; f.out.Reset() }
func (f *fakeCtx) set(method, target string) *fakeCtx {
	f.req.Method = []byte(method)
	f.req.Target = []byte(target)
	path, query, ok := strings.Cut(target, "?")
	f.req.Path = []byte(path)
	f.req.RawQuery = nil
	if ok {
		f.req.RawQuery = []byte(query)
	}
	f.req.ProtoMajor, f.req.ProtoMinor = 1, 1
	f.req.Host = []byte("example.com")
	f.req.KeepAlive = true
	return f
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

// catchPanic runs fn and returns the text of its panic, "" if none.
func catchPanic(fn func()) (msg string) {
	defer func() {
		if v := recover(); v != nil {
			msg = toString(v)
			if msg == "panic" {
				msg = "non-string panic"
			}
		}
	}()
	fn()
	return ""
}
