// Command todo is microframe's demo app: a todo list with search and
// sessions, written as a Go type whose handler methods become routes.
//
//	todo [-addr 127.0.0.1:8080] [-server engine|nethttp]
//	     [-store memory|redis] [-redis-addr HOST:PORT[,HOST:PORT...]]
//	     [-redis-master NAME] [-instance NAME]
//	     [-templates DIR] [-debug] [-routes]
//	     [-secure-cookies] [-max-sessions N]
//
// Pages: GET / (the list, a delete button per item, and a form), POST
// /todo/create (form fields task and optional pos, then 303 back to /),
// POST /todo/{pos}/delete (then 303 back to /), GET /search?q=... (a
// repeated q matches any), /static/style.css (embedded). Sessions: GET
// /counter (a per-session counter), GET /login (the form) and POST /login
// (form field user), GET /whoami (401 when not logged in), POST /logout;
// these answer an HTML page to browsers and plain text to other clients.
// The JSON API is under /api/todos (see api.go). Responses of 1 KiB or
// more are gzipped for clients that accept it. Every flag is checked
// before the program listens.
//
// -server picks the microframe engine (the default) or net/http.Server;
// the app is the same. -store picks the session store: memory (the
// default) keeps sessions in this process; redis keeps them in the Redis
// at -redis-addr (several addresses: a Redis Cluster; with -redis-master,
// the Sentinels of that master), so that several instances behind a load
// balancer share them (see docs/deploy.md). With redis, the program checks at start that
// Redis answers, and a Redis failure later answers 503 to the requests that
// needed their session. -instance names this instance in an X-Instance
// header on every response, to see which instance served a request behind a
// load balancer. -templates
// reads the templates from a directory and re-reads them when they change,
// instead of using the copies built into the binary. -debug logs every
// request. -routes prints the handler map and exits. SIGINT or SIGTERM
// shuts the server down gracefully.
//
// Field safety (docs/security.md): every response carries a
// Content-Security-Policy, nosniff, a Referrer-Policy and frame denial;
// cross-site POSTs are refused with 403; names, tasks, the list and
// searches are bounded (400, or 409 for a full list). -secure-cookies adds
// Secure to the session cookie (use it behind a TLS-terminating proxy; over
// direct TLS it is added anyway). -max-sessions caps the memory store (by
// default 1,000,000); when it is full, the least recently used sessions of
// visitors who never logged in make room, those of logged-in users never,
// and anonymous sessions idle out after 10 minutes instead of 30.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/microframe/microframe/engine"
	"github.com/microframe/microframe/framework"
	"github.com/microframe/microframe/framework/middleware"
	"github.com/microframe/microframe/framework/session"
	"github.com/microframe/microframe/ratelog"
	"github.com/microframe/microframe/sessionstore"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "todo:", err)
		}
		os.Exit(2)
	}
}

// config is the parsed command line.
type config struct {
	addr, server, store, templates string
	instance                       string
	redis                          redisConfig
	debug, routes, secureCookies   bool
	seed, maxSessions              int
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fl := flag.NewFlagSet("todo", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.StringVar(&c.addr, "addr", "127.0.0.1:8080", "address to listen on")
	fl.StringVar(&c.server, "server", "engine", "engine (microframe's) or nethttp (net/http.Server)")
	fl.StringVar(&c.store, "store", "memory", "session store: memory or redis")
	addRedisFlags(fl, &c.redis)
	fl.StringVar(&c.instance, "instance", "", "name sent in an X-Instance header on every response (none if empty)")
	fl.StringVar(&c.templates, "templates", "", "read templates from this directory, re-reading on change (default: the built-in ones)")
	fl.IntVar(&c.seed, "seed", 0, "start with this many example todos (for demos and benchmarks)")
	fl.BoolVar(&c.debug, "debug", false, "log every request")
	fl.BoolVar(&c.routes, "routes", false, "print the handler map and exit")
	fl.BoolVar(&c.secureCookies, "secure-cookies", false, "mark the session cookie Secure (behind a TLS-terminating proxy)")
	fl.IntVar(&c.maxSessions, "max-sessions", 0, "most sessions the memory store holds (0: 1,000,000)")
	if err := fl.Parse(args); err != nil {
		return c, err
	}
	if fl.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fl.Args())
	}
	return c, c.validate()
}

