package store

import (
	"context"
	"errors"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
)

// Main is the main function of a peer served by net/http (or a wrapper
// of it, like echo): it parses the command line (Flags), opens the
// database, and serves the server that build makes for it on the -addr
// address until SIGINT or SIGTERM, then shuts it down. build returns the
// call that serves (returning http.ErrServerClosed after shutdown) and the
// one that shuts down. Any other error ends the process.
func Main(build func(db *DB, addr string) (serve func() error, shutdown func(context.Context) error)) {
	cfg := Flags()
	db, err := Open(cfg.DB, cfg.Pool)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	serve, shutdown := build(db, cfg.Addr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown(context.Background())
	}()
	if err := serve(); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

// HTTPServer is build for Main when the peer is an http.Handler served by
// an http.Server.
func HTTPServer(h http.Handler, addr string) (serve func() error, shutdown func(context.Context) error) {
	srv := &http.Server{Addr: addr, Handler: h}
	return srv.ListenAndServe, srv.Shutdown
}
