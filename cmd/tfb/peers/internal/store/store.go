// Package store is the database half that every TechEmpower peer of
// microframe shares: a pgx connection pool with the benchmark's statements
// prepared on every connection, the four kinds of work the database test
// types do (one row, N rows, N updates, the fortunes), the clamp of the
// queries parameter, and the constants every peer sends alike (the Server
// header, the fortunes template). Keeping it in one place means the peers
// differ only where their frameworks do: routing, writing a response,
// encoding JSON, rendering the template.
//
// Every method bounds its work by Timeout, so a peer answers 503 within
// about two seconds when the database is away, and the pool reconnects
// when it returns.
package store

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/microframe/microframe/cmd/tfb/internal/tfbdb"
)

// ServerName is the value of the Server header every peer sends.
const ServerName = "TFB"

// Timeout bounds the database work of one request, connecting included;
// ConnectTimeout bounds each connection attempt. Both are cmd/tfb's
// defaults.
const (
	Timeout        = 2 * time.Second
	ConnectTimeout = time.Second
)

// MaxQueries is the most rows /queries and /updates work on.
const MaxQueries = 500

// FortunesTemplate is the html/template source of the /fortunes page,
// executed with a []Fortune. It is one line with no white space between
// tags, so that every server sends the same bytes.
const FortunesTemplate = `<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr>` +
	`{{range .}}<tr><td>{{.ID}}</td><td>{{.Message}}</td></tr>{{end}}</table></body></html>`

// Content types of the responses.
const (
	TypeText = "text/plain"
	TypeJSON = "application/json"
	TypeHTML = "text/html; charset=utf-8"
)

// World and Fortune are the rows of the benchmark's tables, defined once
// for every server in internal/tfbdb.
type (
	World   = tfbdb.World
	Fortune = tfbdb.Fortune
)

// Message is the body of /json.
type Message struct {
	Message string `json:"message"`
}

// DefaultPool is the default size of the connection pool: four
// connections per GOMAXPROCS, as cmd/tfb has it.
func DefaultPool() int { return 4 * runtime.GOMAXPROCS(0) }

// Config is what every peer's command line holds.
type Config struct {
	Addr string // address to listen on
	DB   string // PostgreSQL URL
	Pool int    // connections in the pool
}

// Flags parses the command line every peer takes: -addr, -db (default
// $DATABASE_URL) and -pool (default DefaultPool).
func Flags() Config {
	var c Config
	flag.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "address to listen on")
	flag.StringVar(&c.DB, "db", os.Getenv("DATABASE_URL"), "PostgreSQL URL (default $DATABASE_URL)")
	flag.IntVar(&c.Pool, "pool", DefaultPool(), "database connections in the pool")
	flag.Parse()
	return c
}

// DB is the connection pool; its methods are safe for concurrent use.
type DB struct {
	pool *pgxpool.Pool
}

// Open makes a pool of at most size connections to the database at url.
// It does not connect: the first request does, so a peer starts (and
// answers 503) while the database is away.
func Open(url string, size int) (*DB, error) {
	if url == "" {
		return nil, errors.New("store: no database URL (-db or DATABASE_URL)")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if size < 1 {
		size = DefaultPool()
	}
	cfg.MaxConns = int32(size)
	cfg.ConnConfig.ConnectTimeout = ConnectTimeout
	cfg.HealthCheckPeriod = 5 * time.Second // as cmd/tfb
	// Each new connection prepares the statements the methods run by name.
	cfg.AfterConnect = tfbdb.Prepare
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return &DB{pool: pool}, nil
}

// Close closes every connection of the pool.
func (db *DB) Close() { db.pool.Close() }

// World reads one random row.
func (db *DB) World(ctx context.Context) (World, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	var w World
	err := db.pool.QueryRow(ctx, tfbdb.StmtWorld, tfbdb.RandomID()).Scan(&w.ID, &w.RandomNumber)
	return w, err
}

// Worlds reads n random rows, one query each, sent as one batch.
func (db *DB) Worlds(ctx context.Context, n int) ([]World, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	return db.worlds(ctx, n)
}

func (db *DB) worlds(ctx context.Context, n int) ([]World, error) {
	ws := make([]World, n)
	if n == 1 {
		err := db.pool.QueryRow(ctx, tfbdb.StmtWorld, tfbdb.RandomID()).Scan(&ws[0].ID, &ws[0].RandomNumber)
		return ws, err
	}
	b := &pgx.Batch{}
	for range n {
		b.Queue(tfbdb.StmtWorld, tfbdb.RandomID())
	}
	res := db.pool.SendBatch(ctx, b)
	for i := range ws {
		if err := res.QueryRow().Scan(&ws[i].ID, &ws[i].RandomNumber); err != nil {
			res.Close()
			return nil, err
		}
	}
	return ws, res.Close()
}

// Update reads n random rows, gives each a new random number and writes
// them back, one statement per distinct id in one batch (one implicit
// transaction), in the order of their ids so that concurrent updates
// cannot deadlock. An id drawn twice gets one new number, so that what it
// returns (the rows with their new numbers, in the order they were read)
// is what the table holds. This is cmd/tfb's way, so that both do the
// same database work.
func (db *DB) Update(ctx context.Context, n int) ([]World, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	ws, err := db.worlds(ctx, n)
	if err != nil {
		return nil, err
	}
	b := &pgx.Batch{}
	for _, i := range tfbdb.Renumber(ws, nil) {
		b.Queue(tfbdb.StmtUpdate, ws[i].ID, ws[i].RandomNumber)
	}
	if err := db.pool.SendBatch(ctx, b).Close(); err != nil {
		return nil, err
	}
	return ws, nil
}

// Fortunes reads every fortune, adds the one of id 0
// (tfbdb.AdditionalFortune) and
// sorts them by message.
func (db *DB) Fortunes(ctx context.Context) ([]Fortune, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	rows, err := db.pool.Query(ctx, tfbdb.StmtFortune)
	if err != nil {
		return nil, err
	}
	fs := make([]Fortune, 0, 16)
	for rows.Next() {
		var f Fortune
		if err := rows.Scan(&f.ID, &f.Message); err != nil {
			rows.Close()
			return nil, err
		}
		fs = append(fs, f)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return tfbdb.WithAdditional(fs), nil
}

// Queries is the number of rows the queries parameter q asks for, clamped
// to 1..MaxQueries: missing, empty, not a number or below 1 is 1, and a
// number too large for an int is MaxQueries.
func Queries(q string) int {
	n, err := strconv.Atoi(q)
	switch {
	case errors.Is(err, strconv.ErrRange) && n > 0:
		return MaxQueries
	case err != nil || n < 1:
		return 1
	case n > MaxQueries:
		return MaxQueries
	}
	return n
}
