// Package redisstore is a sessionstore.Store that keeps sessions in Redis,
// so that several instances of a server behind a load balancer share them:
// a user logged in through one instance is logged in on all of them, and
// stays logged in when one of them stops.
//
// It is its own Go module, so that only programs that use Redis pull in a
// Redis driver (github.com/redis/go-redis/v9).
//
// # How sessions are kept
//
// A session is one Redis string under the key Prefix+id (by default
// "session:" followed by the UUID): 16 bytes of version token, then the
// session's binary encoding ([sessionstore.Session.MarshalBinary]). The key
// carries a Redis time to live that ends at the session's Expires, so Redis
// itself forgets dead sessions; nothing sweeps. Get and Update also compare
// Expires with this process's clock, so a session is never returned after
// its Expires even while its key still exists.
//
// # Atomic updates across processes
//
// [Store.Update] runs its callback in Go, so it cannot run inside Redis.
// It is an optimistic compare-and-set instead: read the value, apply the
// callback to a copy, then run a Lua script that writes the new value only
// if the stored token is still the one that was read. Redis runs a script
// as one step, so two instances that update one session at the same moment
// cannot both win: the loser reads again and re-applies its callback, and
// no update is lost. Within one process, updates of one session also wait
// for each other (a lock per stripe of ids), so the compare-and-set only
// retries when another process got in between.
//
// Each write carries a fresh token, which makes the script safe to run
// twice: go-redis resends a command whose reply was lost, and a resent
// script that finds its own token reports success instead of applying the
// callback a second time.
//
// # Failures
//
// Every failure of Redis (refused connection, timeout, error reply,
// corrupt value) is returned as an [*Error], which names the operation and
// wraps the cause. Its StatusCode method answers 503 Service Unavailable,
// which package framework uses as the response's status, so a Redis outage
// shows as 503 to clients and as a logged error, never as a fresh empty
// session. Timeouts are those of the redis.Client (DialTimeout,
// ReadTimeout, WriteTimeout) and of the request's context.
//
// Redis Cluster is not supported: Renew moves a session between two keys,
// which a cluster may keep on different nodes. A single Redis, or one
// behind Sentinel (redis.NewFailoverClient), is.
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/microframe/microframe/sessionstore"
	"github.com/redis/go-redis/v9"
)

// DefaultPrefix is the key prefix used when Options.Prefix is empty.
const DefaultPrefix = "session:"

// Options configures New. The zero value gives the defaults.
type Options struct {
	// Prefix is put before each session id to form its Redis key, so that
	// sessions can share a database with other data, or two applications
	// one Redis. Empty means DefaultPrefix.
	Prefix string
}

// Store is a sessionstore.Store backed by Redis. It is safe for concurrent
// use; any number of Stores, in any number of processes, may share one
// Redis and see the same sessions.
type Store struct {
	rdb    *redis.Client
	prefix string
	// locks serialise updates of one session within this process; a
	// session uses the stripe its id's first random byte picks.
	locks [256]chan struct{}
}

var _ sessionstore.Store = (*Store)(nil)

// New returns a Store that keeps sessions in the Redis client talks to.
// The Store does not own the client: close the client when the Store is no
// longer used. New does not contact Redis (see Ping); it panics if client
// is nil.
func New(client *redis.Client, opts Options) *Store {
	if client == nil {
		panic("redisstore: New with nil client")
	}
	s := &Store{rdb: client, prefix: opts.Prefix}
	if s.prefix == "" {
		s.prefix = DefaultPrefix
	}
	for i := range s.locks {
		s.locks[i] = make(chan struct{}, 1)
	}
	return s
}

// Ping checks that Redis answers, and returns an *Error if it does not. A
// server may call it at start-up to fail early with a clear message.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return &Error{Op: "ping", Err: err}
	}
	return nil
}

// Error is a failure of Redis met by a Store method: the connection was
// refused or broke, a timeout passed, the caller's context ended, Redis
// answered with an error, or a stored value was corrupt. After an Error from Update or Renew, the
// outcome is unknown: the change may or may not have been applied.
type Error struct {
	// Op is the Store method: "create", "get", "update", "renew",
	// "delete" or "ping".
	Op string
	// Err is the cause: an error of go-redis or of the network,
	// ErrConflict, ErrCorrupt, or sessionstore.ErrTooManySessions.
	Err error
}

// Error returns "redisstore: " followed by the operation and the cause.
func (e *Error) Error() string { return "redisstore: " + e.Op + " session: " + e.Err.Error() }

