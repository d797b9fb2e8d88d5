package middleware

import (
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/microframe/microframe/framework"
)

// Recover turns a panic in the handlers after it into a 500 response and
// logs the panic value with its stack at level Error (to l, or the App's
// Logger when l is nil). The connection stays usable.
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
				log.LogAttrs(r.Context(), slog.LevelError, "handler panic",
					slog.String("method", r.Method()), slog.String("path", r.Path()),
					slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
				resp = framework.Text(http.StatusText(http.StatusInternalServerError) + "\n").WithStatus(http.StatusInternalServerError)
			}()
			return next(r)
		}
	}
}
