package sessionstore

import (
	"context"
	"log/slog"
	"time"

	"github.com/microframe/microframe/cookiejar"
)

// Manager connects a Store to the session cookie and applies the session
// lifetimes. It knows nothing of any server: [Manager.Load] takes the
// cookie's value, and [Handle.Commit] returns the Set-Cookie line to send.
// [Manager.Middleware] is the glue for net/http.
//
// Create a Manager with [NewManager] and change its fields, if needed,
// before its first use; a Manager is safe for concurrent use afterwards.
type Manager struct {
	// Store keeps the sessions. NewManager sets it; it must not be nil.
	Store Store

	// Cookie is the template of the session cookie: its Name, Path, Domain,
	// Secure, HttpOnly, SameSite and Partitioned fields are used as they
	// are; Value, Expires and MaxAge are ignored. NewManager sets
	// Name "session", Path "/", HttpOnly (scripts cannot read the id, which
	// blunts XSS) and SameSite=Lax (the cookie is not sent on cross-site
	// subrequests and POSTs, which blunts CSRF, yet following a link to the
	// site keeps the user logged in).
	//
	// Secure is added whenever Commit is told the request came over TLS; set
	// Cookie.Secure to add it always (behind a TLS-terminating proxy). A
	// name starting with "__Host-" makes browsers refuse the cookie from any
	// subdomain, which stops a sibling subdomain from planting a session
	// cookie; it requires Secure and Path "/" and no Domain.
	Cookie cookiejar.Cookie

	// IdleTimeout ends a session that has not been used for this long.
	// NewManager sets 30 minutes. Zero or negative disables the idle
	// timeout (only Lifetime applies).
	//
	// The expiry is moved forward lazily, when less than nine tenths of
	// IdleTimeout remain (or on any write), so that read-only requests do not
	// write to the store each time: a session expires after between 90% and
	// 100% of IdleTimeout without use.
	IdleTimeout time.Duration

	// AnonymousIdleTimeout, when positive and shorter than IdleTimeout
	// (or IdleTimeout is disabled), is the idle timeout of sessions that
	// were never renewed ([Session.Renewed] false: visitors who did not log
	// in), so that the sessions a crawler or a flood leaves behind go away
	// sooner. Zero (the default) gives them IdleTimeout too. Renew switches
	// a session to IdleTimeout at once.
	AnonymousIdleTimeout time.Duration

	// Lifetime is the absolute lifetime of a session, counted from its
	// creation, however active it is; afterwards the user has to log in
	// again. NewManager sets 24 hours. Zero or negative means 24 hours.
	// Renew does not restart it.
	Lifetime time.Duration

	// Persist makes the cookie outlive the browser session: it then carries
	// Expires and Max-Age equal to the session's expiry, and is sent again
	// each time that expiry moves. By default (false) the cookie has no
	// expiry and the browser drops it when it closes; the server-side expiry
	// applies either way.
	Persist bool

	// Codec, if not nil, signs or encrypts the id inside the cookie (see
	// cookiejar.NewSigner and cookiejar.NewSealer). The id is already
	// unguessable; signing adds defence in depth and lets a server reject a
	// forged cookie without asking the store. A cookie that fails to decode
	// is treated as absent.
	Codec cookiejar.Codec

	// Logger receives store errors that the net/http Middleware cannot
	// return to anybody. NewManager sets slog.Default().
	Logger *slog.Logger

	// now is the clock; tests replace it.
	now func() time.Time
}

// Default settings of NewManager.
const (
	// DefaultCookieName is the name of the session cookie.
	DefaultCookieName = "session"
	// DefaultIdleTimeout is the default IdleTimeout: long enough for a
	// coffee break, short enough that a forgotten session on a shared
	// computer does not stay open for the day.
	DefaultIdleTimeout = 30 * time.Minute
	// DefaultLifetime is the default absolute Lifetime: one day.
	DefaultLifetime = 24 * time.Hour
)

