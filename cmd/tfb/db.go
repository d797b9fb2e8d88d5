package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/microframe/microframe/cmd/tfb/internal/tfbdb"
)

// errNoDB is wrapped by every error of a DB method: the handlers answer
// 503 Service Unavailable for it. In this benchmark a failing database
// (down, restarting, too slow for the request's timeout) is the only way
// a query fails.
var errNoDB = errors.New("tfb: database unavailable")

// World and Fortune are the rows of the benchmark's tables, defined once
// for every server in internal/tfbdb.
type (
	World   = tfbdb.World
	Fortune = tfbdb.Fortune
)

// DB is the benchmark database behind a pgx connection pool. Its methods
// are safe for concurrent use; each bounds its work by Timeout.
type DB struct {
	pool *pgxpool.Pool
	// Timeout bounds each request's database work (waiting for a pool
	// connection, connecting, the queries); past it the method fails
	// with errNoDB.
	Timeout time.Duration
}

// openDB makes a pool of at most size connections to url. It connects
// lazily: a database that is down makes requests fail (503), not the
// start, and the pool reconnects when it is back. Each connection
// attempt is bounded by connectTimeout.
func openDB(url string, size int, connectTimeout, timeout time.Duration) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("tfb: -db: %w", err)
	}
	cfg.MaxConns = int32(size)
	cfg.ConnConfig.ConnectTimeout = connectTimeout
	// Broken connections are found by the queries that use them; the
	// periodic check only matters for idle ones.
	cfg.HealthCheckPeriod = 5 * time.Second
	// Each new connection prepares the statements the methods run by name.
	cfg.AfterConnect = tfbdb.Prepare
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("tfb: %w", err)
	}
	return &DB{pool: pool, Timeout: timeout}, nil
}

// Close closes every connection of the pool, waiting for those in use.
func (d *DB) Close() { d.pool.Close() }

// context bounds the database work of one request.
func (d *DB) context(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(parent, d.Timeout)
}

// fail wraps err as errNoDB.
func fail(err error) error { return fmt.Errorf("%w: %w", errNoDB, err) }

// randomWorld reads one random row into w.
func (d *DB) randomWorld(ctx context.Context, w *World) error {
	ctx, cancel := d.context(ctx)
	defer cancel()
	if err := d.pool.QueryRow(ctx, tfbdb.StmtWorld, tfbdb.RandomID()).Scan(&w.ID, &w.RandomNumber); err != nil {
		return fail(err)
	}
	return nil
}

// randomWorlds fills ws with random rows, one single-row query each, sent
// together as one pgx batch (one round trip).
func (d *DB) randomWorlds(ctx context.Context, ws []World) error {
	ctx, cancel := d.context(ctx)
	defer cancel()
	return d.readWorlds(ctx, ws)
}

func (d *DB) readWorlds(ctx context.Context, ws []World) error {
	if len(ws) == 1 {
		if err := d.pool.QueryRow(ctx, tfbdb.StmtWorld, tfbdb.RandomID()).Scan(&ws[0].ID, &ws[0].RandomNumber); err != nil {
			return fail(err)
		}
		return nil
	}
	var b pgx.Batch
	for range ws {
		b.Queue(tfbdb.StmtWorld, tfbdb.RandomID())
	}
	br := d.pool.SendBatch(ctx, &b)
	for i := range ws {
		if err := br.QueryRow().Scan(&ws[i].ID, &ws[i].RandomNumber); err != nil {
			br.Close()
			return fail(err)
		}
	}
	if err := br.Close(); err != nil {
		return fail(err)
	}
	return nil
}

// updateWorlds reads len(ws) random rows into ws (as randomWorlds), gives
// each a new random number in 1..tfbdb.WorldRows and writes them, one
// single-row UPDATE per distinct id in one batch. The batch runs as one
// implicit transaction, so its rows are locked in id order: concurrent
// calls cannot deadlock. An id drawn twice gets one new number, so that
// ws says what the table holds after the write. Its work space is order
// (may be nil), which it returns, grown, for reuse.
func (d *DB) updateWorlds(ctx context.Context, ws []World, order []int) ([]int, error) {
	ctx, cancel := d.context(ctx)
	defer cancel()
	if err := d.readWorlds(ctx, ws); err != nil {
		return order, err
	}
	order = tfbdb.Renumber(ws, order)
	var b pgx.Batch
	for _, i := range order {
		b.Queue(tfbdb.StmtUpdate, ws[i].ID, ws[i].RandomNumber)
	}
	if err := d.pool.SendBatch(ctx, &b).Close(); err != nil {
		return order, fail(err)
	}
	return order, nil
}

// fortunes appends every Fortune row to dst, in the table's order.
func (d *DB) fortunes(ctx context.Context, dst []Fortune) ([]Fortune, error) {
	ctx, cancel := d.context(ctx)
	defer cancel()
	rows, err := d.pool.Query(ctx, tfbdb.StmtFortune)
	if err != nil {
		return dst, fail(err)
	}
	defer rows.Close()
	var f Fortune
	for rows.Next() {
		if err := rows.Scan(&f.ID, &f.Message); err != nil {
			return dst, fail(err)
		}
		dst = append(dst, f)
	}
	if err := rows.Err(); err != nil {
		return dst, fail(err)
	}
	return dst, nil
}

// queryCount is the queries parameter of /queries and /updates as the
// benchmark reads it: an integer clamped to 1..500, and 1 when it is
// missing, empty or not an integer. An integer is strconv.Atoi's form
// (an optional sign, then decimal digits); one beyond 500, however long,
// is 500. Both handlers use it, on the raw bytes (native) or the decoded
// string (framework), without allocating.
func queryCount[T ~string | ~[]byte](v T) int {
	i := 0
	neg := false
	if len(v) > 0 && (v[0] == '+' || v[0] == '-') {
		neg = v[0] == '-'
		i = 1
	}
	if i == len(v) {
		return 1
	}
	n := 0
	for ; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 1
		}
		if n > (1<<31)/10 { // far beyond 500: only its validity matters now
			n = 1 << 31
			continue
		}
		n = n*10 + int(c-'0')
	}
	switch {
	case neg || n < 1:
		return 1
	case n > 500:
		return 500
	}
	return n
}

// world reads the randomNumber of row id, for the verifier's -db check.
func (d *DB) world(ctx context.Context, id int32) (int32, error) {
	ctx, cancel := d.context(ctx)
	defer cancel()
	var n int32
	if err := d.pool.QueryRow(ctx, "SELECT randomNumber FROM World WHERE id = $1", id).Scan(&n); err != nil {
		return 0, fail(err)
	}
	return n, nil
}