// run is main without the process: it serves until ctx is done. When ready
// is not nil it receives the listening address once the server accepts.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- string) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if cfg.debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	store, closeStore, err := openSessionStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeStore()
	app, err := newApp(cfg, store, log)
	if err != nil {
		return err
	}
	if cfg.routes {
		return app.WriteRoutes(stdout)
	}

	srv, err := newServer(cfg.server, app, log)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	log.Info("listening", "addr", l.Addr().String(), "server", cfg.server, "store", cfg.store)
	if ready != nil {
		ready <- l.Addr().String()
	}

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-served; err != nil && !errors.Is(err, engine.ErrServerClosed) && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newApp wires the todo app, its middleware and its sessions.
func newApp(cfg config, store sessionstore.Store, log *slog.Logger) (*framework.App, error) {
	var pages fs.FS
	dev := cfg.templates != ""
	if dev {
		pages = os.DirFS(cfg.templates)
	} else {
		sub, err := fs.Sub(embedded, "templates")
		if err != nil {
			return nil, err
		}
		pages = sub
	}
	app := framework.New()
	app.Logger = log
	// The access log outermost (it sends the response, to log what was
	// sent), then the security headers, so that every answer carries them.
	if cfg.debug {
		app.Use(middleware.RequestID(), middleware.AccessLog(middleware.AccessLogOptions{}))
	}
	app.Use(middleware.SecurityHeaders(""), middleware.Recover(nil))
	if cfg.instance != "" {
		app.Use(instanceHeader(cfg.instance))
	}
	app.Use(middleware.Compress(middleware.CompressOptions{}))
	// Cross-site POSTs are refused before they reach a session.
	app.Use(middleware.CrossOrigin(nil), session.Middleware(newManager(cfg, store, log)))
	todos := newTodoApp(pages, dev)
	for i := 1; i <= cfg.seed; i++ {
		todos.list.add(fmt.Sprintf("example todo %d", i), nil)
	}
	app.ErrorRenderer = todos.errorPage
	app.Mount(todos)
	mountAPI(app, &todos.list)
	app.Static("/static", staticFS())
	return app, nil
}

// anonymousIdleTimeout ends the sessions of visitors who never logged in
// sooner than those of users, so that what a flood leaves behind goes.
const anonymousIdleTimeout = 10 * time.Minute

// newManager returns the session manager: the defaults of sessionstore,
// Secure cookies with -secure-cookies, and a shorter idle timeout for
// anonymous sessions.
func newManager(cfg config, store sessionstore.Store, log *slog.Logger) *sessionstore.Manager {
	m := sessionstore.NewManager(store)
	m.Cookie.Secure = cfg.secureCookies
	m.AnonymousIdleTimeout = anonymousIdleTimeout
	m.Logger = log
	return m
}

// openSessionStore opens the session store backend named by cfg.store.
// Adding a backend is one more case here.
func openSessionStore(ctx context.Context, cfg config) (store sessionstore.Store, closeStore func(), err error) {
	switch cfg.store {
	case "memory":
		m := sessionstore.NewMemoryStore(sessionstore.MemoryOptions{MaxSessions: cfg.maxSessions})
		return m, func() { m.Close() }, nil
	case "redis":
		return openRedis(ctx, cfg.redis)
	}
	return nil, nil, fmt.Errorf("unknown -store %q (want memory or redis)", cfg.store)
}

// instanceHeader returns middleware that names this instance in the
// X-Instance header of every response.
func instanceHeader(name string) framework.Middleware {
	return func(next framework.Handler) framework.Handler {
		return func(r *framework.Request) framework.Response {
			return next(r).WithHeader("X-Instance", name)
		}
	}
}

// server is what run needs of engine.Server and http.Server alike.
type server interface {
	Serve(net.Listener) error
	Shutdown(context.Context) error
}

// newServer returns the server named kind, serving app.
func newServer(kind string, app *framework.App, log *slog.Logger) (server, error) {
	switch kind {
	case "engine":
		return &engine.Server{Handler: app, Logger: log}, nil
	case "nethttp":
		return &http.Server{
			Handler:           app,
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       60 * time.Second,
			ErrorLog:          slog.NewLogLogger(ratelog.Limit(log).Handler(), slog.LevelWarn),
		}, nil
	}
	return nil, fmt.Errorf("unknown -server %q (want engine or nethttp)", kind)
}