// Unwrap returns the cause, for errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// StatusCode returns 503 Service Unavailable: the store, not the request,
// failed, and the client may retry later. Package framework turns an error
// with this method into a response with that status.
func (e *Error) StatusCode() int { return http.StatusServiceUnavailable }

// Causes carried by an *Error besides those of go-redis.
var (
	// ErrConflict means an Update or Renew lost its compare-and-set to
	// concurrent writers of the same session too many times in a row.
	ErrConflict = errors.New("redisstore: too many concurrent writes to one session")
	// ErrCorrupt means the value under a session's key is not one this
	// package wrote.
	ErrCorrupt = errors.New("redisstore: corrupt session value")
)

// tokenLen is the length of the version token at the start of a value.
const tokenLen = 16

// key returns the Redis key of id.
func (s *Store) key(id string) string { return s.prefix + id }

// fail wraps a Redis failure. Redis refusing a write for lack of memory
// (maxmemory with the noeviction policy) is the store being full.
func fail(op string, err error) error {
	if redis.IsOOMError(err) {
		err = fmt.Errorf("%w (%w)", sessionstore.ErrTooManySessions, err)
	}
	return &Error{Op: op, Err: err}
}

// encode returns the value to store for sess: a fresh token, then the
// session's encoding.
func encode(sess *sessionstore.Session) ([]byte, error) {
	enc, err := sess.MarshalBinary()
	if err != nil {
		return nil, err
	}
	v := make([]byte, tokenLen, tokenLen+len(enc))
	for i := 0; i < tokenLen; i += 8 {
		u := rand.Uint64() // ChaCha8, seeded from the OS: unique enough
		for j := range 8 {
			v[i+j] = byte(u >> (8 * j))
		}
	}
	return append(v, enc...), nil
}

// decode returns the session stored in value v.
func decode(v []byte) (*sessionstore.Session, error) {
	if len(v) < tokenLen {
		return nil, ErrCorrupt
	}
	sess := new(sessionstore.Session)
	if err := sess.UnmarshalBinary(v[tokenLen:]); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return sess, nil
}

// ttl returns how long Redis should keep a session expiring at expires,
// seen at now: whole milliseconds, rounded down so that Redis never keeps
// a session past its expiry. Zero means the session is already dead.
func ttl(expires, now time.Time) time.Duration {
	d := expires.Sub(now).Truncate(time.Millisecond)
	if d <= 0 {
		return 0
	}
	return d
}

// Create implements sessionstore.Store. It returns sessionstore.ErrNoExpiry
// if sess.Expires is zero, and an *Error wrapping
// sessionstore.ErrTooManySessions if Redis refuses the write for lack of
// memory. A session whose Expires has already passed gets an id but is not
// stored: it is found by nobody, as the contract requires.
func (s *Store) Create(ctx context.Context, sess *sessionstore.Session) (string, error) {
	if sess.Expires.IsZero() {
		return "", sessionstore.ErrNoExpiry
	}
	now := time.Now()
	if sess.Created.IsZero() {
		sess.Created = now
	}
	v, err := encode(sess)
	if err != nil {
		return "", &Error{Op: "create", Err: err}
	}
	life := ttl(sess.Expires, now)
	for {
		id, err := sessionstore.NewID()
		if err != nil {
			return "", &Error{Op: "create", Err: err}
		}
		if life == 0 {
			return id, nil
		}
		// NX: never overwrite. 122 random bits do not collide, but a
		// resent SET whose first reply was lost finds its own value, and
		// then the loop simply stores the session again under another id
		// (the orphan expires with its TTL).
		created, err := s.rdb.SetNX(ctx, s.key(id), v, life).Result()
		if err != nil {
			return "", fail("create", err)
		}
		if created {
			return id, nil
		}
	}
}

// Get implements sessionstore.Store. It costs one Redis round trip, and
// none for a malformed id.
func (s *Store) Get(ctx context.Context, id string) (*sessionstore.Session, bool, error) {
	if _, ok := sessionstore.ParseID(id); !ok {
		return nil, false, nil
	}
	v, err := s.rdb.Get(ctx, s.key(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fail("get", err)
	}
	sess, err := decode(v)
	if err != nil {
		return nil, false, &Error{Op: "get", Err: err}
	}
	if !sess.Expires.After(time.Now()) {
		return nil, false, nil
	}
	return sess, true, nil
}

// Delete implements sessionstore.Store.
func (s *Store) Delete(ctx context.Context, id string) error {
	if _, ok := sessionstore.ParseID(id); !ok {
		return nil
	}
	if err := s.rdb.Del(ctx, s.key(id)).Err(); err != nil {
		return fail("delete", err)
	}
	return nil
}
