// Package conn is microframe's native handler contract and the connection
// actor that serves it.
//
// # The handler contract
//
// A Handler answers requests with a *Ctx: the request head, its body on
// demand, and a buffered or streamed response (see Ctx's methods). A Ctx
// is reused for the connection's next request: a handler must not keep it,
// or any []byte it returned, after ServeCtx returns. The errors a handler
// may compare against (ErrClientGone, ErrConnClosed, ErrHijacked,
// ErrBodyNotAllowed, ErrContentLength, and ErrAbortHandler as a panic
// value) are defined here. Package engine serves Handlers; engine.Adapt
// turns a net/http Handler into one.
//
// # The connection actor
//
// A Conn serves one HTTP/1.1 connection: an actor that owns its buffers
// and state, reads requests incrementally, dispatches each to its Handler,
// and writes responses, for as long as keep-alive allows. A server (such
// as engine.Server) builds one Config, prepared by Config.WithDefaults,
// makes a Conn with New for each accepted net.Conn and runs it with Serve;
// Close, CloseIfIdle and ExpireParked let it stop connections from other
// goroutines. The life of a connection:
//
//  1. Wait for bytes with nothing buffered: the connection is idle. After
//     Config.BufferReleaseDelay it returns its buffers to a pool. With
//     Config.Park it then parks: its goroutine leaves Serve, and the
//     Poller hands it to Parking.Wake when bytes arrive (see park.go for
//     the state machine). Without it, it waits on a one-byte read. Either
//     way an idle keep-alive connection costs little.
//  2. Parse the head with parse.Parser as bytes arrive (one byte at a time
//     works), within Config.HeadTimeout.
//  3. Call the handler with a *Ctx. The body is read on demand through
//     Ctx.Body; the response is buffered so that it gets a Content-Length,
//     or streams (chunked) after Ctx.Flush.
//  4. Discard any unread body, then look for the next head in what is
//     already buffered: pipelined requests are answered in order, and the
//     responses of a batch go out in one write, made only when no further
//     complete request is waiting.
//
// A refused head is answered with the parser's status and the connection
// closes; so does a body with a framing error, whatever the handler did,
// since the rest of the stream can no longer be trusted.
package conn
