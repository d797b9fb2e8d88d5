package enginetest

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"

	"github.com/microframe/microframe/conn"
	"github.com/microframe/microframe/engine"
)

// get fetches url with c and returns the status and body.
func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// native answers with what only the engine's native path knows: the
// connection's TLS state through the Ctx, and the raw request target.
var native = conn.HandlerFunc(func(x *conn.Ctx) {
	fmt.Fprintf(x, "native %s tls=%v", x.Request().Target, x.TLS() != nil)
})

// stdlib reports the protocol and TLS state net/http's Request shows.
var stdlib = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "%s tls=%v %T", r.Proto, r.TLS != nil, w)
})

func TestServer(t *testing.T) {
	for _, tt := range []struct {
		name    string
		start   func() *Server
		scheme  string
		want    string
		wantPfx bool
	}{
		{name: "native", start: func() *Server { return NewServer(native) }, scheme: "http://",
			want: "native /x?y=1 tls=false"},
		{name: "native over TLS", start: func() *Server { return NewTLSServer(native) }, scheme: "https://",
			want: "native /x?y=1 tls=true"},
		// The bridge's ResponseWriter, not net/http's: served by the engine.
		{name: "adapted", start: func() *Server { return NewServer(engine.Adapt(stdlib)) }, scheme: "http://",
			want: "HTTP/1.1 tls=false *httpbridge.", wantPfx: true},
		{name: "adapted over TLS", start: func() *Server { return NewTLSServer(engine.Adapt(stdlib)) }, scheme: "https://",
			want: "HTTP/1.1 tls=true *httpbridge.", wantPfx: true},
		{name: "adapted over TLS, HTTP/2", scheme: "https://", want: "HTTP/2.0 tls=true", wantPfx: true,
			start: func() *Server {
				s := NewUnstartedServer(engine.Adapt(stdlib))
				s.EnableHTTP2 = true
				s.StartTLS()
				return s
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.start()
			defer s.Close()
			if !strings.HasPrefix(s.URL, tt.scheme+"127.0.0.1:") || strings.HasSuffix(s.URL, "/") {
				t.Errorf("URL %q", s.URL)
			}
			code, body := get(t, s.Client(), s.URL+"/x?y=1")
			if code != 200 || body != tt.want && !(tt.wantPfx && strings.HasPrefix(body, tt.want)) {
				t.Errorf("got %d %q, want 200 %q", code, body, tt.want)
			}
			if (tt.scheme == "https://") != (s.Certificate() != nil) {
				t.Errorf("Certificate() = %v", s.Certificate())
			}
		})
	}
}

func TestTLSCertificate(t *testing.T) {
	s := NewTLSServer(native)
	defer s.Close()
	cert := s.Certificate()
	if err := cert.VerifyHostname("127.0.0.1"); err != nil {
		t.Error(err)
	}
	if err := cert.VerifyHostname("example.com"); err != nil {
		t.Error(err)
	}
	// A client that does not trust it fails the handshake.
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{}}}
	defer c.CloseIdleConnections()
	if _, err := c.Get(s.URL); err == nil {
		t.Error("an untrusting client got through")
	}
	// localhost is in the certificate too.
	if code, _ := get(t, s.Client(), strings.Replace(s.URL, "127.0.0.1", "localhost", 1)); code != 200 {
		t.Errorf("https://localhost: %d", code)
	}
}

// Close stops every goroutine the server started, with a client's idle
// keep-alive connection open and after serving both paths; afterwards the
// port refuses connections.
func TestCloseLeavesNothing(t *testing.T) {
	for _, tt := range []struct {
		name  string
		start func(conn.Handler) *Server
	}{{"plain", NewServer}, {"tls", NewTLSServer}} {
		t.Run(tt.name, func(t *testing.T) {
			before := goleak.IgnoreCurrent()
			s := tt.start(native)
			for range 3 {
				if code, _ := get(t, s.Client(), s.URL+"/"); code != 200 {
					t.Fatal(code)
				}
			}
			s.Close()
			s.Close() // a second Close does nothing
			if err := goleak.Find(before); err != nil {
				t.Fatal(err)
			}
			if c, err := net.Dial("tcp", s.Listener.Addr().String()); err == nil {
				c.Close()
				t.Error("the port still accepts after Close")
			}
		})
	}
}

// Close lets a request in progress finish before it returns.
func TestCloseWaitsForRequests(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	var finished atomic.Bool
	s := NewServer(conn.HandlerFunc(func(x *conn.Ctx) {
		close(started)
		<-release
		x.WriteString("done")
		finished.Store(true)
	}))
	type result struct {
		code int
		body string
	}
	got := make(chan result, 1)
	go func() {
		resp, err := s.Client().Get(s.URL)
		if err != nil {
			got <- result{body: err.Error()}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got <- result{resp.StatusCode, string(b)}
	}()
	<-started
	closed := make(chan bool)
	go func() {
		s.Close()
		closed <- finished.Load()
	}()
	close(release)
	if r := <-got; r.code != 200 || r.body != "done" {
		t.Errorf("the request in progress got %d %q", r.code, r.body)
	}
	if !<-closed {
		t.Error("Close returned before the handler did")
	}
}

func TestMisuse(t *testing.T) {
	panics := func(name string, fn func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s did not panic", name)
			}
		}()
		fn()
	}
	s := NewServer(native)
	panics("Start after Start", s.Start)
	panics("StartTLS after Start", s.StartTLS)
	s.Close()
	u := NewUnstartedServer(nil)
	panics("Start without a handler", u.Start)
	u.Close() // closes the listener of a server that never served
	if _, err := u.Listener.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close of an unstarted server: %v", err)
	}
	c := NewUnstartedServer(native)
	c.Close()
	panics("Start after Close", c.Start)
	if c.Client() != nil {
		t.Error("Client before Start")
	}
}

// both is a handler with a native and a net/http form, saying which ran.
type both struct{}

func (both) ServeCtx(x *conn.Ctx)                             { x.WriteString("ServeCtx") }
func (both) ServeHTTP(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ServeHTTP") }

func TestForEachServer(t *testing.T) {
	for _, tt := range []struct {
		name string
		h    http.Handler
		want map[string]string // subtest → body prefix
	}{
		{"native and net/http forms", both{}, map[string]string{"engine": "ServeCtx", "nethttp": "ServeHTTP"}},
		{"http.Handler only", stdlib, map[string]string{
			"engine":  "HTTP/1.1 tls=false *httpbridge.", // through engine.Adapt
			"nethttp": "HTTP/1.1 tls=false *http.response",
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			seen := map[string]string{}
			made := 0
			ForEachServer(t, func() http.Handler { made++; return tt.h }, func(t *testing.T, url string, c *http.Client) {
				_, body := get(t, c, url+"/")
				seen[t.Name()[strings.LastIndexByte(t.Name(), '/')+1:]] = body
			})
			if len(seen) != len(tt.want) || made != 2 {
				t.Fatalf("subtests %q with %d handlers, want %q with one each", seen, made, tt.want)
			}
			for name, prefix := range tt.want {
				if !strings.HasPrefix(seen[name], prefix) {
					t.Errorf("%s: %q, want %q...", name, seen[name], prefix)
				}
			}
		})
	}
}
