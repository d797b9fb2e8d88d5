package redisstore

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/microframe/microframe/sessionstore"
	"github.com/redis/go-redis/v9"
)

// This file sends commands where they belong: writes to the master that
// owns the key, each with its WAIT on the same connection; reads through
// the client; and retries after failures that a failover causes.

// retryPause is the pause between two tries of an operation (RetryFor).
const retryPause = 100 * time.Millisecond

// logEvery is the least time between two warnings about one master
// without replicas.
const logEvery = time.Minute

// recheckEvery is how long a master's known shortage of replicas is
// trusted before INFO replication is asked again.
const recheckEvery = time.Second

// write runs script with keys and args on the master that owns keys[0]
// (every key of a script shares one hash slot), followed by WAIT on the
// same connection, and returns the script's integer result. Failures are
// *Errors of operation op, after the retries Options.RetryFor allows.
func (s *Store) write(ctx context.Context, op string, script *redis.Script, keys []string, args ...any) (int64, error) {
	var rt retrier
	for {
		r, err := s.writeOnce(ctx, script, keys, args)
		if err == nil {
			return r, nil
		}
		if !s.again(ctx, err, &rt) {
			return 0, fail(op, err)
		}
	}
}

// writeOnce is one try of write.
func (s *Store) writeOnce(ctx context.Context, script *redis.Script, keys []string, args []any) (int64, error) {
	node := s.single
	if s.cluster != nil {
		var err error
		if node, err = s.cluster.MasterForKey(ctx, keys[0]); err != nil {
			return 0, err
		}
	}
	st := s.nodeState(node)
	wait := s.replicas > 0 && st.enough(ctx, node, s.replicas)
	r, acked, err := s.pipeline(ctx, node, script, keys, args, wait, false)
	if redis.HasErrorPrefix(err, "NOSCRIPT") {
		// Not loaded on this node yet (a new or restarted one): the
		// script did not run, so sending its text is safe.
		r, acked, err = s.pipeline(ctx, node, script, keys, args, wait, true)
	}
	if err != nil {
		return 0, err
	}
	s.stats.writes.Add(1)
	if wait && acked >= int64(s.replicas) {
		s.stats.replicated.Add(1)
		return r, nil
	}
	s.stats.unreplicated.Add(1)
	if s.replicas > 0 {
		st.short(s, wait, acked)
	}
	return r, nil
}

// pipeline sends the script, and WAIT if wait, in one pipeline on one
// connection of node, and returns the script's result and WAIT's count.
// eval sends the script's text instead of its SHA1.
func (s *Store) pipeline(ctx context.Context, node *redis.Client, script *redis.Script, keys []string, args []any, wait, eval bool) (r, acked int64, err error) {
	pipe := node.Pipeline()
	var cmd *redis.Cmd
	if eval {
		cmd = script.Eval(ctx, pipe, keys, args...)
	} else {
		cmd = script.EvalSha(ctx, pipe, keys, args...)
	}
	var w *redis.Cmd
	if wait {
		w = pipe.Do(ctx, "wait", s.replicas, s.waitTimeout.Milliseconds())
	}
	_, _ = pipe.Exec(ctx) // each command carries its own error
	if r, err = cmd.Int64(); err != nil {
		return 0, 0, err
	}
	if wait {
		if acked, err = w.Int64(); err != nil {
			return 0, 0, err
		}
	}
	return r, acked, nil
}

// read returns the value and the live session under key; found is false
// when there is none. Failures are *Errors of operation op.
func (s *Store) read(ctx context.Context, op, key string) (v []byte, sess *sessionstore.Session, found bool, err error) {
	var rt retrier
	for {
		v, err = s.rdb.Get(ctx, key).Bytes()
		if errors.Is(err, redis.Nil) {
			return nil, nil, false, nil
		}
		if err == nil {
			break
		}
		if !s.again(ctx, err, &rt) {
			return nil, nil, false, fail(op, err)
		}
	}
	if sess, err = decode(v); err != nil {
		return nil, nil, false, &Error{Op: op, Err: err}
	}
	if !sess.Expires.After(time.Now()) {
		return nil, nil, false, nil
	}
	return v, sess, true, nil
}

// retrier is the retry state of one operation.
type retrier struct {
	deadline time.Time // the end of RetryFor, set at the first failure
	moved    int       // MOVED replies followed so far
}

