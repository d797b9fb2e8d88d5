package sessionstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
)

// Store keeps sessions by id. Implementations must be safe for concurrent
// use by many goroutines.
//
// The contract, which package storetest checks:
//
//   - The store issues ids ([Store.Create], [Store.Renew]); it never stores a
//     session under an id chosen by its caller.
//   - An id that is unknown, expired, deleted, renewed away or malformed is
//     "not found": ok is false and err is nil. Errors are for failures of the
//     store itself (network, disk, closed store, full store).
//   - A session whose Expires is not after the current time is expired and is
//     never returned, whether or not it has been removed yet.
//   - A *Session handed to the caller by Get is a read-only snapshot that
//     stays valid and unchanged forever; a *Session given to Create must not
//     be modified by the caller afterwards (the store may keep it as its
//     snapshot), though it may still be read.
//   - Every store has a per-session size limit ([Session.Size], by default
//     [DefaultMaxSessionSize]): Create and Update refuse a session larger
//     than it with an error matching [ErrSessionTooLarge], and change
//     nothing.
//   - A flood of new sessions never locks out new visitors. A store with a
//     capacity (a number of sessions, or memory) that is full makes room by
//     evicting sessions that were never renewed ([Session.Renewed] is
//     false), least recently used first (exactly or approximately, as each
//     store documents); a renewed session is never evicted, so a flood of
//     anonymous sessions cannot log users out. Create fails with
//     [ErrTooManySessions] only when nothing can be evicted. An evicted
//     session is "not found", like an expired one.
//   - Renew sets [Session.Renewed]; Create stores it as given (a session
//     created for a user who just logged in is renewed from the start);
//     Update keeps it unless fn changes it.
type Store interface {
	// Create stores s under a new id and returns the id. s.Created is set
	// to the current time if zero. Create returns ErrNoExpiry if s.Expires
	// is zero, an error matching ErrSessionTooLarge if s is over the
	// store's size limit, and ErrTooManySessions if the store is at its
	// capacity and no never-renewed session can be evicted to make room.
	Create(ctx context.Context, s *Session) (id string, err error)

	// Get returns the session stored under id. ok is false when there is no
	// live session with that id. The returned *Session is read-only: change
	// a session with Update.
	Get(ctx context.Context, id string) (s *Session, ok bool, err error)

	// Update is an atomic read-modify-write of one session. It calls fn with
	// a private, writable copy of the session; if fn returns nil, the copy
	// replaces the stored session (or removes it, if fn set Expires to a time
	// not after now); if fn returns an error, nothing changes and Update
	// returns that error. If the copy is over the store's size limit,
	// nothing changes and Update returns ok true and an error matching
	// ErrSessionTooLarge. No update by a concurrent Update is lost.
	//
	// ok is false, and fn is not called, when there is no live session with
	// that id. fn must not call methods of the Store, should be short (a
	// store may hold a lock while it runs) and must have no effects outside
	// the Session: a store that updates optimistically may call it more than
	// once, and only the last call counts. If fn panics, the session is
	// unchanged, the store stays usable, and the panic propagates to the
	// caller of Update.
	//
	// Update is also how a session's expiry is extended ("touched"): fn sets
	// s.Expires.
	Update(ctx context.Context, id string, fn func(s *Session) error) (ok bool, err error)

	// Renew moves the session stored under oldID to a new id, atomically:
	// after Renew returns, oldID is not found and the data (with every update
	// that completed before Renew) is under newID, with Renewed set (so it
	// is never evicted). ok is false when there is no live session with
	// oldID.
	Renew(ctx context.Context, oldID string) (newID string, ok bool, err error)

	// Delete removes the session stored under id. Deleting an unknown id is
	// not an error.
	Delete(ctx context.Context, id string) error
}

// Errors returned by stores and by the Manager.
var (
	// ErrTooManySessions is returned by Create (and by Handle methods that
	// create a session) when the store is at its capacity and holds no
	// never-renewed session it could evict to make room: every stored
	// session belongs to a user who logged in. An HTTP server should answer
	// 503 Service Unavailable.
	ErrTooManySessions = errors.New("sessionstore: too many sessions")
	// ErrSessionTooLarge is matched (errors.Is) by the error of a Create or
	// Update whose session is over the store's per-session size limit; the
	// error's text gives the size and the limit. Nothing was written. An
	// HTTP server should answer 413 Content Too Large.
	ErrSessionTooLarge = errors.New("sessionstore: session too large")
	// ErrClosed is returned by every method of a MemoryStore after Close.
	ErrClosed = errors.New("sessionstore: store closed")
	// ErrNoExpiry is returned by Create when the session has no Expires time.
	ErrNoExpiry = errors.New("sessionstore: session has no expiry time")
	// ErrCommitted is returned by Handle methods that would have to send a
	// new cookie (creating a session, Renew) after Commit already produced
	// the response's Set-Cookie line.
	ErrCommitted = errors.New("sessionstore: session cookie already committed")
)

// DefaultMaxSessionSize is the default per-session size limit of every
// store, in bytes of keys and values ([Session.Size]): enough for a user
// name, a few flags and counters and a flash message, and small enough that
// a million sessions fit in a few gigabytes. Sessions are for small state;
// keep larger data elsewhere and store its key in the session.
const DefaultMaxSessionSize = 4 << 10

// CheckSize returns nil if s is within limit bytes ([Session.Size]) and
// otherwise an error matching ErrSessionTooLarge that gives both numbers.
// A limit of zero means DefaultMaxSessionSize; a negative limit means no
// limit. Stores call it in Create and Update.
func CheckSize(s *Session, limit int) error {
	if limit == 0 {
		limit = DefaultMaxSessionSize
	}
	if limit < 0 {
		return nil
	}
	if n := s.Size(); n > limit {
		return fmt.Errorf("%w: %d bytes of keys and values, limit %d", ErrSessionTooLarge, n, limit)
	}
	return nil
}

// NewID returns a fresh session id: a random UUID version 4 drawn from
// crypto/rand, in its canonical 36-character lowercase form. Stores use it to
// issue ids. It returns an error only if the system's random source fails.
func NewID() (string, error) {
	u, err := uuid.NewRandom()
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

// ParseID reports whether id has the exact shape of an id from NewID (36
// characters, lowercase hex, dashes at the canonical places, version 4,
// RFC 4122 variant) and returns its 16 bytes. Only that one spelling is
// accepted, so no two strings name the same session. It does not allocate.
func ParseID(id string) (u [16]byte, ok bool) {
	if len(id) != 36 || id[8] != '-' || id[13] != '-' || id[18] != '-' || id[23] != '-' {
		return u, false
	}
	var bad byte
	for i, at := range idHexAt {
		hi, lo := hexValue[id[at]], hexValue[id[at+1]]
		bad |= hi | lo
		u[i] = hi<<4 | lo&0x0f
	}
	if bad&0x80 != 0 || u[6]>>4 != 4 || u[8]&0xc0 != 0x80 {
		return [16]byte{}, false
	}
	return u, true
}

// idHexAt holds the offsets of the 16 hex pairs of a canonical UUID.
var idHexAt = [16]uint8{0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34}

// hexValue maps a lowercase hex digit to its value and every other byte to
// 0xff.
var hexValue = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := byte('0'); c <= '9'; c++ {
		t[c] = c - '0'
	}
	for c := byte('a'); c <= 'f'; c++ {
		t[c] = c - 'a' + 10
	}
	return t
}()
