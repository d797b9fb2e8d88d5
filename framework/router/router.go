// Package router maps an HTTP method and a URL path to a handler, and pulls
// the path parameters out on the way, without allocating.
//
// It is the routing layer of microframe, kept free of any HTTP machinery so
// it can be read, tested and benchmarked alone: a Router[H] stores values of
// any type H (an http.Handler, a conn.Handler, a plain func, an int in a
// test) and answers Lookup(method, path) with one of them.
//
// # Patterns
//
// A pattern is a path made of segments separated by '/'. Each segment is one
// of:
//
//	/users          static text, matched byte for byte
//	/{id}           a parameter: exactly one non-empty segment
//	/{path...}      a trailing wildcard: the rest of the path, possibly empty,
//	                possibly containing '/'; only as the last segment
//
// A parameter or wildcard fills its whole segment ("/a{id}" and "/{id}.json"
// are malformed). Names are Go identifiers and are unique within a pattern.
// A pattern starts with '/'; it may not contain spaces, control characters,
// '?', '#', non-ASCII bytes, or braces outside a parameter.
//
// Paths are matched as received, still percent-encoded: the static text of a
// pattern must be written in the form the client sends ("/caf%C3%A9"), a
// parameter value is handed back undecoded, and "%2F" inside a segment does
// not split it. The trailing slash matters: "/a" and "/a/" are different
// routes, and "/files/{path...}" matches "/files/" but not "/files". The
// router never redirects or cleans paths; that is the caller's policy.
//
// # Dispatch order
//
// Lookup calls the first route that matches, in this order. Walking the path
// segment by segment, at each position it tries
//
//  1. a static segment,
//  2. then a parameter,
//  3. then a trailing wildcard,
//
// and it backtracks: when the branch it chose fails further down, it returns
// to the last choice and tries the next kind. With the routes
//
//	GET /users/new
//	GET /users/{id}
//	GET /users/{id}/posts
//	GET /users/{rest...}
//
// the path /users/new calls "/users/new" (static wins, no registration
// conflict), /users/42 calls "/users/{id}", /users/new/posts calls
// "/users/{id}/posts" (the static "new" has no "/posts", so the parameter is
// tried), and /users/new/x calls "/users/{rest...}" with rest = "new/x".
//
// Put another way: of all the routes that match the path, compare the
// patterns segment by segment from the left; at the first segment where
// they differ in kind, static text beats a parameter and a parameter beats
// a wildcard. (A route that ends exactly where the path ends beats a
// wildcard matching the empty rest: "/files/" before "/files/{path...}".)
//
// The method takes part in the match. On one pattern, a route registered
// for exactly the request's method comes first, then, for HEAD, the GET
// route, then the any-method route. If the routes on the first matching
// pattern do not accept the method, the walk goes on to the next pattern in
// the order above: with "POST /users/new" and "GET /users/{id}", GET
// /users/new calls "/users/{id}". Only when no route accepts the method but
// some route matches the path is the result MethodNotAllowed, with the
// methods for the Allow header.
//
// Lookup time depends on the length of the path, not on the number of
// routes: the routes live in a radix tree, where static text shared by
// patterns is stored once and each node has at most one static edge per
// next byte, one parameter edge and one wildcard; a lookup visits each node
// at most once, however much it backtracks.
package router

import (
	"slices"
	"strconv"
	"strings"

	"github.com/microframe/microframe/internal/ascii"
)

// Result says what a lookup found.
type Result uint8

const (
	// Found means a route matched both the path and the method.
	Found Result = iota
	// NotFound means no route matches the path, whatever the method.
	NotFound
	// MethodNotAllowed means routes match the path, but none accepts the
	// method. Lookup then returns the accepted methods for the Allow header.
	MethodNotAllowed
)

// String returns "Found", "NotFound" or "MethodNotAllowed".
func (r Result) String() string {
	switch r {
	case Found:
		return "Found"
	case NotFound:
		return "NotFound"
	case MethodNotAllowed:
		return "MethodNotAllowed"
	}
	return "Result(" + strconv.Itoa(int(r)) + ")"
}

// Route describes one registered route.
type Route struct {
	// Method is the method the route was registered for, or "" for a route
	// that accepts any method (registered with "" or "*").
	Method string
	// Pattern is the pattern exactly as registered.
	Pattern string
}

