// Package session glues package sessionstore to the framework: a
// middleware that gives every request a session behind a cookie, and the
// accessors handlers use.
//
// It is a package of its own so that an app without sessions does not
// link the session store: package framework does not import sessionstore.
//
//	app.Use(session.Middleware(sessionstore.NewManager(store)))
//	app.Get("/counter", func(r *framework.Request) framework.Response {
//		n, err := session.From(r).AddInt("counter", 1)
//		...
//	})
package session

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/microframe/microframe/framework"
	"github.com/microframe/microframe/sessionstore"
)

// The Manager knows nothing of HTTP servers: it takes the cookie value a
// request carried and hands back the Set-Cookie line to send. Because a
// handler returns its Response as a value, the middleware can add that
// line after the handler ran and before anything is sent, even for a
// Stream response.

func init() {
	// The store is full: a condition of the server, not of the request.
	framework.RegisterErrorStatus(sessionstore.ErrTooManySessions, http.StatusServiceUnavailable)
	// A write past the per-session size limit: the request asked to store
	// too much.
	framework.RegisterErrorStatus(sessionstore.ErrSessionTooLarge, http.StatusRequestEntityTooLarge)
}

// Middleware returns middleware that gives every request a session from m,
// reachable with From. Loading is lazy: a request whose handler never
// touches its session costs no store access. After the handler returns,
// the session cookie is added to the Response when it has to change (a new
// or renewed session, a logout); such a response also gets "Vary: Cookie"
// and, unless it has one, a Cache-Control that keeps shared caches from
// storing the cookie.
//
// The session is also in the request context (sessionstore.FromContext),
// so http.Handlers routed with HandleHTTP or behind FromHTTP reach it too.
//
// The cookie's attributes are m.Cookie's: by default HttpOnly,
// SameSite=Lax, Path=/, and Secure whenever the request came over TLS.
// Store failures the handler did not act on are logged at level Error.
// Errors matching sessionstore.ErrTooManySessions are answered 503.
//
// Put Middleware outside any FromHTTP middleware: a response written from
// inside one is already on its way when Middleware would add the cookie.
func Middleware(m *sessionstore.Manager) framework.Middleware {
	return func(next framework.Handler) framework.Handler {
		return func(r *framework.Request) framework.Response {
			h := m.Load(r.Context(), r.Cookie(m.Cookie.Name))
			r.SetContext(sessionstore.NewContext(r.Context(), h))
			resp, err := sessionstore.CommitHeader(h, next(r), r.TLS() != nil)
			if err != nil {
				r.Logger().LogAttrs(r.Context(), slog.LevelError, "session commit failed",
					slog.String("path", r.Path()), slog.String("err", err.Error()))
			}
			return resp
		}
	}
}

// From returns the request's session, for handlers behind Middleware:
// GetString, GetInt, PutInt, AddInt, Renew (call it on login), Destroy (on
// logout) and the rest of sessionstore.Handle. It panics when Middleware is
// not in the chain, which is a wiring mistake, not a request error.
func From(r *framework.Request) *sessionstore.Handle {
	h := sessionstore.FromContext(r.Context())
	if h == nil {
		panic("session: From without the session Middleware")
	}
	return h
}

// Get reads the session value under key as JSON into a T, for values
// richer than the strings and numbers sessionstore.Handle types directly.
// ok is false, with the zero T, when there is no such value; err reports a
// value that is not a JSON T (or a store failure).
func Get[T any](r *framework.Request, key string) (v T, ok bool, err error) {
	h := From(r)
	s, ok := h.Lookup(key)
	if !ok {
		return v, false, h.Err()
	}
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return v, false, err
	}
	return v, true, nil
}

// Put stores v under key as JSON, creating the session if needed. The
// error is an encoding or store failure.
func Put(r *framework.Request, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return From(r).PutString(key, string(b))
}
