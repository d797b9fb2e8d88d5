package framework

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/microframe/microframe/framework/router"
	"github.com/microframe/microframe/ratelog"
)

// Handler answers one request: it reads what it needs from the Request and
// returns the Response to send. It is called on the connection's goroutine
// (or net/http's); the Request must not be used after it returns.
type Handler func(r *Request) Response

// Middleware wraps a Handler to run code before and after it, or instead of
// it: logging, recovery, authentication. The first Middleware given to
// App.Use is the outermost.
type Middleware func(next Handler) Handler

// Route is one entry of an App's handler map.
type Route struct {
	// Name names the handler: "Todo.Index" for a mounted method, the Go
	// function name for a Handle'd function.
	Name string
	// Method is the method the route answers, or "" for any method. A GET
	// route also answers HEAD.
	Method string
	// Pattern is the URL pattern as registered (see package router).
	Pattern string
	// Handler is the callable, with the route's binding applied and the
	// middleware of its Group and of With, but without the App's.
	Handler Handler

	group   *Group // the group it was registered on; nil for the App
	pattern string // as net/http's Request.Pattern: "GET /todo/{id}", or Pattern for any method
}

// App is a web application: a set of routes and the middleware around
// them. It is both an http.Handler (ServeHTTP) and a conn.Handler
// (ServeCtx), with the same behaviour on both.
//
// Set the exported fields and register routes and middleware before the
// first request; after that, the App is safe for concurrent use and must
// not be changed (Handle and Use panic once it has served).
type App struct {
	// Logger receives handler errors (5xx at Error, others at Debug) and
	// the output of the logging middleware. Nil means slog.Default().
	// Handler errors pass through ratelog.Limit: under a flood, an
	// identical error is logged at most once a second, with the count of
	// those dropped.
	Logger *slog.Logger
	// MaxBodyBytes bounds the request body a handler can read, forms
	// included; more is ErrBodyTooLarge (413). Zero means
	// DefaultMaxBodyBytes (10 MiB); negative means no bound beyond the
	// server's. On the native path the engine's own limit applies too.
	MaxBodyBytes int64
	// MaxMemory bounds the memory one request body holds, on the engine
	// and on net/http alike: past it, the bytes Body keeps for replay, and
	// the file parts of a multipart form, go to temporary files (removed
	// when the handler returns). BodyBytes is the exception: it returns
	// the whole body in memory. Zero means DefaultMaxMemory (1 MiB).
	MaxMemory int64
	// NotFound answers requests no route matches. Nil means a 404 with the
	// text body "no route found for METHOD /path".
	NotFound Handler
	// ErrorRenderer turns the errors of handlers (Error, Errorf, a failed
	// Bind) and of routing (404, 405) into the responses clients see,
	// unless the route's Group has its own. Nil means DefaultErrors: JSON
	// for clients that ask for it, text otherwise.
	ErrorRenderer ErrorRenderer
	// MaxJSONBytes bounds a JSON body that Bind decodes; a longer one is
	// answered 413. Zero means DefaultMaxJSONBytes (1 MiB); negative means
	// only MaxBodyBytes applies.
	MaxJSONBytes int64

	router  *router.Router[*Route]
	groups  []*Group // with a prefix, for the errors of unrouted requests
	routes  []*Route
	mws     []Middleware
	once    sync.Once
	handler Handler      // the middleware chain around dispatch, built once
	errLog  *slog.Logger // Logger, rate-limited (ratelog), for failed requests; set by build
	pool    sync.Pool
}

// New returns an empty App, ready for routes. The zero App works the
// same way.
func New() *App {
	a := &App{}
	a.init()
	return a
}

// init makes the zero App usable. Registration is single-threaded (before
// the first request), and serve runs it under once otherwise.
func (a *App) init() {
	if a.router == nil {
		a.router = router.New[*Route]()
	}
}

// Use appends middleware to the chain around every request, routed or not.
// The first one given is the outermost. Use panics after the App has
// served its first request.
func (a *App) Use(mw ...Middleware) {
	a.mustBeOpen("Use")
	a.mws = append(a.mws, mw...)
}