// Router maps (method, path) pairs to handlers of type H.
//
// The zero value is an empty router ready to use, as is New's result.
// Register every route with Handle before serving: Handle must not run concurrently with any other method.
// Once registration is done, Lookup and Routes are safe for concurrent use
// by any number of goroutines.
type Router[H any] struct {
	root  node[H]
	count int
}

// New returns an empty router.
func New[H any]() *Router[H] {
	return &Router[H]{}
}

// Handle registers h for method and pattern (see the package doc for the
// pattern syntax). Method "" or "*" registers h for every method; any other
// method must be an HTTP token and is matched case-sensitively ("GET", not
// "get").
//
// Handle panics, with a message starting "router: ", when the pattern or the
// method is malformed, and when a route for the same method and an
// equivalent pattern is already registered; equivalent patterns differ only
// in their parameter names, like "/a/{x}" and "/a/{y}", and the message names
// both. A static segment next to a parameter ("/users/new" and
// "/users/{id}") is not a conflict: the static one is tried first.
func (r *Router[H]) Handle(method, pattern string, h H) {
	if method == "*" {
		method = ""
	}
	if !validMethod(method) {
		panic("router: invalid method " + strconv.Quote(method) + " for pattern " + strconv.Quote(pattern))
	}
	toks, err := parsePattern(pattern)
	if err != "" {
		panic("router: malformed pattern " + strconv.Quote(pattern) + ": " + err)
	}
	r.root.insert(toks, &entry[H]{method: method, pattern: pattern, names: paramNames(toks), h: h})
	r.count++
}

// Lookup finds the handler for method and path. Path is the URL path as
// received, still percent-encoded, starting with '/'; anything else (an
// empty path, "*", an absolute URL) is NotFound.
//
// Lookup resets ps and fills it with the parameters of the matched route; ps
// may be nil when the caller needs no parameters. The values in ps are
// substrings of path, not copies: if path was built over a reused buffer
// (unsafe.String over a connection's bytes), the values go stale when the
// buffer is reused, and must be copied before that if kept.
//
// On Found, h is the handler of the first route in dispatch order (see the
// package doc) that accepts method. On MethodNotAllowed, h is the zero H and
// allow lists, sorted and separated by ", ", the methods that some route
// matching the path accepts, with HEAD wherever GET is, ready for an Allow
// header. On NotFound, h is the zero H and allow is "". In both failing cases
// ps is left empty.
//
// Lookup does not allocate on Found or NotFound (except the first time a
// given ps receives more than 8 parameters); building allow on
// MethodNotAllowed does.
func (r *Router[H]) Lookup(method, path string, ps *Params) (h H, res Result, allow string) {
	if ps != nil {
		ps.Reset()
	}
	if path == "" || path[0] != '/' {
		return h, NotFound, ""
	}
	if e := r.root.match(method, path, ps); e != nil {
		if ps != nil {
			ps.names = e.names
			ps.pattern = e.pattern
		}
		return e.h, Found, ""
	}
	if ps != nil {
		ps.Reset()
	}
	var methods []string
	r.root.allowed(path, &methods)
	if len(methods) == 0 {
		return h, NotFound, ""
	}
	return h, MethodNotAllowed, joinAllow(methods)
}

// Routes lists the registered routes in dispatch order: depth first through
// the tree, at each point the routes that end there, then static segments
// (in byte order), then the parameter, then the wildcard; routes on the same
// pattern are listed by method name, the any-method route last. It returns a new
// slice on each call.
func (r *Router[H]) Routes() []Route {
	out := make([]Route, 0, r.count)
	r.root.walk(func(e *entry[H]) { out = append(out, Route{Method: e.method, Pattern: e.pattern}) })
	return out
}

// joinAllow sorts the methods, adds HEAD where GET is, drops duplicates and
// joins them for an Allow header.
func joinAllow(methods []string) string {
	if slices.Contains(methods, "GET") {
		methods = append(methods, "HEAD")
	}
	slices.Sort(methods)
	methods = slices.Compact(methods)
	return strings.Join(methods, ", ")
}

// validMethod reports whether m is "" (any method) or an RFC 9110 token.
func validMethod(m string) bool {
	for i := 0; i < len(m); i++ {
		if !ascii.IsTokenChar(m[i]) {
			return false
		}
	}
	return true
}