// NewManager returns a Manager for store with the defaults documented on
// each field. It panics if store is nil.
func NewManager(store Store) *Manager {
	if store == nil {
		panic("sessionstore: NewManager with nil Store")
	}
	return &Manager{
		Store: store,
		Cookie: cookiejar.Cookie{
			Name:     DefaultCookieName,
			Path:     "/",
			HttpOnly: true,
			SameSite: cookiejar.SameSiteLax,
		},
		IdleTimeout: DefaultIdleTimeout,
		Lifetime:    DefaultLifetime,
		Logger:      slog.Default(),
		now:         time.Now,
	}
}

// Load returns the Handle of the session named by cookieValue, the value of
// the request's session cookie ("" when the request carried none). Load
// does no work beyond remembering its arguments: the store is consulted on
// the Handle's first use, so a request that never touches its session costs
// nothing more. ctx is passed to every store call the Handle makes.
func (m *Manager) Load(ctx context.Context, cookieValue string) *Handle {
	return &Handle{m: m, ctx: ctx, cookie: cookieValue}
}

// LoadHeader is Load for the Cookie request header, one value per header
// line (a request may carry several, as http.Header["Cookie"] holds them):
// it picks the session cookie out of them, the first one named Cookie.Name
// if there are several, read by the rules of cookiejar.Get, which are the
// framework's too.
func (m *Manager) LoadHeader(ctx context.Context, cookieHeader ...string) *Handle {
	for _, line := range cookieHeader {
		if v, ok := cookiejar.Get(line, m.Cookie.Name); ok {
			return m.Load(ctx, v)
		}
	}
	return m.Load(ctx, "")
}

// clock returns the current time.
func (m *Manager) clock() time.Time {
	if m.now != nil {
		return m.now()
	}
	return time.Now()
}

// lifetime returns the effective absolute lifetime.
func (m *Manager) lifetime() time.Duration {
	if m.Lifetime <= 0 {
		return DefaultLifetime
	}
	return m.Lifetime
}

// idleTimeout returns the idle timeout of a session, renewed or not; zero
// or negative means none.
func (m *Manager) idleTimeout(renewed bool) time.Duration {
	if a := m.AnonymousIdleTimeout; !renewed && a > 0 && (m.IdleTimeout <= 0 || a < m.IdleTimeout) {
		return a
	}
	return m.IdleTimeout
}

// expiry returns when a session created at created, renewed or not, and
// used at now should expire.
func (m *Manager) expiry(created time.Time, renewed bool, now time.Time) time.Time {
	limit := created.Add(m.lifetime())
	idle := m.idleTimeout(renewed)
	if idle <= 0 {
		return limit
	}
	if end := now.Add(idle); end.Before(limit) {
		return end
	}
	return limit
}

// needsTouch reports whether s, read at now, should have its expiry moved
// forward: when the expiry would advance by more than a tenth of the idle
// timeout.
func (m *Manager) needsTouch(s *Session, now time.Time) bool {
	idle := m.idleTimeout(s.Renewed)
	if idle <= 0 {
		return false
	}
	return m.expiry(s.Created, s.Renewed, now).Sub(s.Expires) > idle/10
}

// encodeID turns a session id into the cookie value.
func (m *Manager) encodeID(id string) (string, error) {
	if m.Codec == nil {
		return id, nil
	}
	return m.Codec.Encode(m.Cookie.Name, id)
}

// decodeID turns a cookie value into a well-formed session id; ok is false
// for anything else (tampered, malformed, empty).
func (m *Manager) decodeID(cookieValue string) (id string, ok bool) {
	if cookieValue == "" {
		return "", false
	}
	id = cookieValue
	if m.Codec != nil {
		if id, ok = m.Codec.Decode(m.Cookie.Name, cookieValue); !ok {
			return "", false
		}
	}
	if _, ok = ParseID(id); !ok {
		return "", false
	}
	return id, true
}
