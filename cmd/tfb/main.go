// Command tfb serves the TechEmpower Framework Benchmarks test types on
// microframe, starts the benchmark's PostgreSQL database, and verifies a
// running server against the benchmark's rules.
//
//	tfb [-addr HOST:PORT] [-db URL] [-handler framework|native] [-pool N] [-timeout D] [-pprof ADDR]
//	tfb db [-port P]
//	tfb verify [-db URL] [-date-gap D] [-server NAME] URL
//
// The server answers GET /plaintext, /json, /db, /queries?queries=N,
// /updates?queries=N and /fortunes as the benchmark asks (docs/tfb.md),
// with "Server: TFB" on every response, through the framework
// (-handler framework, what a user of microframe writes) or the engine's
// native handler (-handler native, the speed ceiling). It talks to
// PostgreSQL at -db (default $DATABASE_URL) through a pgx pool of -pool
// connections with prepared statements. A request whose database work
// fails or takes longer than -timeout is answered 503; the pool
// reconnects when the database is back. SIGINT or SIGTERM shuts it down
// gracefully.
//
// "tfb db" starts a throwaway PostgreSQL (internal/pgtest) holding the
// benchmark's tables, prints "DATABASE_URL=postgres://..." on one line of
// stdout, and runs until SIGINT or SIGTERM, when it stops the server and
// removes its files.
//
// "tfb verify URL" checks a running server (URL like
// http://127.0.0.1:8080) against every rule and prints each failure by
// name; it exits 1 if there is any. It wants "Server: TFB" exactly unless
// -server says otherwise (-server "" accepts any). With -db it also checks
// that /updates wrote the values it returned.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/microframe/microframe/cmd/internal/pprofserver"
	"github.com/microframe/microframe/cmd/tfb/internal/tfbdb"
	"github.com/microframe/microframe/cmd/tfb/internal/verify"
	"github.com/microframe/microframe/conn"
	"github.com/microframe/microframe/engine"
	"github.com/microframe/microframe/internal/pgtest"
)

func main() {
	args := os.Args[1:]
	var err error
	switch {
	case len(args) > 0 && args[0] == "db":
		err = runDB(args[1:], os.Stdout)
	case len(args) > 0 && args[0] == "verify":
		err = runVerify(args[1:], os.Stdout)
	default:
		err = runServer(args)
	}
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tfb:", err)
		os.Exit(1)
	}
}

// serverName is the Server header of every response, the same on every
// server of the comparison so that the bytes compare.
const serverName = "TFB"

// config is what the server needs.
type config struct {
	handler        string
	dbURL          string
	pool           int
	timeout        time.Duration
	connectTimeout time.Duration
}

// newServer returns the engine server for c (its Addr unset) and the
// database pool it uses; the caller closes the pool after the server has
// shut down.
func newServer(c config, log *slog.Logger) (*engine.Server, *DB, error) {
	if c.dbURL == "" {
		return nil, nil, errors.New("no database: give -db or set DATABASE_URL")
	}
	db, err := openDB(c.dbURL, c.pool, c.connectTimeout, c.timeout)
	if err != nil {
		return nil, nil, err
	}
	var h conn.Handler
	switch c.handler {
	case "framework":
		app := newFrameworkApp(db)
		app.Logger = log
		h = app
	case "native":
		page := template.Must(template.ParseFS(templateFS, "fortunes.html"))
		h = &native{db: db, page: page}
	default:
		db.Close()
		return nil, nil, fmt.Errorf("unknown -handler %q (want framework or native)", c.handler)
	}
	// Handlers wait on the database: allow a worker for every connection
	// a benchmark opens (wrk -c256) rather than queue them.
	return &engine.Server{Handler: h, Logger: log, ServerName: serverName, MaxWorkers: 1024}, db, nil
}

func runServer(args []string) error {
	fl := flag.NewFlagSet("tfb", flag.ContinueOnError)
	addr := fl.String("addr", "127.0.0.1:8080", "address to listen on")
	var c config
	fl.StringVar(&c.dbURL, "db", os.Getenv("DATABASE_URL"), "PostgreSQL URL (default $DATABASE_URL)")
	fl.StringVar(&c.handler, "handler", "framework", "framework (idiomatic framework code) or native (the engine's native handler)")
	fl.IntVar(&c.pool, "pool", 4*runtime.GOMAXPROCS(0), "database connections at most")
	fl.DurationVar(&c.timeout, "timeout", 2*time.Second, "bound on each request's database work; past it, 503")
	fl.DurationVar(&c.connectTimeout, "connect-timeout", time.Second, "bound on each database connection attempt")
	pprofAddr := fl.String("pprof", "", "serve net/http/pprof on this address (e.g. 127.0.0.1:6060); empty: off")
	grace := fl.Duration("grace", 10*time.Second, "how long shutdown waits for in-flight requests")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q (subcommands: db, verify)", fl.Args())
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	srv, db, err := newServer(c, log)
	if err != nil {
		return err
	}
	defer db.Close()
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	if *pprofAddr != "" {
		stop, err := pprofserver.Start(*pprofAddr)
		if err != nil {
			l.Close()
			return err
		}
		defer stop()
	}
	log.Info("tfb listening", "addr", l.Addr().String(), "handler", c.handler, "pool", c.pool)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", *grace)
	sctx, cancel := context.WithTimeout(context.Background(), *grace)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, engine.ErrServerClosed) {
		return serr
	}
	return err
}

// runDB is "tfb db": the database until a signal.
func runDB(args []string, stdout io.Writer) error {
	fl := flag.NewFlagSet("tfb db", flag.ContinueOnError)
	port := fl.Int("port", 0, "TCP port on 127.0.0.1 (0: a free one)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serveDB(ctx, *port, stdout)
}

// serveDB starts the database, writes its URL line to stdout, and stops
// it when ctx ends.
func serveDB(ctx context.Context, port int, stdout io.Writer) error {
	srv, url, err := tfbdb.Start(pgtest.Options{Port: port})
	if err != nil {
		return err
	}
	w := bufio.NewWriter(stdout)
	fmt.Fprintf(w, "DATABASE_URL=%s\n", url)
	if err := w.Flush(); err != nil {
		srv.Close()
		return err
	}
	<-ctx.Done()
	return srv.Close()
}

// runVerify is "tfb verify": the failures, one a line; an error if any.
func runVerify(args []string, stdout io.Writer) error {
	fl := flag.NewFlagSet("tfb verify", flag.ContinueOnError)
	dbURL := fl.String("db", "", "PostgreSQL URL of the server's database: also check that /updates persisted its values")
	gap := fl.Duration("date-gap", verify.DefaultDateGap, "time between the two requests whose Date headers must differ")
	server := fl.String("server", serverName, "the exact Server header every response must carry; empty: any")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() != 1 {
		return errors.New("usage: tfb verify [-db URL] [-date-gap D] [-server NAME] URL")
	}
	opts := verify.Options{DateGap: *gap, Server: *server}
	if *dbURL != "" {
		db, err := openDB(*dbURL, 2, 2*time.Second, 5*time.Second)
		if err != nil {
			return err
		}
		defer db.Close()
		opts.World = db.world
	}
	failures := verify.Run(fl.Arg(0), opts)
	for _, f := range failures {
		fmt.Fprintln(stdout, f)
	}
	if len(failures) > 0 {
		return fmt.Errorf("verify %s: %d failures", fl.Arg(0), len(failures))
	}
	fmt.Fprintf(stdout, "verify %s: every check passed\n", fl.Arg(0))
	return nil
}