// maxMoved bounds the MOVED replies one operation follows.
const maxMoved = 3

// again is called after an operation failed with err. It has a cluster
// client reload its slot map if err may come from a moved master, and
// reports, after a pause, whether to try again: for a MOVED reply (a slot
// moved to another master: resharding, or a failover), up to maxMoved
// times whatever RetryFor says; for the other errors a failover causes,
// until r.deadline (now + RetryFor at the first failure); and only while
// ctx lasts.
func (s *Store) again(ctx context.Context, err error, r *retrier) bool {
	if ctx.Err() != nil || !transient(err) {
		return false
	}
	if s.cluster != nil {
		s.cluster.ReloadState(ctx)
	}
	_, moved := redis.IsMovedError(err)
	switch {
	case moved && s.cluster != nil && r.moved < maxMoved:
		r.moved++
	case s.retryFor <= 0:
		return false
	default:
		now := time.Now()
		if r.deadline.IsZero() {
			r.deadline = now.Add(s.retryFor)
		}
		if !now.Before(r.deadline) {
			return false
		}
	}
	t := time.NewTimer(retryPause/2 + rand.N(retryPause))
	defer t.Stop()
	select {
	case <-t.C:
		s.stats.retries.Add(1)
		return true
	case <-ctx.Done():
		return false
	}
}

// transient reports whether err may be caused by a node failing or a
// failover in progress, so that the same operation may work a moment later.
func transient(err error) bool {
	if redis.IsOOMError(err) || errors.Is(err, redis.ErrClosed) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	if _, ok := redis.IsMovedError(err); ok {
		return true
	}
	if _, ok := redis.IsAskError(err); ok {
		return true
	}
	return redis.IsClusterDownError(err) || redis.IsTryAgainError(err) || redis.IsReadOnlyError(err) ||
		redis.IsLoadingError(err) || redis.IsMasterDownError(err)
}

// node is what a Store knows of one master's replicas.
type node struct {
	addr string

	mu       sync.Mutex
	replicas int       // as INFO replication last said; -1 when unknown
	checked  time.Time // when it said so
	lastLog  time.Time // last warning about this master
	unlogged uint64    // unreplicated writes since then, this one included
}

// nodeState returns the state of the master c talks to.
func (s *Store) nodeState(c *redis.Client) *node {
	addr := c.Options().Addr
	if v, ok := s.nodes.Load(addr); ok {
		return v.(*node)
	}
	v, _ := s.nodes.LoadOrStore(addr, &node{addr: addr, replicas: -1})
	return v.(*node)
}

// enough reports whether the master has at least want replicas, so that a
// write should wait for them. A count of want or more is trusted until a
// WAIT comes back short; a smaller or unknown one is asked again (INFO
// replication on c) when it is older than recheckEvery. When the master
// cannot be asked, enough says yes: the write will meet the same failure.
func (n *node) enough(ctx context.Context, c *redis.Client, want int) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.replicas >= want {
		return true
	}
	if n.replicas >= 0 && time.Since(n.checked) < recheckEvery {
		return false
	}
	info, err := c.Info(ctx, "replication").Result()
	if err != nil {
		n.replicas = -1
		return true
	}
	n.replicas, n.checked = connectedReplicas(info), time.Now()
	return n.replicas >= want
}

// short records a write that the master alone acknowledged: waited says
// whether it waited (and acked replicas confirmed it in time) or knew in
// advance that the master lacked replicas. It logs a warning at most every
// logEvery.
func (n *node) short(s *Store, waited bool, acked int64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if waited {
		n.replicas = -1 // ask again before the next write
	}
	n.unlogged++
	if time.Since(n.lastLog) < logEvery {
		return
	}
	reason := "the master has fewer replicas than wanted"
	if waited {
		reason = "the replicas did not confirm in time"
	}
	s.log.Warn("redisstore: session writes acknowledged by the master alone; they are lost if it fails now",
		"master", n.addr, "reason", reason, "wanted", s.replicas, "confirmed", acked,
		"writes", n.unlogged)
	n.lastLog, n.unlogged = time.Now(), 0
}

// connectedReplicas returns the connected_slaves count of an INFO
// replication reply, 0 if it has none.
func connectedReplicas(info string) int {
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "connected_slaves:"); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}
