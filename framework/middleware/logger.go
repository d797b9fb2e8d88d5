package middleware

import (
	"log/slog"
	"time"

	"github.com/microframe/microframe/framework"
)

// Logger logs one line per request at level Info: method, path, status,
// duration and, when RequestID runs before it, the request id. A nil l
// means the App's Logger. Put it first (outermost) so that it times the
// whole chain and sees the final status.
func Logger(l *slog.Logger) framework.Middleware {
	return func(next framework.Handler) framework.Handler {
		return func(r *framework.Request) framework.Response {
			start := time.Now()
			resp := next(r)
			log := l
			if log == nil {
				log = r.Logger()
			}
			ctx := r.Context()
			if !log.Enabled(ctx, slog.LevelInfo) {
				return resp
			}
			attrs := []slog.Attr{
				slog.String("method", r.Method()),
				slog.String("path", r.Path()),
				slog.Int("status", resp.StatusCode()),
				slog.Duration("duration", time.Since(start)),
			}
			if id := RequestIDFrom(ctx); id != "" {
				attrs = append(attrs, slog.String("request_id", id))
			}
			log.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
			return resp
		}
	}
}
