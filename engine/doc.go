// Package engine is microframe's HTTP/1.1 server: a listener, an accept
// loop that hands each connection to a bounded goroutine pool, and the
// lifecycle around them (graceful shutdown, statistics).
//
// A Server serves a native handler: a conn.Handler, whose *conn.Ctx
// answers requests without allocating (package conn defines that contract
// and the errors a handler sees). Adapt turns any net/http Handler into
// one, so the standard library's handlers, routers and middleware run
// unchanged:
//
//	srv := &engine.Server{Addr: "127.0.0.1:8080", Handler: engine.Adapt(mux)}
//	go srv.ListenAndServe()
//	...
//	srv.Shutdown(ctx)
//
// Each accepted connection becomes a conn.Conn actor. On Linux a plain TCP
// connection runs on one of Server.MaxWorkers pool goroutines only while it
// has work: idle, it parks on an epoll poller, holding no goroutine and no
// buffer, and a readable socket puts it back in the ready queue for the
// next free worker. Workers bound running work, not waiting work: a worker
// whose connection makes no progress for 2 ms while others queue (a
// handler waiting on a database or a WebSocket, a client that does not
// read) stops counting against MaxWorkers, up to the hard ceiling
// Server.MaxHandlers; a request body still arriving is collected while the
// connection parks, so slow uploads hold no worker. Stats shows running,
// blocked and queued connections. TLS connections, other systems and
// Server.GoroutinePerConn keep one pool goroutine per connection. Beyond
// Server.MaxConns open connections a client is answered 503 Service
// Unavailable with Retry-After and closed: the accept loop never blocks
// and goroutines never grow without bound.
package engine
