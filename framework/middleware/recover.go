package middleware

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/microframe/microframe/framework"
)

// Recover turns a panic in the handlers after it into a 500 response,
// rendered by the App's (or the route's group's) ErrorRenderer like any
// other error: JSON for a JSON API. It logs the panic value with its
// stack at level Error, with the request's log attributes (the request
// id, see RequestID), to l or, when l is nil, the App's Logger. The
// connection stays usable.
//
// A panic with http.ErrAbortHandler is passed on, as net/http expects:
// it means "abort this response", not a bug. A panic while a Stream body
// is being written happens after Recover has returned; the server catches
// that one.
func Recover(l *slog.Logger) framework.Middleware {
	return func(next framework.Handler) framework.Handler {
		return func(r *framework.Request) (resp framework.Response) {
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log := l
				if log == nil {
					log = r.Logger()
				}
				attrs := []slog.Attr{slog.String("method", r.Method()), slog.String("path", r.Path()),
					slog.Any("panic", v), slog.String("stack", string(debug.Stack()))}
				log.LogAttrs(r.Context(), slog.LevelError, "handler panic", append(attrs, r.LogAttrs()...)...)
				resp = framework.RenderError(r, &framework.HTTPError{Code: http.StatusInternalServerError,
					Err: fmt.Errorf("panic: %v", v)})
			}()
			return next(r)
		}
	}
}