// Handle registers h for method and pattern. Method "" or "*" matches any
// method; a GET route also answers HEAD. Pattern follows package router:
// static segments, "{name}" parameters (Request.Param) and a trailing
// "{name...}" wildcard; a static segment beats a parameter at the same
// position.
//
// Handle panics, with a message starting "framework: ", on a malformed
// pattern or method, on a route that conflicts with an existing one (the
// message names both), on a nil h, and after the App has served.
//
// When h was made by Bind, Handle also panics if the parameter struct binds
// a path parameter that pattern does not have.
func (a *App) Handle(method, pattern string, h Handler) {
	a.register(nil, method, pattern, h)
}

// HandleHTTP registers an http.Handler, like Handle. It receives the
// original *http.Request under net/http and, on the native path, the one
// net/http would have built (see docs/nethttp.md), with an
// http.ResponseWriter that can Flush and Hijack; path parameters are
// available from r.PathValue. The middleware around it see a Response that
// records the status, headers and byte count the handler wrote.
func (a *App) HandleHTTP(method, pattern string, h http.Handler) {
	a.registerHTTP(nil, method, pattern, h)
}

// Get registers h for GET (and so HEAD) requests to pattern.
func (a *App) Get(pattern string, h Handler) { a.Handle(http.MethodGet, pattern, h) }

// Post registers h for POST requests to pattern.
func (a *App) Post(pattern string, h Handler) { a.Handle(http.MethodPost, pattern, h) }

// Put registers h for PUT requests to pattern.
func (a *App) Put(pattern string, h Handler) { a.Handle(http.MethodPut, pattern, h) }

// Patch registers h for PATCH requests to pattern.
func (a *App) Patch(pattern string, h Handler) { a.Handle(http.MethodPatch, pattern, h) }

// Delete registers h for DELETE requests to pattern.
func (a *App) Delete(pattern string, h Handler) { a.Handle(http.MethodDelete, pattern, h) }

// Options registers h for OPTIONS requests to pattern.
func (a *App) Options(pattern string, h Handler) { a.Handle(http.MethodOptions, pattern, h) }

func (a *App) handle(rt *Route) {
	a.mustBeOpen("Handle")
	a.init()
	if rt.Method == "*" {
		rt.Method = ""
	}
	rt.pattern = rt.Pattern
	if rt.Method != "" {
		rt.pattern = rt.Method + " " + rt.Pattern
	}
	func() {
		defer func() {
			if v := recover(); v != nil {
				panic("framework: " + strings.TrimPrefix(toString(v), "router: ") + " (registering " + rt.Name + ")")
			}
		}()
		a.router.Handle(rt.Method, rt.Pattern, rt)
	}()
	a.routes = append(a.routes, rt)
}

// Routes returns the handler map: every route, in dispatch order (see
// package router). The slice is new on each call.
func (a *App) Routes() []Route {
	a.init()
	byKey := make(map[string]*Route, len(a.routes))
	for _, rt := range a.routes {
		byKey[rt.Method+" "+rt.Pattern] = rt
	}
	var out []Route
	for _, r := range a.router.Routes() {
		if rt, ok := byKey[r.Method+" "+r.Pattern]; ok {
			out = append(out, *rt)
		}
	}
	return out
}

// serve runs the chain and sends its Response. The deferred put also runs
// when a handler panics past every middleware (the server then answers
// 500), so that a multipart form's temporary files are still removed.
func (a *App) serve(r *Request) {
	defer a.put(r)
	a.send(r, a.handler(r))
}

// build composes the middleware chain around dispatch, once.
func (a *App) build() {
	a.init()
	a.pool.New = func() any { return &Request{app: a} }
	h := a.dispatch
	for i := len(a.mws) - 1; i >= 0; i-- {
		h = a.mws[i](h)
	}
	a.handler = h
	a.errLog = ratelog.Limit(a.logger())
	for _, g := range a.groups {
		g.unrouted = a.unrouted
		for i := len(g.mws) - 1; i >= 0; i-- {
			g.unrouted = g.mws[i](g.unrouted)
		}
	}
}

