// Command hello is microframe's benchmark server: the TechEmpower-style
// endpoints served by the engine's native handler, by a net/http Handler
// through the engine's adapter, by the same net/http Handler on the
// standard library's server, or by the framework's router on the engine, so
// that each layer can be measured alone.
//
//	hello -addr 127.0.0.1:8080 -handler native|nethttp|stdlib|framework [-tls [-cert FILE -key FILE]]
//
// Endpoints: GET /plaintext ("Hello, World!"), GET /json
// ({"message":"Hello, World!"}), POST /echo (the request body, decoded
// from its framing, as text/plain); and, outside the benchmarks, GET /ws
// (a WebSocket echo of text and binary messages up to 1 MiB), GET
// /wait?ms=N (waits N ms or until the request's context ends) and GET
// /stats (the engine's Stats as JSON, plus "waitCanceled": the /wait
// requests whose context ended first).
//
// -tls serves HTTPS (HTTP/2 and HTTP/1.1 by ALPN; the native handler
// offers HTTP/1.1 only) with a self-signed certificate made at start for
// 127.0.0.1 and localhost, or with -cert and -key. SIGINT or SIGTERM shuts
// it down gracefully: in-flight requests finish, then it exits.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/microframe/microframe/cmd/internal/pprofserver"
	"github.com/microframe/microframe/engine"
	"github.com/microframe/microframe/internal/selfsigned"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	handler := flag.String("handler", "native", "native (engine native handler), nethttp (http.Handler through the engine's adapter), stdlib (http.Handler on net/http.Server) or framework (the framework's router on the engine)")
	pprofAddr := flag.String("pprof", "", "serve net/http/pprof on this address (e.g. 127.0.0.1:6060); empty: off")
	debug := flag.Bool("debug", false, "log every request")
	grace := flag.Duration("grace", 10*time.Second, "how long shutdown waits for in-flight requests")
	useTLS := flag.Bool("tls", false, "serve HTTPS (h2 and http/1.1); a self-signed certificate for 127.0.0.1 and localhost unless -cert and -key")
	certFile := flag.String("cert", "", "with -tls: PEM certificate file")
	keyFile := flag.String("key", "", "with -tls: PEM key file")
	flag.Parse()

	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	opts := options{addr: *addr, handler: *handler, pprofAddr: *pprofAddr, grace: *grace,
		tls: *useTLS, certFile: *certFile, keyFile: *keyFile}
	if err := run(opts, log); err != nil {
		log.Error("hello", "err", err)
		os.Exit(1)
	}
}

// server is what run needs of engine.Server and http.Server alike.
type server interface {
	Serve(net.Listener) error
	Shutdown(context.Context) error
}

// options are the command-line settings.
type options struct {
	addr, handler, pprofAddr string
	grace                    time.Duration
	tls                      bool
	certFile, keyFile        string
}

// newServer returns the server for handler, and its TLS setting.
func newServer(handler string, log *slog.Logger) (server, *extras, error) {
	e := new(extras)
	var srv server
	switch handler {
	case "native":
		srv = &engine.Server{Handler: e.native(), Logger: log}
	case "nethttp":
		srv = &engine.Server{Handler: engine.Adapt(newMux(e)), Logger: log}
	case "stdlib":
		srv = &http.Server{Handler: newMux(e), ReadHeaderTimeout: 10 * time.Second}
	case "framework":
		srv = &engine.Server{Handler: newFrameworkApp(e), Logger: log}
	default:
		return nil, nil, fmt.Errorf("unknown -handler %q (want native, nethttp, stdlib or framework)", handler)
	}
	switch s := srv.(type) {
	case *engine.Server:
		e.stats = s.Stats
		s.RegisterOnShutdown(e.closeSockets)
	case *http.Server:
		s.RegisterOnShutdown(e.closeSockets)
	}
	return srv, e, nil
}

// serveTLS serves srv over TLS on l: with the files, or with a
// self-signed certificate when both are empty.
func serveTLS(srv server, l net.Listener, certFile, keyFile string) error {
	if (certFile == "") != (keyFile == "") {
		l.Close()
		return errors.New("-cert and -key go together")
	}
	cfg := &tls.Config{}
	if certFile == "" {
		cert, _, err := selfsigned.New("127.0.0.1", "localhost")
		if err != nil {
			l.Close()
			return err
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	switch s := srv.(type) {
	case *engine.Server:
		s.TLSConfig = cfg
		return s.ServeTLS(l, certFile, keyFile)
	case *http.Server:
		s.TLSConfig = cfg
		return s.ServeTLS(l, certFile, keyFile)
	}
	return fmt.Errorf("no TLS for %T", srv)
}

func run(o options, log *slog.Logger) error {
	srv, _, err := newServer(o.handler, log)
	if err != nil {
		return err
	}
	addr, handler, pprofAddr, grace := o.addr, o.handler, o.pprofAddr, o.grace
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if pprofAddr != "" {
		stop, err := pprofserver.Start(pprofAddr)
		if err != nil {
			l.Close()
			return err
		}
		defer stop()
		log.Info("pprof listening", "addr", pprofAddr)
	}
	log.Info("hello listening", "addr", l.Addr().String(), "handler", handler, "tls", o.tls)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() {
		if o.tls {
			errc <- serveTLS(srv, l, o.certFile, o.keyFile)
		} else {
			errc <- srv.Serve(l)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", grace)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, engine.ErrServerClosed) && !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	return err
}
