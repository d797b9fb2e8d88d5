package sessionstore

import (
	"context"
	"time"
)

// Handle is one request's view of its session. It is created by
// [Manager.Load] without touching the store; the first method call loads
// the session. Reads come from the state seen last; every write is an atomic
// update in the store, applied at once (there is no save at the end of the
// request), so concurrent requests of one session never lose each other's
// writes.
//
// A request without a live session has no session until its first write,
// which creates one under a fresh id. [Handle.Commit] then produces the
// Set-Cookie line that hands the id to the client.
//
// Getters return the zero value when there is no session, and also when
// loading fails; that failure is kept and reported by [Handle.Err] and
// [Handle.Commit]. Writers return their store failures directly.
//
// A Handle belongs to one request and is not safe for concurrent use.
type Handle struct {
	m      *Manager
	ctx    context.Context
	cookie string // the cookie value the request carried

	loaded    bool
	clientID  string   // live id the client's cookie named, "" if none
	id        string   // current session id, "" when there is no session
	snap      *Session // last known state of id (read-only), nil when id == ""
	drop      bool     // the client's cookie must be deleted
	touched   bool     // the expiry moved during this request
	renewNext bool     // Renew ran without a session: create the next one renewed
	committed bool
	err       error // first store failure
}

// Err returns the store failure met while loading the session (or moving
// its expiry forward), which the getters cannot return, or nil.
func (h *Handle) Err() error { return h.err }

// Load loads the session now, if it was not loaded yet, and returns the
// store failure if loading failed. Calling it is never required: every
// other method loads on demand.
func (h *Handle) Load() error {
	if h.loaded {
		return h.err
	}
	h.loaded = true
	id, ok := h.m.decodeID(h.cookie)
	if !ok {
		h.drop = h.cookie != ""
		return nil
	}
	s, ok, err := h.m.Store.Get(h.ctx, id)
	if err != nil {
		h.err = err
		return err
	}
	if !ok {
		h.drop = true
		return nil
	}
	h.clientID, h.id, h.snap = id, id, s
	if h.m.needsTouch(s, h.m.clock()) {
		// A failed touch leaves the session readable.
		h.err = h.update(nil)
	}
	return nil
}

// ID returns the current session id, or "" if the request has no session.
func (h *Handle) ID() string {
	_ = h.Load()
	return h.id
}

// Session returns a read-only snapshot of the session's current state, or
// nil if there is none. It must not be modified; use Update.
func (h *Handle) Session() *Session {
	_ = h.Load()
	return h.snap
}

// Lookup returns the value stored under key and whether there was one.
func (h *Handle) Lookup(key string) (string, bool) {
	if _ = h.Load(); h.snap == nil {
		return "", false
	}
	return h.snap.Lookup(key)
}

// GetString returns the value under key, or "".
func (h *Handle) GetString(key string) string {
	v, _ := h.Lookup(key)
	return v
}

// GetInt returns the integer under key, or 0 (see [Session.GetInt]).
func (h *Handle) GetInt(key string) int64 {
	if _ = h.Load(); h.snap == nil {
		return 0
	}
	return h.snap.GetInt(key)
}

// GetBool returns the boolean under key, or false (see [Session.GetBool]).
func (h *Handle) GetBool(key string) bool {
	if _ = h.Load(); h.snap == nil {
		return false
	}
	return h.snap.GetBool(key)
}

// PutString stores value under key, creating the session if needed.
func (h *Handle) PutString(key, value string) error {
	return h.Update(func(s *Session) error { s.PutString(key, value); return nil })
}

// PutInt stores n under key, creating the session if needed.
func (h *Handle) PutInt(key string, n int64) error {
	return h.Update(func(s *Session) error { s.PutInt(key, n); return nil })
}

// PutBool stores b under key, creating the session if needed.
func (h *Handle) PutBool(key string, b bool) error {
	return h.Update(func(s *Session) error { s.PutBool(key, b); return nil })
}

// AddInt atomically adds delta to the integer under key and returns the new
// value, creating the session if needed.
func (h *Handle) AddInt(key string, delta int64) (int64, error) {
	var n int64
	err := h.Update(func(s *Session) error { n = s.AddInt(key, delta); return nil })
	return n, err
}

// Delete removes the value under key. It does not create a session.
func (h *Handle) Delete(key string) error {
	if err := h.Load(); err != nil {
		return err
	}
	if h.snap == nil {
		return nil
	}
	return h.Update(func(s *Session) error { s.Delete(key); return nil })
}

// Update applies fn to the session as one atomic read-modify-write in the
// store (see [Store.Update] for what fn may do), creating the session first
// if the request has none (fn then sees an empty Session). The expiry is
// moved forward as for any use before fn runs; if fn sets it to a time not
// after now, the session ends as with Destroy. If fn returns an error,
// nothing changes and Update returns that error.
//
// Creating a session fails with ErrTooManySessions when the store is full,
// and with ErrCommitted after Commit.
func (h *Handle) Update(fn func(*Session) error) error {
	if err := h.Load(); err != nil {
		return err
	}
	return h.update(fn)
}