// dispatch routes r to its handler.
func (a *App) dispatch(r *Request) Response {
	if !validEscapes(r.rawPath) {
		return Errorf(http.StatusBadRequest, "malformed percent-encoding in path")
	}
	rt, res, allow := a.router.Lookup(r.method, r.rawPath, &r.params)
	if res == router.Found {
		r.route = rt
		for _, hr := range r.httpReqs {
			hr.Pattern = rt.pattern
		}
		return rt.Handler(r)
	}
	if res == router.MethodNotAllowed {
		r.allow = allow
	}
	// Under a group's prefix, the group's middleware runs first: it may
	// answer (a CORS preflight), else the 404 or 405 is answered inside it.
	if g := a.groupFor(r.Path()); g != nil {
		return g.unrouted(r)
	}
	return a.unrouted(r)
}

// unrouted answers a request no route took: 405 with Allow when the path
// has routes for other methods, else NotFound's answer or 404.
func (a *App) unrouted(r *Request) Response {
	if r.allow != "" {
		return Errorf(http.StatusMethodNotAllowed, "method %s not allowed for %s (allowed: %s)", r.method, r.Path(), r.allow).
			WithHeader("Allow", r.allow)
	}
	if a.NotFound != nil {
		return a.NotFound(r)
	}
	return Errorf(http.StatusNotFound, "no route found for %s %s", r.method, r.Path())
}

func (a *App) get() *Request {
	return a.pool.Get().(*Request)
}

// put resets r and returns it to the pool. Field by field, keeping the
// storage of buffers and slices, rather than by assigning a new Request:
// that copies the whole struct twice, a fifth of the cost of a small
// request. Every field of Request is reset here (TestPutResets).
func (a *App) put(r *Request) {
	r.resetBodies()
	r.form.reset()
	r.params.Reset()
	r.native.reset()
	r.view = view{}
	r.base, r.nethttp = nil, httpTransport{}
	r.route, r.allow = nil, ""
	clear(r.httpReqs)
	r.httpReqs = r.httpReqs[:0]
	clear(r.logAttrs)
	r.logAttrs = r.logAttrs[:0]
	clear(r.preset)
	r.preset = r.preset[:0]
	r.measure, r.sent, r.counted = false, sent{}, countedStream{}
	r.probe, r.probed = false, nil
	a.pool.Put(r)
}

func (a *App) mustBeOpen(what string) {
	if a.handler != nil {
		panic("framework: App." + what + " after the App started serving")
	}
}

func (a *App) logger() *slog.Logger {
	if a.Logger != nil {
		return a.Logger
	}
	return slog.Default()
}

func (a *App) maxBody() int64 {
	switch {
	case a.MaxBodyBytes == 0:
		return DefaultMaxBodyBytes
	case a.MaxBodyBytes < 0:
		return 1<<63 - 2
	}
	return a.MaxBodyBytes
}

func (a *App) maxMemory() int64 {
	if a.MaxMemory <= 0 {
		return DefaultMaxMemory
	}
	return a.MaxMemory
}

// funcName returns the Go name of a function, shortened to "pkg.Name".
func funcName(f any) string {
	fn := runtime.FuncForPC(reflect.ValueOf(f).Pointer())
	if fn == nil {
		return "?"
	}
	name := fn.Name()
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	return strings.TrimSuffix(name, "-fm")
}

// typeName returns the Go type of v, as "pkg.Type".
func typeName(v any) string {
	return strings.TrimPrefix(reflect.TypeOf(v).String(), "*")
}

func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if e, ok := v.(error); ok {
		return e.Error()
	}
	return "panic"
}

// WriteRoutes writes the handler map to w as an aligned table with one
// line per route: method ("*" for any), pattern and handler name.
func (a *App) WriteRoutes(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "METHOD\tPATTERN\tHANDLER")
	for _, rt := range a.Routes() {
		m := rt.Method
		if m == "" {
			m = "*"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", m, rt.Pattern, rt.Name)
	}
	return tw.Flush()
}
