package middleware

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/microframe/microframe/framework"
)

// ErrTimeout is the error of the 503 that Timeout answers.
var ErrTimeout = &framework.HTTPError{Code: http.StatusServiceUnavailable, Message: "request timed out",
	Err: context.DeadlineExceeded}

// Timeout returns middleware that gives the handlers after it d to answer.
// The request context gets a deadline d from now, so that work that
// watches it (database queries, outgoing requests, a select on
// ctx.Done()) stops at the deadline. What the handlers write before it
// goes out as usual; from the deadline on, their writes are dropped (an
// http.Handler's Write returns http.ErrHandlerTimeout) and never mixed
// with another answer:
//
//   - if nothing was written by then, the client gets a 503 rendered by
//     the ErrorRenderer (ErrTimeout, logged as a failed request), once
//     the handler has returned;
//   - if the response had begun (a Stream, an http.Handler that flushed),
//     it is cut short and the connection closed, so that the client does
//     not take it for complete.
//
// Timeout runs the handler on the request's own goroutine and waits for it
// to return: a pooled Request must not outlive its handler, and a handler
// that ignores its context keeps the connection until it is done, though
// its late answer is dropped. A deadline already on the context that comes
// sooner stays. Timeout panics if d is not positive.
func Timeout(d time.Duration) framework.Middleware {
	if d <= 0 {
		panic("middleware: Timeout with a non-positive duration")
	}
	gate := framework.FromHTTP(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			tw := &timeoutWriter{w: w, ctx: ctx, header: http.Header{}}
			next.ServeHTTP(tw, r.WithContext(ctx))
			switch {
			case tw.wrote && tw.late:
				panic(http.ErrAbortHandler) // cut short: the server closes the connection
			case tw.wrote:
			case ctx.Err() == nil:
				tw.commit(http.StatusOK) // in time, but wrote nothing: an empty 200, as net/http
			case errors.Is(ctx.Err(), context.DeadlineExceeded) && r.Context().Err() == nil:
				framework.WriteError(w, r, ErrTimeout)
			}
		})
	})
	return func(next framework.Handler) framework.Handler {
		return gate(func(r *framework.Request) framework.Response {
			resp := next(r)
			if r.Context().Err() != nil {
				// Too late: what the handler returned would be dropped
				// anyway. A bare status is not logged as a second failure.
				return framework.Status(http.StatusServiceUnavailable)
			}
			return resp
		})
	}
}

// timeoutWriter passes the response on until the deadline and drops
// everything after it. Headers are kept apart until the status is
// written, so that a dropped response leaves none behind. It is used from
// the handler's goroutine only; the deadline is read from ctx, which is
// safe from any goroutine.
type timeoutWriter struct {
	w      http.ResponseWriter
	ctx    context.Context
	header http.Header
	wrote  bool // the status went out
	late   bool // something was dropped
}

// Header returns the header map of the response to come.
func (tw *timeoutWriter) Header() http.Header { return tw.header }

// expired reports whether the deadline has passed, marking a drop.
func (tw *timeoutWriter) expired() bool {
	if tw.ctx.Err() != nil {
		tw.late = true
		return true
	}
	return false
}

// commit sends the header map and the status.
func (tw *timeoutWriter) commit(code int) {
	dst := tw.w.Header()
	for k, vs := range tw.header {
		dst[k] = vs
	}
	tw.wrote = true
	tw.w.WriteHeader(code)
}

// WriteHeader sends the status, unless the deadline has passed.
func (tw *timeoutWriter) WriteHeader(code int) {
	if tw.wrote || tw.expired() {
		return
	}
	if code < 200 && code != http.StatusSwitchingProtocols {
		tw.w.WriteHeader(code) // informational: not the status
		return
	}
	tw.commit(code)
}

// Write sends p, unless the deadline has passed: then it fails with
// http.ErrHandlerTimeout.
func (tw *timeoutWriter) Write(p []byte) (int, error) {
	if tw.expired() {
		return 0, http.ErrHandlerTimeout
	}
	if !tw.wrote {
		tw.commit(http.StatusOK)
	}
	return tw.w.Write(p)
}

// FlushError sends what was written, unless the deadline has passed; for
// http.ResponseController and framework Streams.
func (tw *timeoutWriter) FlushError() error {
	if tw.expired() {
		return http.ErrHandlerTimeout
	}
	if !tw.wrote {
		tw.commit(http.StatusOK)
	}
	return http.NewResponseController(tw.w).Flush()
}

// Flush is FlushError for http.Flusher.
func (tw *timeoutWriter) Flush() { _ = tw.FlushError() }
