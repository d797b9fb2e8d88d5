// Package redisstore is a sessionstore.Store that keeps sessions in Redis,
// so that several instances of a server behind a load balancer share them:
// a user logged in through one instance is logged in on all of them, and
// stays logged in when one of them stops.
//
// It is its own Go module, so that only programs that use Redis pull in a
// Redis driver (github.com/redis/go-redis/v9).
//
// # Topologies
//
// [New] takes any go-redis client of one of two kinds, which
// redis.NewUniversalClient picks from its options:
//
//   - a *redis.Client: one Redis (Addrs with one address), or the master of
//     a Sentinel group (MasterName set; go-redis follows the Sentinels to
//     the new master after a failover);
//   - a *redis.ClusterClient: a Redis Cluster (Addrs with several
//     addresses), whose sessions are spread over the cluster's masters.
//
// # How sessions are kept
//
// A session is one Redis string under the key Prefix + "{" + the first three
// characters of its id + "}" + id, for example
// "session:{3f2}3f2a8c1e-...". The braces are a Redis Cluster hash tag:
// only the three characters between them pick the key's hash slot. [Store.Renew]
// gives the new id the same first three characters, so the old and the new
// key are always in one slot, on one node, and the move is one atomic Lua
// script on any topology. The new id's other 110 bits are fresh random
// bits: whoever knew the old id (a session fixation) still has 110 unknown
// bits to guess, against 122 for an id from Create.
//
// The value is 16 bytes of version token, then the session's binary
// encoding ([sessionstore.Session.MarshalBinary]). Get and Update compare
// Expires with this process's clock, so a session is never returned after
// its Expires even while its key still exists.
//
// # Full Redis: anonymous sessions are evicted, renewed ones never
//
// A session that was never renewed (an anonymous visitor's) carries a
// Redis time to live that ends at its Expires, so Redis itself forgets it.
// A renewed one ([sessionstore.Session.Renewed]: its user logged in) has no
// time to live: it is listed with its expiry in a sorted set of its hash
// tag instead, and [Store.Sweep] (or [Store.RunSweeper]) deletes it once
// it expired. With maxmemory and a volatile-* policy (volatile-lfu or
// volatile-lru), Redis evicts only keys with a time to live: a flood of
// anonymous sessions then evicts anonymous sessions, never a logged-in
// user's, and new visitors keep getting sessions. Only a Redis full of
// renewed sessions refuses writes ([sessionstore.ErrTooManySessions]).
// Create and Update refuse a session over [Options.MaxSessionSize] with
// an error matching [sessionstore.ErrSessionTooLarge].
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
// Each write carries a fresh token, which makes every script safe to run
// twice: a write resent after a lost reply, or after a failover, that finds
// its own token reports success instead of applying the change a second
// time.
//
// # Writes reach a replica before they are acknowledged
//
// Redis replicates asynchronously: a master that dies may take its last
// writes with it. So every write (Create, Update, Renew, Delete) is sent
// to the master that owns the session's key together with WAIT, on the
// same connection, in one pipeline, and the method returns only once
// [Options.Replicas] replicas (one by default) have the write, or
// [Options.WaitTimeout] has passed. A master that has fewer replicas than
// that (a single Redis, or a master right after a failover, before its new
// replica has synced) is written to without waiting: the write is then
// acknowledged by the master alone, which [Store.Stats] counts and which is
// logged at most once a minute per master. The replica count of a
// master is learnt from INFO replication, at most once a second while it is
// short.
//
// # Failures and failover
//
// Every failure of Redis (refused connection, timeout, error reply,
// corrupt value) is returned as an [*Error], which names the operation and
// wraps the cause. Its StatusCode method answers 503 Service Unavailable,
// which package framework uses as the response's status, so a Redis outage
// shows as 503 to clients and as a logged error, never as a fresh empty
// session. Timeouts are those of the go-redis client (DialTimeout,
// ReadTimeout, WriteTimeout) and of the request's context.
//
// When a master dies, its keys are unreachable until a replica is promoted
// (by the cluster itself, or by Sentinel). After a failure a cluster store
// asks go-redis to reload the slot map, so the first request after the
// promotion goes to the new master; a write answered MOVED (its slot moved
// to another master: a failover, or resharding) is sent again, up to three
// times, to the slot's new owner. With [Options.RetryFor] set, a failed
// operation is also retried for that long (after a moment, with the slot
// map reloaded), so that a failover shows to clients as a slower request
// rather than an error.
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/microframe/microframe/sessionstore"
	"github.com/redis/go-redis/v9"
)

// DefaultPrefix is the key prefix used when Options.Prefix is empty.
const DefaultPrefix = "session:"

