package framework

import (
	"fmt"
	"net/http"
	"strings"
)

// Groups, after chi's Route, Group and With: routes that share a pattern
// prefix, middleware that runs for them only, and an error renderer.
//
//	app.Route("/api", func(api *framework.Group) {
//		api.ErrorRenderer = framework.JSONErrors
//		api.Use(requireToken)
//		api.Get("/todos", list)
//		api.With(audit).Delete("/todos/{pos}", remove)
//	})
//
// A group's middleware runs inside the App's (App.Use), after routing, for
// the routes registered on the group or its subgroups and, for a group
// made by Route, for every request under its prefix that no route takes,
// whatever its method: so a CORS middleware on the group answers the
// preflight (OPTIONS) of its routes, and an authentication middleware
// guards its 404s. When no middleware answers such a request, the router's
// 405 (with Allow) or 404 is answered from inside the group's middleware.

// Group registers routes under a common prefix and middleware. Make one
// with App.Route, App.Group or App.With (or the same methods of a Group);
// a subgroup starts with its parent's prefix and middleware.
//
// Like the App, a Group is set up before the first request and not changed
// after.
type Group struct {
	// ErrorRenderer renders the errors of the group's routes (and of
	// requests under its prefix that match no route, for a group made by
	// Route). Nil means the parent group's, and at the top the App's.
	ErrorRenderer ErrorRenderer

	app    *App
	parent *Group
	prefix string
	mws    []Middleware
	sealed bool // a route or a subgroup took the middleware as it was

	unrouted Handler // mws around App.unrouted, built with the App's chain
}

// Route returns a group for the routes under prefix (a path such as
// "/api", without a trailing slash, with no parameters), after calling fn,
// if not nil, to register them. It panics on a malformed prefix.
func (a *App) Route(prefix string, fn func(g *Group)) *Group {
	return a.newGroup(nil, prefix, fn)
}

// Group returns a group with no prefix of its own, after calling fn, if
// not nil, to register its routes: a way to give middleware to some routes
// and not others.
func (a *App) Group(fn func(g *Group)) *Group { return a.newGroup(nil, "", fn) }

// With returns a group with no prefix whose routes run the given
// middleware, for a route or two: app.With(auth).Post("/admin", h).
func (a *App) With(mw ...Middleware) *Group {
	g := a.newGroup(nil, "", nil)
	g.mws = append(g.mws, mw...)
	return g
}

// Route returns a subgroup for the routes under the group's prefix plus
// prefix, after calling fn, if not nil, to register them.
func (g *Group) Route(prefix string, fn func(g *Group)) *Group {
	return g.app.newGroup(g, prefix, fn)
}

// Group returns a subgroup with the same prefix, after calling fn, if not
// nil, to register its routes.
func (g *Group) Group(fn func(g *Group)) *Group { return g.app.newGroup(g, "", fn) }

// With returns a subgroup with the same prefix whose routes also run the
// given middleware.
func (g *Group) With(mw ...Middleware) *Group {
	sub := g.app.newGroup(g, "", nil)
	sub.mws = append(sub.mws, mw...)
	return sub
}

// Use appends middleware for the group's routes (and, for a group made by
// Route, for the unrouted requests under its prefix; see Group). The first
// one given is the outermost; all of them run inside the App's
// middleware. Use panics
// once the group has routes or subgroups: they took its middleware as it
// was then.
func (g *Group) Use(mw ...Middleware) {
	if g.sealed {
		panic("framework: Group.Use on " + g.name() + " after routes or subgroups were added to it")
	}
	g.mws = append(g.mws, mw...)
}

// Prefix returns the group's pattern prefix ("" for none).
func (g *Group) Prefix() string { return g.prefix }

// Handle registers h for method and the group's prefix plus pattern, with
// the group's middleware around it; see App.Handle. A pattern "/" on a
// group with a prefix registers the prefix itself ("/api").
func (g *Group) Handle(method, pattern string, h Handler) { g.app.register(g, method, pattern, h) }

// HandleHTTP registers an http.Handler, like Handle; see App.HandleHTTP.
func (g *Group) HandleHTTP(method, pattern string, h http.Handler) {
	g.app.registerHTTP(g, method, pattern, h)
}