// update is Update after loading; fn == nil only touches the expiry.
func (h *Handle) update(fn func(*Session) error) error {
	now := h.m.clock()
	if h.id != "" {
		var last *Session
		ok, err := h.m.Store.Update(h.ctx, h.id, func(s *Session) error {
			s.Expires = h.m.expiry(s.Created, s.Renewed, now)
			if fn != nil {
				if err := fn(s); err != nil {
					return err
				}
			}
			last = s
			return nil
		})
		switch {
		case err != nil:
			return err
		case ok && last != nil && last.Expires.After(now):
			h.touched = h.touched || !last.Expires.Equal(h.snap.Expires)
			h.snap = last
			return nil
		case ok:
			// fn ended the session (set Expires to the past).
			h.id, h.snap, h.drop = "", nil, h.cookie != ""
			return nil
		}
		// The session ended since it was loaded (expired, destroyed by a
		// concurrent request): start a new one below.
		h.id, h.snap = "", nil
	}
	if fn == nil {
		return nil
	}
	if h.committed {
		return ErrCommitted
	}
	s := &Session{Created: now, Expires: h.m.expiry(now, h.renewNext, now), Renewed: h.renewNext}
	if err := fn(s); err != nil {
		return err
	}
	id, err := h.m.Store.Create(h.ctx, s)
	if err != nil {
		return err
	}
	h.id, h.snap = id, s
	return nil
}

// Renew moves the session to a new id, keeping its data and its creation
// time, and kills the old id. Call it on login and on every change of
// privilege, so that an id an attacker may have learnt or planted before
// is worthless afterwards. The session is then marked renewed
// ([Session.Renewed]): a full store never evicts it. Without a session,
// Renew makes the session the next write creates a renewed one. After
// Commit it returns ErrCommitted and changes nothing.
func (h *Handle) Renew() error {
	if err := h.Load(); err != nil {
		return err
	}
	if h.id == "" {
		h.renewNext = true
		return nil
	}
	if h.committed {
		return ErrCommitted
	}
	newID, ok, err := h.m.Store.Renew(h.ctx, h.id)
	if err != nil {
		return err
	}
	if !ok {
		h.id, h.snap = "", nil
		return nil
	}
	h.id = newID
	if h.m.idleTimeout(false) != h.m.idleTimeout(true) {
		// The session now has the (longer) idle timeout of renewed
		// sessions; move its expiry at once, and learn the new state.
		return h.update(nil)
	}
	return nil
}

// Destroy deletes the session from the store (logout) and, unless Commit
// has already run, makes Commit tell the client to delete its cookie. A
// later write in the same request starts a new session.
func (h *Handle) Destroy() error {
	if err := h.Load(); err != nil {
		return err
	}
	if h.id != "" {
		if err := h.m.Store.Delete(h.ctx, h.id); err != nil {
			return err
		}
	}
	h.id, h.snap = "", nil
	h.drop = h.cookie != ""
	return nil
}

// ResponseHeader is the header of a response being built, as a session
// middleware completes it before the head is sent: each method returns the
// response with the change (framework.Response is one), so that
// CommitHeader can take a response by value.
type ResponseHeader[R any] interface {
	// AddHeader adds a value to the header field name.
	AddHeader(name, value string) R
	// WithHeader sets the header field name to value, replacing others.
	WithHeader(name, value string) R
	// Header returns a value of the field name, "" when there is none.
	Header(name string) string
}

// CommitHeader commits h (see Handle.Commit) and, when the client's cookie
// has to change, returns resp with what such a response must carry: the
// Set-Cookie line, "Vary: Cookie", and, unless resp already sets one,
// "Cache-Control: no-cache=\"Set-Cookie\"", so that a shared cache neither
// stores the cookie nor hands it to another user. Otherwise resp comes back
// as it was. Every middleware that sends session cookies calls it
// (Manager.Middleware, framework/session), so the rule is written once.
// err is Commit's; the header is completed even then, when there is a
// cookie to send. Like Commit, it must run before the response head is
// sent.
func CommitHeader[R ResponseHeader[R]](h *Handle, resp R, isTLS bool) (R, error) {
	line, changed, err := h.Commit(isTLS)
	if changed {
		resp = resp.AddHeader("Set-Cookie", line).AddHeader("Vary", "Cookie")
		if resp.Header("Cache-Control") == "" {
			resp = resp.WithHeader("Cache-Control", `no-cache="Set-Cookie"`)
		}
	}
	return resp, err
}

// Commit returns the value of the Set-Cookie header the response must
// carry, and changed=true, when the client's cookie has to change: a session
// was created or renewed, the client's cookie named no live session or the
// session was destroyed (the cookie is deleted), or, with Persist, the expiry
// moved. Otherwise, including when the session was never touched, it
// returns "" and false. isTLS reports whether the request came over TLS;
// it adds the Secure attribute.
//
// Commit must run before the response head is sent, since the cookie is a
// header; it runs once, and later calls return "", false, nil. err is a
// cookie that cannot be formatted (an invalid Manager.Cookie) or else the
// failure reported by Err, which the caller may log or turn into a 500
// answer; setCookie is valid even then.
func (h *Handle) Commit(isTLS bool) (setCookie string, changed bool, err error) {
	if h.committed {
		return "", false, nil
	}
	h.committed = true
	c := h.m.Cookie
	c.Secure = c.Secure || isTLS
	c.Expires, c.MaxAge = time.Time{}, 0
	switch {
	case h.id != "" && (h.id != h.clientID || h.m.Persist && h.touched):
		if c.Value, err = h.m.encodeID(h.id); err != nil {
			return "", false, err
		}
		if h.m.Persist {
			c.Expires = h.snap.Expires
			c.MaxAge = max(1, int((h.snap.Expires.Sub(h.m.clock())+time.Second-1)/time.Second))
		}
	case h.id == "" && h.drop:
		c.Value, c.MaxAge, c.Expires = "", -1, time.Unix(0, 0)
	default:
		return "", false, h.err
	}
	line, err := c.Format()
	if err != nil {
		return "", false, err
	}
	return line, true, h.err
}
