package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Renewed sessions are kept without a Redis time to live, so that a Redis
// whose maxmemory-policy is volatile-lru (or volatile-ttl, volatile-random)
// evicts only sessions that were never renewed: Redis evicts nothing but
// keys with a time to live under those policies. Their expiry is enforced
// by the store instead: Get and Update never return them after Expires,
// and each is listed, with its expiry as score, in a sorted set of its hash
// tag, Prefix + "{" + tag + "}renewed" (4096 of them at most), which
// Sweep walks to delete the ones that expired.

// tags is the number of hash tags: tagLen hex digits.
const tags = 1 << (4 * tagLen)

// sweepBatch is how many expired sessions of one tag a sweep round takes.
const sweepBatch = 100

// indexKey returns the key of the index of renewed sessions that shares
// id's hash tag.
func (s *Store) indexKey(id string) string {
	return s.prefix + "{" + id[:tagLen] + "}renewed"
}

// sweepScript deletes a renewed session if its indexed expiry has passed.
//
//	KEYS[1]  the session's key
//	KEYS[2]  the index of its hash tag
//	ARGV[1]  the session's id
//	ARGV[2]  now, in Unix milliseconds
//
// It returns 1 if it deleted the session, 0 if the session was touched in
// the meantime (or is already gone).
var sweepScript = redis.NewScript(`
local exp = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not exp or tonumber(exp) > tonumber(ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[1])
return 1
`)

// Sweep deletes the renewed sessions whose expiry has passed, and returns
// how many it deleted. Until it runs, such a session is not found but
// still takes memory in Redis; run it every few minutes from one or more
// instances (RunSweeper does), as each pass reads all 4096 indexes. Passes
// running at once in several processes are harmless. On a failure it
// returns the count so far and an *Error of operation "sweep".
func (s *Store) Sweep(ctx context.Context) (int, error) {
	now := strconv.FormatInt(time.Now().UnixMilli(), 10)
	removed := 0
	for {
		pipe := s.rdb.Pipeline()
		cmds := make([]*redis.StringSliceCmd, tags)
		for t := range tags {
			cmds[t] = pipe.ZRangeByScore(ctx, s.indexKey(fmt.Sprintf("%03x", t)),
				&redis.ZRangeBy{Min: "-inf", Max: now, Count: sweepBatch})
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return removed, &Error{Op: "sweep", Err: err}
		}
		full := false
		for _, cmd := range cmds {
			ids := cmd.Val()
			full = full || len(ids) == sweepBatch
			for _, id := range ids {
				if len(id) < tagLen {
					continue
				}
				n, err := sweepScript.Run(ctx, s.rdb, []string{s.key(id), s.indexKey(id)}, id, now).Int()
				if err != nil {
					return removed, &Error{Op: "sweep", Err: err}
				}
				removed += n
			}
		}
		if !full {
			return removed, nil
		}
	}
}

// RunSweeper calls Sweep every interval until ctx ends, and returns then.
// Failures are logged (Options.Logger) and retried at the next interval.
// Run it in a goroutine of its own.
func (s *Store) RunSweeper(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("redisstore: sweeping expired renewed sessions failed", "err", err, "removed", n)
		}
	}
}
