package middleware

import (
	"log/slog"
	"time"

	"github.com/microframe/microframe/framework"
)

// AccessLogOptions configures AccessLog. The zero value logs every request
// at level Info to the App's Logger.
type AccessLogOptions struct {
	// Logger receives the lines. Nil means the App's Logger.
	Logger *slog.Logger
	// Level is the level of the lines; the zero value is slog.LevelInfo.
	Level slog.Level
	// Message is the message of the lines. "" means "request".
	Message string
	// Skip reports whether a request is not logged (health checks, the
	// metrics endpoint). Nil means every request is.
	Skip func(r *framework.Request) bool
	// Attrs returns attributes to add to the line of r, whose response
	// was resp (already sent). Nil adds none.
	Attrs func(r *framework.Request, resp framework.Response) []slog.Attr
}

// AccessLog returns middleware that logs one line per request, once its
// response has been sent, with these attributes:
//
//	method       the request method
//	path         the request path, decoded
//	route        the pattern of the route that matched ("/bookmarks/{id}");
//	             absent when none did
//	status       the status sent (a Content's 304 or 206 included)
//	bytes        the body bytes written, before compression further in
//	duration     from the start of AccessLog to the end of the response,
//	             as a time.Duration
//	remote_addr  the client's address, "host:port"
//	user_agent   the User-Agent header, when sent
//	err          the handler's error, for a response made by Error
//
// followed by the request's log attributes (request_id, when RequestID
// runs) and those of opts.Attrs.
//
// AccessLog sends the response itself (framework.Request.Send), so that
// it logs what was sent: put it outermost but for RequestID, whose header
// must be set before. Middleware outside it can no longer change the
// response.
func AccessLog(opts AccessLogOptions) framework.Middleware {
	msg := opts.Message
	if msg == "" {
		msg = "request"
	}
	return func(next framework.Handler) framework.Handler {
		return func(r *framework.Request) framework.Response {
			if opts.Skip != nil && opts.Skip(r) {
				return next(r)
			}
			start := time.Now()
			resp := next(r)
			err := resp.Err()
			sent := r.Send(resp)
			log := opts.Logger
			if log == nil {
				log = r.Logger()
			}
			ctx := r.Context()
			if !log.Enabled(ctx, opts.Level) {
				return sent
			}
			attrs := make([]slog.Attr, 0, 10+len(r.LogAttrs()))
			attrs = append(attrs, slog.String("method", r.Method()), slog.String("path", r.Path()))
			if rt := r.Route(); rt != nil {
				attrs = append(attrs, slog.String("route", rt.Pattern))
			}
			attrs = append(attrs, slog.Int("status", sent.StatusCode()), slog.Int64("bytes", sent.BytesWritten()),
				slog.Duration("duration", time.Since(start)), slog.String("remote_addr", r.RemoteAddr()))
			if ua := r.Header("User-Agent"); ua != "" {
				attrs = append(attrs, slog.String("user_agent", ua))
			}
			if err != nil {
				attrs = append(attrs, slog.String("err", err.Error()))
			}
			attrs = append(attrs, r.LogAttrs()...)
			if opts.Attrs != nil {
				attrs = append(attrs, opts.Attrs(r, sent)...)
			}
			log.LogAttrs(ctx, opts.Level, msg, attrs...)
			return sent
		}
	}
}
