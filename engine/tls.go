package engine

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/puzpuzpuz/xsync/v3"
	"golang.org/x/net/http2"

	"github.com/microframe/microframe/conn"
)

// HTTPS and HTTP/2. A TLS connection is handed to a pool worker like any
// other; the worker completes the handshake (within HeadTimeout) and looks
// at the protocol ALPN chose. "h2" goes to golang.org/x/net/http2's
// Server.ServeConn with the handler's net/http form; anything else
// (http/1.1, or no ALPN) stays on the engine's own HTTP/1.1 actor.

// h2state is the server's HTTP/2 side, built by start when the handler has
// a net/http form.
type h2state struct {
	srv   *http2.Server
	base  *http.Server // carries the handler and the settings; never serves a listener itself
	h     http.Handler
	conns *xsync.MapOf[net.Conn, struct{}] // HTTP/2 connections being served, for forced shutdown
}

// httpHandlerOf returns the net/http form of h: the handler Adapt wrapped,
// or h itself when it is also an http.Handler (a framework App); nil for a
// native-only handler, which cannot serve HTTP/2.
func httpHandlerOf(h conn.Handler) http.Handler {
	switch v := h.(type) {
	case *httpAdapter:
		return v.h
	case http.Handler:
		return v
	}
	return nil
}

// initH2 prepares HTTP/2 serving; called by start.
func (s *Server) initH2() error {
	hh := httpHandlerOf(s.Handler)
	if hh == nil {
		return nil
	}
	log := s.Logger
	if log == nil {
		log = slog.Default()
	}
	st := &h2state{
		srv: &http2.Server{IdleTimeout: s.cfg.IdleTimeout},
		base: &http.Server{
			Handler:           hh,
			ReadHeaderTimeout: s.cfg.HeadTimeout,
			IdleTimeout:       s.cfg.IdleTimeout,
			MaxHeaderBytes:    s.cfg.Limits.MaxHeaderBytes,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelInfo),
		},
		h:     hh,
		conns: xsync.NewMapOf[net.Conn, struct{}](),
	}
	if err := http2.ConfigureServer(st.base, st.srv); err != nil {
		return fmt.Errorf("engine: configuring HTTP/2: %w", err)
	}
	s.h2 = st
	return nil
}

// tlsConfig returns the configuration ServeTLS listens with: a clone of
// TLSConfig with the certificate files loaded and ALPN offering h2 (when
// the handler can serve it) and http/1.1.
func (s *Server) tlsConfig(certFile, keyFile string) (*tls.Config, error) {
	var cfg *tls.Config
	if s.TLSConfig != nil {
		cfg = s.TLSConfig.Clone()
	} else {
		cfg = new(tls.Config)
	}
	if certFile != "" || keyFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("engine: loading certificate: %w", err)
		}
		cfg.Certificates = append(cfg.Certificates, cert)
	}
	if len(cfg.Certificates) == 0 && cfg.GetCertificate == nil && cfg.GetConfigForClient == nil {
		return nil, errors.New("engine: ServeTLS needs a certificate: certFile and keyFile, or Server.TLSConfig")
	}
	if len(cfg.NextProtos) == 0 {
		if httpHandlerOf(s.Handler) != nil {
			cfg.NextProtos = []string{http2.NextProtoTLS, "http/1.1"}
		} else {
			cfg.NextProtos = []string{"http/1.1"}
		}
	}
	return cfg, nil
}

// ServeTLS accepts TLS connections on l and serves them like Serve:
// HTTP/2 when the client's ALPN chooses "h2" (through
// golang.org/x/net/http2, with the handler's net/http form: an Adapt'ed
// handler or a framework App; a native-only handler offers http/1.1
// alone), HTTP/1.1 on the engine otherwise. certFile and keyFile name a
// PEM certificate (chain) and its key; they may be empty when TLSConfig
// has Certificates or GetCertificate. TLSConfig.NextProtos, when set,
// replaces the default ALPN list ["h2", "http/1.1"]. ServeTLS returns what
// Serve returns, or an error for a certificate it cannot load.
func (s *Server) ServeTLS(l net.Listener, certFile, keyFile string) error {
	cfg, err := s.tlsConfig(certFile, keyFile)
	if err != nil {
		l.Close()
		return err
	}
	return s.Serve(tls.NewListener(l, cfg))
}

// ListenAndServeTLS listens on s.Addr (":https" when empty) and calls
// ServeTLS.
func (s *Server) ListenAndServeTLS(certFile, keyFile string) error {
	addr := s.Addr
	if addr == "" {
		addr = ":https"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.ServeTLS(l, certFile, keyFile)
}

// serveTLS completes the handshake of a TLS connection and serves it if
// it negotiated HTTP/2, reporting whether it did (or whether the
// connection is gone); false means: serve HTTP/1.1 on it.
func (s *Server) serveTLS(tc *tls.Conn) (done bool) {
	ctx, cancel := context.WithTimeout(s.baseCtx, s.cfg.HeadTimeout)
	err := tc.HandshakeContext(ctx)
	cancel()
	if err != nil {
		s.cfg.Logger.Info("engine: TLS handshake", "remote", tc.RemoteAddr().String(), "err", err)
		tc.Close()
		return true
	}
	if tc.ConnectionState().NegotiatedProtocol != http2.NextProtoTLS || s.h2 == nil {
		return false
	}
	st := s.h2
	st.conns.Store(tc, struct{}{})
	defer st.conns.Delete(tc)
	if s.draining.Load() {
		tc.Close()
		return true
	}
	tc.SetDeadline(time.Time{})
	st.srv.ServeConn(tc, &http2.ServeConnOpts{Context: s.baseCtx, BaseConfig: st.base, Handler: st.h})
	tc.Close()
	return true
}

// shutdownH2 asks every HTTP/2 connection to finish its streams and go
// away (GOAWAY); Shutdown then waits for them like for any connection.
func (s *Server) shutdownH2() {
	if s.h2 == nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the base server tracks no connection of its own: only run its shutdown hooks
	s.h2.base.Shutdown(ctx)
}

// closeH2 closes every HTTP/2 connection at once (forced shutdown).
func (s *Server) closeH2() {
	if s.h2 == nil {
		return
	}
	s.h2.conns.Range(func(c net.Conn, _ struct{}) bool {
		c.Close()
		return true
	})
}
