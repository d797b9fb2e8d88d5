package middleware

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"

	"github.com/microframe/microframe/framework"
)

type requestIDKey struct{}

// RequestIDHeader is the header RequestID reads and sets.
const RequestIDHeader = "X-Request-Id"

// RequestIDKey is the log attribute that carries the request id.
const RequestIDKey = "request_id"

// RequestID gives every request an id, for correlating log lines: the
// client's X-Request-Id when it sent a sane one (1 to 64 letters, digits,
// '-', '_' or '.'; a proxy in front may have set it), else 16 random bytes
// in hex. The id is stored in the request context (RequestIDFrom), added
// to the request's log attributes as "request_id" (so the framework's own
// "request failed" lines, Recover's and AccessLog's carry it; see
// framework.Request.AddLogAttrs), and sent back in the X-Request-Id
// response header, whatever writes the response (see
// framework.Request.SetResponseHeader), unless the handler sets it itself.
// Put it first, outermost, so that the header is set before AccessLog
// sends the response.
func RequestID() framework.Middleware {
	return func(next framework.Handler) framework.Handler {
		return func(r *framework.Request) framework.Response {
			id := r.Header(RequestIDHeader)
			if !saneID(id) {
				var b [16]byte
				_, _ = rand.Read(b[:])
				id = hex.EncodeToString(b[:])
			}
			r.SetContext(context.WithValue(r.Context(), requestIDKey{}, id))
			r.AddLogAttrs(slog.String(RequestIDKey, id))
			r.SetResponseHeader(RequestIDHeader, id)
			return next(r)
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
