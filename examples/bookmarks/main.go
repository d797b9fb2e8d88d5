// Command bookmarks is a JSON API for bookmarks on PostgreSQL, written on
// microframe's framework the documented way, as a teaching example: pgx's
// connection pool, request ids, an access log (slog), panic recovery, a
// timeout per request, CORS for one origin and a per-IP rate limit on the
// API, OpenTelemetry traces and Prometheus metrics by route, JSON errors
// and a graceful shutdown. See README.md.
//
//	bookmarks [-addr 127.0.0.1:8080] [-db postgres://...] [-server engine|nethttp] [-origin URL]
//
// The routes:
//
//	GET    /bookmarks?tag=go&limit=20   list, oldest first
//	POST   /bookmarks                   create: {"url": ..., "title": ..., "tags": [...]}
//	GET    /bookmarks/{id}              one
//	PUT    /bookmarks/{id}              replace
//	DELETE /bookmarks/{id}              delete
//	GET    /healthz                     200 when the database answers, else 503
//	GET    /metrics                     Prometheus metrics
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/microframe/microframe/engine"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], slog.Default()); err != nil {
		fmt.Fprintln(os.Stderr, "bookmarks:", err)
		os.Exit(1)
	}
}

// server is what engine.Server and http.Server have in common.
type server interface {
	ListenAndServe() error
	Shutdown(ctx context.Context) error
}

// run serves until ctx is done, then shuts down gracefully.
func run(ctx context.Context, args []string, log *slog.Logger) error {
	fs := flag.NewFlagSet("bookmarks", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "`host:port` to listen on")
	dbURL := fs.String("db", os.Getenv("DATABASE_URL"), "PostgreSQL `URL` (default $DATABASE_URL)")
	which := fs.String("server", "engine", "the server: engine (microframe's) or nethttp (net/http's)")
	origin := fs.String("origin", "http://localhost:3000", "the `origin` CORS allows on /bookmarks")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dbURL == "" {
		return errors.New("no database: set -db or $DATABASE_URL")
	}

	db, err := pgxpool.New(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := (store{db}).migrate(ctx); err != nil {
		return fmt.Errorf("creating the schema: %w", err)
	}
	app := newApp(Config{DB: db, Logger: log, Origin: *origin})

	var srv server
	switch *which {
	case "engine":
		srv = &engine.Server{Addr: *addr, Handler: app, Logger: log}
	case "nethttp":
		srv = &http.Server{Addr: *addr, Handler: app, ReadHeaderTimeout: 10 * time.Second}
	default:
		return fmt.Errorf("-server %q: want engine or nethttp", *which)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("serving", "addr", *addr, "server", *which)

	select {
	case err := <-errc:
		return err // could not listen
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdown)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && !errors.Is(serr, engine.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}
