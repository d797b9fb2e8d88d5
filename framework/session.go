package framework

import (
	"encoding/json"
	"log/slog"

	"github.com/microframe/microframe/sessionstore"
)

// Sessions glue package sessionstore to the framework. The Manager knows
// nothing of HTTP servers: it takes the cookie value a request carried and
// hands back the Set-Cookie line to send. Because a handler returns its
// Response as a value, the middleware can add that line after the handler
// ran and before anything is sent, even for a Stream response.

// Sessions returns middleware that gives every request a session from m,
// reachable with Request.Session. Loading is lazy: a request whose handler
// never touches its session costs no store access. After the handler
// returns, the session cookie is added to the Response when it has to
// change (a new or renewed session, a logout); such a response also gets
// "Vary: Cookie" and, unless it has one, a Cache-Control that keeps shared
// caches from storing the cookie.
//
// The cookie's attributes are m.Cookie's: by default HttpOnly,
// SameSite=Lax, Path=/, and Secure whenever the request came over TLS.
// Store failures the handler did not act on are logged at level Error.
//
// Put Sessions outside any FromHTTP middleware: a response written from
// inside one is already on its way when Sessions would add the cookie.
func Sessions(m *sessionstore.Manager) Middleware {
	return func(next Handler) Handler {
		return func(r *Request) Response {
			h := m.Load(r.Context(), r.Cookie(m.Cookie.Name))
			r.session = h
			resp := next(r)
			line, changed, err := h.Commit(r.TLS() != nil)
			if changed {
				resp = resp.AddHeader("Set-Cookie", line).AddHeader("Vary", "Cookie")
				if resp.Header("Cache-Control") == "" {
					resp = resp.WithHeader("Cache-Control", `no-cache="Set-Cookie"`)
				}
			}
			if err != nil {
				r.app.logger().LogAttrs(r.Context(), slog.LevelError, "session commit failed",
					slog.String("path", r.Path()), slog.String("err", err.Error()))
			}
			return resp
		}
	}
}

// Session returns the request's session, for handlers behind the Sessions
// middleware: GetString, GetInt, PutInt, AddInt, Renew (call it on login),
// Destroy (on logout) and the rest of sessionstore.Handle. It panics when
// Sessions is not in the chain, which is a wiring mistake, not a request
// error.
func (r *Request) Session() *sessionstore.Handle {
	if r.session == nil {
		panic("framework: Request.Session without the Sessions middleware")
	}
	return r.session
}

// SessionGet reads the session value under key as JSON into a T, for
// values richer than the strings and numbers sessionstore.Handle types
// directly. ok is false, with the zero T, when there is no such value;
// err reports a value that is not a JSON T (or a store failure).
func SessionGet[T any](r *Request, key string) (v T, ok bool, err error) {
	h := r.Session()
	s, ok := h.Lookup(key)
	if !ok {
		return v, false, h.Err()
	}
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return v, false, err
	}
	return v, true, nil
}

// SessionPut stores v under key as JSON, creating the session if needed.
// The error is an encoding or store failure.
func SessionPut(r *Request, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return r.Session().PutString(key, string(b))
}
