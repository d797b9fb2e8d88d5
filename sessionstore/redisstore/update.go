package redisstore

import (
	"context"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/microframe/microframe/sessionstore"
	"github.com/redis/go-redis/v9"
)

// maxAttempts bounds the compare-and-set rounds of one Update or Renew.
// Updates of one session within a process take turns, so a round is lost
// only to another process; with a handful of instances a few rounds
// suffice.
const maxAttempts = 50

// updateScript writes a session's new value if nobody wrote it since the
// caller read it.
//
//	KEYS[1]  the session's key
//	KEYS[2]  the index of renewed sessions of its hash tag (see sweep.go)
//	ARGV[1]  the token of the value the caller read
//	ARGV[2]  the new value, starting with its own fresh token
//	ARGV[3]  the time to live in milliseconds; "0" deletes the session
//	ARGV[4]  "" for a session that is not renewed, stored with that time
//	         to live; for a renewed one, its expiry in Unix milliseconds:
//	         it is stored without a time to live and indexed instead
//	ARGV[5]  the session's id, its member in the index
//
// It returns 1 when the new value is in place (also when this very call
// already ran once: a client that resends a command whose reply was lost
// must not apply the update twice) and 0 when the key is gone or holds
// another writer's value.
var updateScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
local tok = string.sub(cur, 1, 16)
if tok == string.sub(ARGV[2], 1, 16) then return 1 end
if tok ~= ARGV[1] then return 0 end
if ARGV[3] == '0' then
	redis.call('DEL', KEYS[1])
	redis.call('ZREM', KEYS[2], ARGV[5])
elseif ARGV[4] == '' then
	redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
	redis.call('ZREM', KEYS[2], ARGV[5])
else
	redis.call('SET', KEYS[1], ARGV[2])
	redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
end
return 1
`)

// renewScript moves a session to a new key, as a renewed session (no time
// to live, in the index), if nobody wrote it since the caller read it.
//
//	KEYS[1]  the old key
//	KEYS[2]  the new key, in the old key's hash slot (same hash tag)
//	KEYS[3]  the index of renewed sessions of that hash tag
//	ARGV[1]  the token of the value the caller read under the old key
//	ARGV[2]  the new value, starting with its own fresh token
//	ARGV[3]  the session's expiry in Unix milliseconds
//	ARGV[4]  the old id
//	ARGV[5]  the new id
//
// It returns 1 when the session is under the new key (also for a resent
// call that already moved it), 0 when the old key is gone, 2 when it holds
// another writer's value, and -1 when the new key is taken.
var renewScript = redis.NewScript(`
local moved = redis.call('GET', KEYS[2])
if moved then
	if string.sub(moved, 1, 16) == string.sub(ARGV[2], 1, 16) then return 1 end
	return -1
end
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
if string.sub(cur, 1, 16) ~= ARGV[1] then return 2 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[3], ARGV[4])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[5])
return 1
`)

// renewedScore returns ARGV[4] of updateScript for sess: "" when it is
// not renewed, its expiry in Unix milliseconds when it is.
func renewedScore(sess *sessionstore.Session) string {
	if !sess.Renewed {
		return ""
	}
	return strconv.FormatInt(sess.Expires.UnixMilli(), 10)
}

// lock waits for this process's turn to write the session whose id parsed
// to u, or for ctx to end. The caller must call unlock when it succeeds.
func (s *Store) lock(ctx context.Context, u [16]byte) (chan struct{}, error) {
	l := s.locks[u[0]]
	select {
	case l <- struct{}{}:
		return l, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// unlock ends the turn taken by lock.
func unlock(l chan struct{}) { <-l }

// Update implements sessionstore.Store: see the package documentation for
// how it stays atomic across processes. fn runs once per compare-and-set
// round, usually once; the session it gets is a private copy decoded from
// Redis. If fn panics, nothing is written and the panic propagates. Update
// returns an *Error wrapping ErrConflict if it lost 50 rounds in a row to
// other processes, one wrapping ctx's error if ctx ended first, and an
// *Error when Redis fails, in which case the update may or may not have
// been applied.
func (s *Store) Update(ctx context.Context, id string, fn func(*sessionstore.Session) error) (bool, error) {
	u, ok := sessionstore.ParseID(id)
	if !ok {
		return false, nil
	}
	l, err := s.lock(ctx, u)
	if err != nil {
		return false, &Error{Op: "update", Err: err}
	}
	defer unlock(l)
	key := s.key(id)
	for attempt := 1; ; attempt++ {
		old, sess, found, err := s.read(ctx, "update", key)
		if err != nil || !found {
			return false, err
		}
		if err := fn(sess); err != nil {
			return true, err
		}
		if err := sessionstore.CheckSize(sess, s.maxSize); err != nil {
			return true, err
		}
		v, err := encode(sess)
		if err != nil {
			return false, &Error{Op: "update", Err: err}
		}
		life := ttl(sess.Expires, time.Now())
		won, err := s.write(ctx, "update", updateScript, []string{key, s.indexKey(id)},
			old[:tokenLen], v, life.Milliseconds(), renewedScore(sess), id)
		if err != nil {
			return false, err
		}
		if won == 1 {
			return true, nil
		}
		if err := pause(ctx, attempt); err != nil {
			return false, &Error{Op: "update", Err: err}
		}
	}
}

// Renew implements sessionstore.Store. The move is one Lua script, so an
// Update of the old id either completed before it (and its effect moves)
// or finds nothing. The session is marked Renewed and from then on kept
// without a Redis time to live (see the package documentation). Renew returns an
// *Error when Redis fails, in which case the session may or may not have
// moved.
func (s *Store) Renew(ctx context.Context, oldID string) (string, bool, error) {
	u, ok := sessionstore.ParseID(oldID)
	if !ok {
		return "", false, nil
	}
	l, err := s.lock(ctx, u)
	if err != nil {
		return "", false, &Error{Op: "renew", Err: err}
	}
	defer unlock(l)
	newID, err := sameSlotID(oldID)
	if err != nil {
		return "", false, &Error{Op: "renew", Err: err}
	}
	oldKey := s.key(oldID)
	for attempt := 1; ; attempt++ {
		old, sess, found, err := s.read(ctx, "renew", oldKey)
		if err != nil || !found {
			return "", false, err
		}
		sess.Renewed = true
		v, err := encode(sess)
		if err != nil {
			return "", false, &Error{Op: "renew", Err: err}
		}
		r, err := s.write(ctx, "renew", renewScript, []string{oldKey, s.key(newID), s.indexKey(oldID)},
			old[:tokenLen], v, sess.Expires.UnixMilli(), oldID, newID)
		if err != nil {
			return "", false, err
		}
		switch r {
		case 1:
			return newID, true, nil
		case 0:
			return "", false, nil
		case -1: // the new id is taken: 122 random bits collided
			if newID, err = sameSlotID(oldID); err != nil {
				return "", false, &Error{Op: "renew", Err: err}
			}
		}
		if err := pause(ctx, attempt); err != nil {
			return "", false, &Error{Op: "renew", Err: err}
		}
	}
}

// pause waits before compare-and-set round attempt+1: not at all after the
// first lost round, then a random time that grows with attempt, so that
// writers in different processes stop colliding. It returns an *Error's
// cause, ErrConflict after maxAttempts rounds or ctx's error if ctx ends.
func pause(ctx context.Context, attempt int) error {
	if attempt >= maxAttempts {
		return ErrConflict
	}
	if attempt < 2 {
		return ctx.Err()
	}
	d := time.Duration(rand.Int64N(int64(min(attempt, 20)) * int64(250*time.Microsecond)))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
