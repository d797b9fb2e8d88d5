package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/microframe/microframe/framework"
)

// schema is created at start when missing.
const schema = `CREATE TABLE IF NOT EXISTS bookmarks (
	id         bigserial PRIMARY KEY,
	url        text NOT NULL,
	title      text NOT NULL,
	tags       text[] NOT NULL DEFAULT '{}',
	created_at timestamptz NOT NULL DEFAULT now()
)`

// Bookmark is a row of the bookmarks table, as the API sends it.
type Bookmark struct {
	ID        int64     `json:"id"`
	URL       string    `json:"url"`
	Title     string    `json:"title"`
	Tags      []string  `json:"tags"`
	CreatedAt time.Time `json:"created_at"`
}

// errUnavailable marks the errors of a database that cannot be reached.
var errUnavailable = errors.New("database unavailable")

// The framework answers these errors itself, wherever a handler returns
// them with framework.Error: no row is a 404, no database a 503.
func init() {
	framework.RegisterErrorStatus(pgx.ErrNoRows, http.StatusNotFound)
	framework.RegisterErrorStatus(errUnavailable, http.StatusServiceUnavailable)
}

// store runs the service's queries on a connection pool.
type store struct{ db *pgxpool.Pool }

// migrate creates the schema.
func (s store) migrate(ctx context.Context) error {
	_, err := s.db.Exec(ctx, schema)
	return check(err)
}

const columns = `id, url, title, tags, created_at`

// list returns up to limit bookmarks, oldest first; with a tag, only
// those that carry it.
func (s store) list(ctx context.Context, tag string, limit int) ([]Bookmark, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+columns+` FROM bookmarks
		WHERE $1 = '' OR $1 = ANY(tags) ORDER BY id LIMIT $2`, tag, limit)
	bs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Bookmark])
	return bs, check(err)
}

func (s store) get(ctx context.Context, id int64) (Bookmark, error) {
	return s.one(ctx, `SELECT `+columns+` FROM bookmarks WHERE id = $1`, id)
}

func (s store) create(ctx context.Context, in bookmarkInput) (Bookmark, error) {
	return s.one(ctx, `INSERT INTO bookmarks (url, title, tags) VALUES ($1, $2, $3)
		RETURNING `+columns, in.URL, in.Title, in.tags())
}

func (s store) update(ctx context.Context, id int64, in bookmarkInput) (Bookmark, error) {
	return s.one(ctx, `UPDATE bookmarks SET url = $2, title = $3, tags = $4 WHERE id = $1
		RETURNING `+columns, id, in.URL, in.Title, in.tags())
}

func (s store) delete(ctx context.Context, id int64) error {
	tag, err := s.db.Exec(ctx, `DELETE FROM bookmarks WHERE id = $1`, id)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return check(err)
}

// one runs a query that returns one bookmark, or pgx.ErrNoRows.
func (s store) one(ctx context.Context, sql string, args ...any) (Bookmark, error) {
	rows, _ := s.db.Query(ctx, sql, args...)
	b, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Bookmark])
	return b, check(err)
}

// ping checks that the database answers.
func (s store) ping(ctx context.Context) error { return check(s.db.Ping(ctx)) }

// check marks err with errUnavailable when it means that the database
// could not be reached or the connection to it was lost, rather than that
// it refused the statement (a *pgconn.PgError, a bug here: 500) or found
// no row (404). A cancelled or expired context stays as it is.
func check(err error) error {
	var pe *pgconn.PgError
	switch {
	case err == nil, errors.Is(err, pgx.ErrNoRows),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.As(err, &pe) && !strings.HasPrefix(pe.Code, "08") && !strings.HasPrefix(pe.Code, "57"):
		return err // not a connection exception (08) or a shutdown (57)
	}
	return fmt.Errorf("%w: %w", errUnavailable, err)
}
