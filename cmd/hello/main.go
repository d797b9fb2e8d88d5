// Command hello is microframe's benchmark server: the TechEmpower-style
// endpoints served by the engine's native handler, by a net/http Handler
// through the engine's adapter, by the same net/http Handler on the
// standard library's server, or by the framework's router on the engine, so
// that each layer can be measured alone.
//
//	hello -addr 127.0.0.1:8080 -handler native|nethttp|stdlib|framework
//
// Endpoints: GET /plaintext ("Hello, World!"), GET /json
// ({"message":"Hello, World!"}), POST /echo (the request body, decoded
// from its framing, as text/plain). SIGINT or SIGTERM shuts it down
// gracefully: in-flight requests finish, then it exits.
package main

import (
	"context"
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

	"github.com/microframe/microframe/engine"
	"github.com/microframe/microframe/engine/pprofserver"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	handler := flag.String("handler", "native", "native (engine native handler), nethttp (http.Handler through the engine's adapter), stdlib (http.Handler on net/http.Server) or framework (the framework's router on the engine)")
	pprofAddr := flag.String("pprof", "", "serve net/http/pprof on this address (e.g. 127.0.0.1:6060); empty: off")
	debug := flag.Bool("debug", false, "log every request")
	grace := flag.Duration("grace", 10*time.Second, "how long shutdown waits for in-flight requests")
	flag.Parse()

	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if err := run(*addr, *handler, *pprofAddr, *grace, log); err != nil {
		log.Error("hello", "err", err)
		os.Exit(1)
	}
}

// server is what run needs of engine.Server and http.Server alike.
type server interface {
	Serve(net.Listener) error
	Shutdown(context.Context) error
}

func run(addr, handler, pprofAddr string, grace time.Duration, log *slog.Logger) error {
	var srv server
	switch handler {
	case "native":
		srv = &engine.Server{Handler: engine.HandlerFunc(serveNative), Logger: log}
	case "nethttp":
		srv = &engine.Server{Handler: engine.Adapt(newMux()), Logger: log}
	case "stdlib":
		srv = &http.Server{Handler: newMux(), ReadHeaderTimeout: 10 * time.Second}
	case "framework":
		srv = &engine.Server{Handler: newFrameworkApp(), Logger: log}
	default:
		return fmt.Errorf("unknown -handler %q (want native, nethttp, stdlib or framework)", handler)
	}
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
	log.Info("hello listening", "addr", l.Addr().String(), "handler", handler)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
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
