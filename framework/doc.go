// Package framework turns "bytes in, bytes out" into "a handler per page".
//
// It sits on top of the microframe engine and is built in layers, each in
// its own file, so a reader can follow a request from the socket to a page:
//
//	parse         parse the request head (no I/O)          (package parse)
//	conn, engine  own the connection and drive the parser  (not here)
//	router        map method and path to a handler         (framework/router)
//	transport.go  the one seam between the two ways a request arrives:
//	              the engine's native connection (transport_native.go)
//	              and net/http (transport_nethttp.go)
//	request.go    the Request a handler sees: URL, headers, query, cookies,
//	              path parameters; body.go, form.go, cgi.go for the body,
//	              forms with uploads, and the classic CGI variables
//	response.go   the Response a handler returns: text, HTML, JSON,
//	              redirects, streams, errors; write.go sends it
//	app.go        the App: routes, middleware, and the two entry points
//	bind.go       parameter injection: query, form, path, cookie, header
//	              (and JSON body, bindjson.go) values bound into a struct
//	              and validated before the handler runs
//	auto.go       auto-configuration: an app type's methods become routes
//	httpcompat.go http.Handlers and net/http middleware inside the App
//	templates.go  html/template pages parsed on first use and cached
//	group.go      groups of routes with a prefix, middleware, error renderer
//	render.go     error renderers: text, JSON, by the client's Accept
//	static.go     static files through http.ServeContent
//
// Middleware (access logging, panic recovery, request ids, security
// headers, cross-site refusal, compression) is in package
// framework/middleware, built on this package's public API only.
//
// Sessions are in package framework/session, so that an app without them
// does not link the session store.
//
// # Handlers
//
// A Handler is a function from a *Request to a Response:
//
//	func hello(r *framework.Request) framework.Response {
//		return framework.Text("hello, " + r.Query("name"))
//	}
//
// A Response is a plain value; nothing is sent until the handler (and every
// middleware around it) has returned, so middleware can still change the
// status, add headers or cookies. A handler that fails returns Error(err):
// the error becomes a proper response and is logged.
//
// Handlers that want their inputs parsed declare them as a struct and are
// wrapped with Bind; an app written as a Go type gets its routes from its
// methods with App.Mount; any http.Handler can be routed with HandleHTTP.
//
// # Two ways in
//
// An App is both an http.Handler (ServeHTTP, for net/http.Server, HTTP/2 and
// TLS termination there, httptest) and a conn.Handler (ServeCtx, the
// microframe engine's native path, which never builds an *http.Request).
// The same routes and handlers answer on both.
//
// # Lifetimes
//
// A *Request is pooled: it and every []byte it hands out are valid only
// until the handler returns. Strings it returns are ordinary strings and may
// be kept. A handler that starts a goroutine must copy what that goroutine
// needs first.
package framework
