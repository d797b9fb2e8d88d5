// Package conn serves one HTTP/1.1 connection: an actor that owns its
// buffers and state, reads requests incrementally, dispatches each to a
// Handler, and writes responses, for as long as keep-alive allows.
//
// The life of a connection (see Conn.Serve):
//
//  1. Wait for bytes with nothing buffered: the connection is idle. After
//     Config.BufferReleaseDelay it returns its buffers to a pool. With a
//     Config.Poller it then parks: its goroutine leaves Serve, and the
//     poller hands it to Config.Wake when bytes arrive (see park.go for
//     the state machine). Without one it waits on a one-byte read. Either
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