// Get registers h for GET (and so HEAD) requests to pattern.
func (g *Group) Get(pattern string, h Handler) { g.Handle(http.MethodGet, pattern, h) }

// Post registers h for POST requests to pattern.
func (g *Group) Post(pattern string, h Handler) { g.Handle(http.MethodPost, pattern, h) }

// Put registers h for PUT requests to pattern.
func (g *Group) Put(pattern string, h Handler) { g.Handle(http.MethodPut, pattern, h) }

// Patch registers h for PATCH requests to pattern.
func (g *Group) Patch(pattern string, h Handler) { g.Handle(http.MethodPatch, pattern, h) }

// Delete registers h for DELETE requests to pattern.
func (g *Group) Delete(pattern string, h Handler) { g.Handle(http.MethodDelete, pattern, h) }

// Options registers h for OPTIONS requests to pattern.
func (g *Group) Options(pattern string, h Handler) { g.Handle(http.MethodOptions, pattern, h) }

// Mount registers the handler methods of app under the group's prefix,
// with its middleware; see App.Mount.
func (g *Group) Mount(app Routable) { g.app.mount(g, app) }

func (a *App) newGroup(parent *Group, prefix string, fn func(*Group)) *Group {
	a.mustBeOpen("Route")
	if prefix != "" && (prefix[0] != '/' || strings.HasSuffix(prefix, "/") || strings.ContainsAny(prefix, "{} ")) {
		panic(fmt.Sprintf("framework: group prefix %q must start with '/', not end with one, and hold no parameter or space", prefix))
	}
	g := &Group{app: a, parent: parent, prefix: prefix}
	if parent != nil {
		parent.sealed = true
		g.prefix = parent.prefix + prefix
		g.mws = append([]Middleware(nil), parent.mws...)
	}
	if prefix != "" {
		a.groups = append(a.groups, g)
	}
	if fn != nil {
		fn(g)
	}
	return g
}

// name describes the group in panics.
func (g *Group) name() string {
	if g.prefix == "" {
		return "a group"
	}
	return "group " + g.prefix
}

// errorRenderer returns the renderer for g's routes, nil for the App's.
func (g *Group) errorRenderer() ErrorRenderer {
	for ; g != nil; g = g.parent {
		if g.ErrorRenderer != nil {
			return g.ErrorRenderer
		}
	}
	return nil
}

// register is Handle on the App (g nil) or on a group: it checks what a
// Bind handler binds against the pattern, then adds the group's prefix
// and middleware.
func (a *App) register(g *Group, method, pattern string, h Handler) {
	if h == nil {
		panic("framework: Handle " + method + " " + pattern + " with a nil handler")
	}
	if pl := boundPlan(h); pl != nil {
		if err := pl.checkPath(pattern); err != nil {
			panic("framework: Handle " + method + " " + pattern + ": " + err.Error())
		}
	}
	a.add(g, &Route{Name: funcName(h), Method: method, Pattern: pattern, Handler: h})
}

func (a *App) registerHTTP(g *Group, method, pattern string, h http.Handler) {
	if h == nil {
		panic("framework: HandleHTTP " + method + " " + pattern + " with a nil handler")
	}
	a.add(g, &Route{Name: typeName(h), Method: method, Pattern: pattern, Handler: fromHTTPHandler(h)})
}

// add applies g's prefix and middleware to rt and registers it.
func (a *App) add(g *Group, rt *Route) {
	if g != nil {
		g.sealed = true
		rt.group = g
		if g.prefix != "" && rt.Pattern == "/" {
			rt.Pattern = g.prefix
		} else {
			rt.Pattern = g.prefix + rt.Pattern
		}
		for i := len(g.mws) - 1; i >= 0; i-- {
			rt.Handler = g.mws[i](rt.Handler)
		}
	}
	a.handle(rt)
}

// groupFor returns the innermost group made by Route whose prefix covers
// path, for the errors of a request no route matched; nil when none does.
func (a *App) groupFor(path string) *Group {
	var best *Group
	for _, g := range a.groups {
		if (path == g.prefix || strings.HasPrefix(path, g.prefix+"/")) && (best == nil || len(g.prefix) > len(best.prefix)) {
			best = g
		}
	}
	return best
}
