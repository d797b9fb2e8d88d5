// Package enginetest serves a handler on a real engine.Server at a
// loopback port, for tests: the engine's counterpart of net/http/httptest's
// Server. A test that serves its app with NewServer exercises the path
// production runs (the engine's parser, connection actors, parking and
// net/http bridge), where httptest.NewServer exercises net/http's server
// and can hide a difference between the two.
//
//	srv := enginetest.NewServer(app) // app: a conn.Handler, e.g. a *framework.App
//	defer srv.Close()
//	resp, err := srv.Client().Get(srv.URL + "/hello")
//
// A plain http.Handler is served through engine.Adapt(h), as a production
// engine.Server would serve it. ForEachServer runs one test against both
// the engine and net/http's server, for behaviour that must not depend on
// which one serves.
package enginetest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/microframe/microframe/conn"
	"github.com/microframe/microframe/engine"
	"github.com/microframe/microframe/internal/selfsigned"
)

// closeTimeout is how long Close lets requests in progress finish before
// it closes their connections.
const closeTimeout = 5 * time.Second

// Server is an engine.Server listening on a port of 127.0.0.1, with a
// client configured to reach it. Its exported fields may be changed between
// NewUnstartedServer and Start (or StartTLS), and not afterwards.
type Server struct {
	// URL is the server's base URL, "http://127.0.0.1:port" (https with
	// StartTLS), without a trailing slash. It is set by Start.
	URL string

	// Listener is where the server accepts connections.
	Listener net.Listener

	// Config is the engine server. NewUnstartedServer sets only its
	// Handler; limits, timeouts and Logger (by default slog.Default, as
	// for any engine.Server) may be set before Start.
	Config *engine.Server

	// TLS is the TLS configuration StartTLS serves with. Left nil, StartTLS
	// makes one with a self-signed certificate for 127.0.0.1, ::1,
	// localhost and example.com; set, its first certificate is the one
	// Client trusts.
	TLS *tls.Config

	// EnableHTTP2, set before StartTLS, offers HTTP/2 by ALPN (served, as
	// engine.Server.ServeTLS serves it, through golang.org/x/net/http2
	// with the handler's net/http form) and makes Client attempt it. By
	// default a TLS server offers HTTP/1.1 only, which the engine serves
	// itself. It has no effect on a server without TLS.
	EnableHTTP2 bool

	client      *http.Client
	certificate *x509.Certificate
	done        chan error // Serve's result; nil until started

	mu     sync.Mutex
	closed bool
}

// NewServer starts and returns a Server serving h over plain HTTP/1.1.
// The caller should call Close when finished, to shut it down. h is what
// engine.Server.Handler takes: a native conn.Handler, a *framework.App, or
// engine.Adapt of any http.Handler.
func NewServer(h conn.Handler) *Server {
	s := NewUnstartedServer(h)
	s.Start()
	return s
}

// NewTLSServer starts and returns a Server serving h over HTTPS, with a
// self-signed certificate that Client trusts. HTTP/1.1 is served by the
// engine itself; see EnableHTTP2 for HTTP/2. The caller should call Close
// when finished.
func NewTLSServer(h conn.Handler) *Server {
	s := NewUnstartedServer(h)
	s.StartTLS()
	return s
}

// NewUnstartedServer returns a Server listening on a free port of
// 127.0.0.1 that does not serve yet: change Config, TLS or EnableHTTP2,
// then call Start or StartTLS. The caller should call Close when
// finished, even if it never starts the server. It panics when no port
// can be listened on, as a test cannot go on without one.
func NewUnstartedServer(h conn.Handler) *Server {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("enginetest: failed to listen on a port: %v", err))
	}
	return &Server{Listener: l, Config: &engine.Server{Handler: h}}
}

// Start starts serving plain HTTP/1.1 on Listener and sets URL. It panics
// when the server was started already or has no handler.
func (s *Server) Start() {
	s.begin()
	s.URL = "http://" + s.Listener.Addr().String()
	s.client = &http.Client{Transport: &http.Transport{}}
	go func() { s.done <- s.Config.Serve(s.Listener) }()
}

// StartTLS starts serving HTTPS on Listener (see TLS and EnableHTTP2) and
// sets URL. It panics when the server was started already, has no
// handler, or no certificate can be made.
func (s *Server) StartTLS() {
	s.begin()
	if s.TLS == nil {
		s.TLS = new(tls.Config)
	}
	if len(s.TLS.Certificates) == 0 {
		cert, _, err := selfsigned.New("127.0.0.1", "::1", "localhost", "example.com")
		if err != nil {
			panic("enginetest: " + err.Error())
		}
		s.TLS.Certificates = []tls.Certificate{cert}
	}
	leaf, err := x509.ParseCertificate(s.TLS.Certificates[0].Certificate[0])
	if err != nil {
		panic("enginetest: the TLS certificate: " + err.Error())
	}
	s.certificate = leaf
	if !s.EnableHTTP2 && len(s.TLS.NextProtos) == 0 {
		s.TLS.NextProtos = []string{"http/1.1"}
	}
	s.Config.TLSConfig = s.TLS
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	s.client = &http.Client{Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: pool},
		ForceAttemptHTTP2: s.EnableHTTP2,
	}}
	s.URL = "https://" + s.Listener.Addr().String()
	go func() { s.done <- s.Config.ServeTLS(s.Listener, "", "") }()
}

// begin checks that s may start and marks it started.
func (s *Server) begin() {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.done != nil:
		panic("enginetest: server already started")
	case s.closed:
		panic("enginetest: server already closed")
	case s.Config.Handler == nil:
		panic("enginetest: Config.Handler is nil")
	}
	s.done = make(chan error, 1)
}

// Client returns an HTTP client for the server: for a TLS server it
// trusts the server's certificate. Close closes its idle connections. It
// is nil before the server starts.
func (s *Server) Client() *http.Client { return s.client }

// Certificate returns the certificate a TLS server presents, nil for a
// server without TLS.
func (s *Server) Certificate() *x509.Certificate { return s.certificate }

// Close shuts the server down and blocks until it has stopped: it stops
// accepting, lets requests in progress finish (for up to 5 seconds, after
// which their connections are closed and their contexts cancelled), and
// closes idle connections, then the idle connections of Client and of
// http.DefaultTransport. Once it returns, no goroutine of the server is
// left, so a test checked with goleak passes unless a handler of its own
// outlived its request. Later calls do nothing.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	started := s.done != nil
	s.mu.Unlock()
	if started {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		s.Config.Shutdown(ctx) // past the timeout it closes every connection itself
		cancel()
		<-s.done // Serve has returned: every accept loop is gone
	}
	s.Listener.Close() // never served, or Shutdown came before Serve took it
	if s.client != nil {
		s.client.CloseIdleConnections()
	}
	if t, ok := http.DefaultTransport.(interface{ CloseIdleConnections() }); ok {
		t.CloseIdleConnections()
	}
}