// Defaults of Options.
const (
	// DefaultWaitTimeout is how long a write waits for its replicas when
	// Options.WaitTimeout is zero.
	DefaultWaitTimeout = 500 * time.Millisecond
)

// Options configures New. The zero value gives the defaults.
type Options struct {
	// Prefix is put before each session's key, so that sessions can share
	// a database with other data, or two applications one Redis. Empty
	// means DefaultPrefix. It must not contain "{" or "}", which would
	// change the keys' hash tag.
	Prefix string

	// Replicas is how many replicas of the owning master must have a write
	// before the write is acknowledged (Redis WAIT). Zero means 1; a
	// negative value means never wait, as with Redis alone. A master with
	// fewer replicas than this is written to without waiting; see the
	// package documentation.
	Replicas int

	// WaitTimeout bounds the wait for replicas; zero means
	// DefaultWaitTimeout. A write whose replicas did not confirm it in
	// time is still acknowledged, and counted as unreplicated. Keep it
	// below the client's ReadTimeout.
	WaitTimeout time.Duration

	// RetryFor is how long an operation that failed for a reason a
	// failover causes (a refused or broken connection, a timeout, MOVED,
	// CLUSTERDOWN, TRYAGAIN, READONLY, LOADING, MASTERDOWN) is retried, a
	// few times a second, before its error is returned. Zero means no
	// retries beyond the go-redis client's own. A request's context still
	// bounds every retry.
	RetryFor time.Duration

	// MaxSessionSize is the per-session size limit (see
	// sessionstore.CheckSize): zero means
	// sessionstore.DefaultMaxSessionSize, a negative value no limit.
	MaxSessionSize int

	// Logger receives the warnings about masters without replicas; nil
	// means slog.Default().
	Logger *slog.Logger
}

// Stats counts the writes of one Store since New.
type Stats struct {
	// Writes is the number of writes sent (Create, Update, Renew, Delete;
	// a compare-and-set round that lost is not a write).
	Writes uint64
	// Replicated is the number of writes that Options.Replicas replicas
	// confirmed before they were acknowledged.
	Replicated uint64
	// Unreplicated is the number of writes acknowledged by the master alone:
	// it had fewer replicas than Options.Replicas, or they did not confirm
	// within Options.WaitTimeout. Such a write is lost if the master dies
	// before replicating it. Always equal to Writes when waiting is off.
	Unreplicated uint64
	// Retries is the number of operations sent again after a failure
	// (Options.RetryFor).
	Retries uint64
}

// Store is a sessionstore.Store backed by Redis. It is safe for concurrent
// use; any number of Stores, in any number of processes, may share one
// Redis deployment and see the same sessions.
type Store struct {
	rdb     redis.UniversalClient
	single  *redis.Client        // rdb, when it is a single node or Sentinel client
	cluster *redis.ClusterClient // rdb, when it is a cluster client
	prefix  string

	replicas    int // 0: never wait
	waitTimeout time.Duration
	retryFor    time.Duration
	maxSize     int
	log         *slog.Logger

	nodes sync.Map // master address → *nodeState
	stats struct{ writes, replicated, unreplicated, retries atomic.Uint64 }

	// locks serialise updates of one session within this process; a
	// session uses the stripe its id's first random byte picks.
	locks [256]chan struct{}
}

var _ sessionstore.Store = (*Store)(nil)

// New returns a Store that keeps sessions in the Redis deployment client
// talks to: a *redis.Client (one Redis, or a Sentinel group's master) or a
// *redis.ClusterClient (a Redis Cluster), as redis.NewUniversalClient
// returns. The Store does not own the client: close the client when the
// Store is no longer used. New does not contact Redis (see Ping). It panics
// if client is nil or of another kind, or if opts.Prefix contains a brace.
func New(client redis.UniversalClient, opts Options) *Store {
	s := &Store{rdb: client, prefix: opts.Prefix, replicas: opts.Replicas,
		waitTimeout: opts.WaitTimeout, retryFor: opts.RetryFor, maxSize: opts.MaxSessionSize, log: opts.Logger}
	switch c := client.(type) {
	case *redis.Client:
		if c == nil {
			panic("redisstore: New with nil client")
		}
		s.single = c
	case *redis.ClusterClient:
		if c == nil {
			panic("redisstore: New with nil client")
		}
		s.cluster = c
	case nil:
		panic("redisstore: New with nil client")
	default:
		panic(fmt.Sprintf("redisstore: New with a %T; want a *redis.Client or a *redis.ClusterClient", client))
	}
	if strings.ContainsAny(s.prefix, "{}") {
		panic(fmt.Sprintf("redisstore: Options.Prefix %q contains a brace", s.prefix))
	}
	if s.prefix == "" {
		s.prefix = DefaultPrefix
	}
	switch {
	case s.replicas == 0:
		s.replicas = 1
	case s.replicas < 0:
		s.replicas = 0
	}
	if s.waitTimeout <= 0 {
		s.waitTimeout = DefaultWaitTimeout
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	for i := range s.locks {
		s.locks[i] = make(chan struct{}, 1)
	}
	return s
}

// Ping checks that Redis answers (every master, for a cluster), and
// returns an *Error if it does not. A server may call it at start-up to
// fail early with a clear message.
func (s *Store) Ping(ctx context.Context) error {
	var err error
	if s.cluster != nil {
		err = s.cluster.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			return c.Ping(ctx).Err()
		})
	} else {
		err = s.single.Ping(ctx).Err()
	}
	if err != nil {
		return &Error{Op: "ping", Err: err}
	}
	return nil
}

