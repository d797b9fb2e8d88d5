package framework

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"
)

// Middleware is a function from Handler to Handler. The chain is plain
// function composition: App.Use(A, B) runs A, which calls B, which calls
// the router, which calls the route's handler, and the Response travels
// back out the same way.

// Logger logs one line per request at level Info: method, path, status,
// duration and, when RequestID runs before it, the request id. A nil l
// means the App's Logger. Put it first (outermost) so that it times the
// whole chain and sees the final status.
func Logger(l *slog.Logger) Middleware {
	return func(next Handler) Handler {
		return func(r *Request) Response {
			start := time.Now()
			resp := next(r)
			log := l
			if log == nil {
				log = r.app.logger()
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

// Recover turns a panic in the handlers after it into a 500 response and
// logs the panic value with its stack at level Error (to l, or the App's
// Logger when l is nil). The connection stays usable.
//
// A panic with http.ErrAbortHandler is passed on, as net/http expects:
// it means "abort this response", not a bug. A panic while a Stream body
// is being written happens after Recover has returned; the server catches
// that one.
func Recover(l *slog.Logger) Middleware {
	return func(next Handler) Handler {
		return func(r *Request) (resp Response) {
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
					log = r.app.logger()
				}
				log.LogAttrs(r.Context(), slog.LevelError, "handler panic",
					slog.String("method", r.Method()), slog.String("path", r.Path()),
					slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
				resp = Text(http.StatusText(http.StatusInternalServerError) + "\n").WithStatus(http.StatusInternalServerError)
			}()
			return next(r)
		}
	}
}

type requestIDKey struct{}

// RequestIDHeader is the header RequestID reads and sets.
const RequestIDHeader = "X-Request-Id"

// RequestID gives every request an id, for correlating log lines: the
// client's X-Request-Id when it sent a sane one (1 to 64 letters, digits,
// '-', '_' or '.'; a proxy in front may have set it), else 16 random bytes
// in hex. The id is stored in the request context (RequestIDFrom) and sent
// back in the X-Request-Id response header.
func RequestID() Middleware {
	return func(next Handler) Handler {
		return func(r *Request) Response {
			id := r.Header(RequestIDHeader)
			if !saneID(id) {
				var b [16]byte
				_, _ = rand.Read(b[:])
				id = hex.EncodeToString(b[:])
			}
			r.SetContext(context.WithValue(r.Context(), requestIDKey{}, id))
			return next(r).WithHeader(RequestIDHeader, id)
		}
	}
}

// RequestIDFrom returns the request id RequestID stored in ctx, or "".
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

func saneID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