// Stats returns the counts of writes so far.
func (s *Store) Stats() Stats {
	return Stats{
		Writes:       s.stats.writes.Load(),
		Replicated:   s.stats.replicated.Load(),
		Unreplicated: s.stats.unreplicated.Load(),
		Retries:      s.stats.retries.Load(),
	}
}

// Error is a failure of Redis met by a Store method: the connection was
// refused or broke, a timeout passed, the caller's context ended, Redis
// answered with an error, or a stored value was corrupt. After an Error
// from Create, Update, Renew or Delete, the outcome is unknown: the change
// may or may not have been applied.
type Error struct {
	// Op is the Store method: "create", "get", "update", "renew",
	// "delete", "sweep" or "ping".
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

// tagLen is how many leading characters of an id form its key's hash tag.
const tagLen = 3

// key returns the Redis key of id, which must have passed ParseID.
func (s *Store) key(id string) string {
	return s.prefix + "{" + id[:tagLen] + "}" + id
}

// sameSlotID returns a fresh id that shares its key's hash slot with id:
// the first tagLen characters are id's, the rest new.
func sameSlotID(id string) (string, error) {
	fresh, err := sessionstore.NewID()
	if err != nil {
		return "", err
	}
	return id[:tagLen] + fresh[tagLen:], nil
}

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

// createScript stores a new session unless its key is taken.
//
//	KEYS[1]  the session's key
//	KEYS[2]  the index of renewed sessions of its hash tag
//	ARGV[1]  the value
//	ARGV[2]  the time to live in milliseconds
//	ARGV[3]  as ARGV[4] of updateScript: "" or a renewed session's expiry
//	ARGV[4]  the session's id
//
// It returns 1 when the value is in place (also when this very call
// already ran once) and 0 when the key holds another value.
var createScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur then
	if string.sub(cur, 1, 16) == string.sub(ARGV[1], 1, 16) then return 1 end
	return 0
end
if ARGV[3] == '' then
	redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else
	redis.call('SET', KEYS[1], ARGV[1])
	redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
end
return 1
`)

// Create implements sessionstore.Store. It returns sessionstore.ErrNoExpiry
// if sess.Expires is zero, and an *Error wrapping
// sessionstore.ErrTooManySessions if Redis refuses the write for lack of
// memory. A session whose Expires has already passed gets an id but is not
// stored: it is found by nobody, as the contract requires.
func (s *Store) Create(ctx context.Context, sess *sessionstore.Session) (string, error) {
	if sess.Expires.IsZero() {
		return "", sessionstore.ErrNoExpiry
	}
	if err := sessionstore.CheckSize(sess, s.maxSize); err != nil {
		return "", err
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
		// 122 random bits do not collide; a taken key just means another id.
		r, err := s.write(ctx, "create", createScript, []string{s.key(id), s.indexKey(id)},
			v, life.Milliseconds(), renewedScore(sess), id)
		if err != nil {
			return "", err
		}
		if r == 1 {
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
	_, sess, found, err := s.read(ctx, "get", s.key(id))
	return sess, found, err
}

// deleteScript removes a session.
//
//	KEYS[1]  the session's key
//	KEYS[2]  the index of renewed sessions of its hash tag
//	ARGV[1]  the session's id
var deleteScript = redis.NewScript(`
redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('DEL', KEYS[1])
`)

// Delete implements sessionstore.Store.
func (s *Store) Delete(ctx context.Context, id string) error {
	if _, ok := sessionstore.ParseID(id); !ok {
		return nil
	}
	_, err := s.write(ctx, "delete", deleteScript, []string{s.key(id), s.indexKey(id)}, id)
	return err
}
