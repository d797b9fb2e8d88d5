// Package tfbdb is the TechEmpower benchmark database: the World and
// Fortune tables as the benchmark defines them, their rows, and a
// throwaway PostgreSQL server (internal/pgtest) that holds them. The
// microframe servers of cmd/tfb, their peers under cmd/tfb/peers and the
// tests all use this one definition.
//
// The tables are created unquoted, so PostgreSQL folds their names to
// lower case: world(id, randomnumber) and fortune(id, message). Queries
// may spell them either way unquoted.
package tfbdb

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/microframe/microframe/internal/pgtest"
)

// Database is the name of the database Start creates, as in the benchmark.
const Database = "hello_world"

// WorldRows is the number of World rows; ids run 1..WorldRows, and every
// randomNumber is in 1..WorldRows too.
const WorldRows = 10000

// The statements every server runs, prepared under these short names on
// each connection of its pool (Prepare) and run by name. Run as SQL text
// instead, pgx prepares each under a name derived from a hash of its
// text, about 60 bytes long, repeated in every Bind message: a batch of
// 20 queries then outgrows the 1 KiB write buffer pgx keeps between
// flushes, and every batch allocated and grew a new one (4.7 KB more
// garbage per /queries?queries=20 request, from the allocs profile of
// cmd/tfb -pprof, 2026-12-07).
const (
	StmtWorld   = "world"   // $1 id → id, randomNumber
	StmtUpdate  = "update"  // $1 id, $2 randomNumber
	StmtFortune = "fortune" // → id, message of every row
)

// Statements maps each statement's name to its SQL.
var Statements = map[string]string{
	StmtWorld:   "SELECT id, randomNumber FROM World WHERE id = $1",
	StmtUpdate:  "UPDATE World SET randomNumber = $2 WHERE id = $1",
	StmtFortune: "SELECT id, message FROM Fortune",
}

// Prepare prepares every statement of Statements on c, a new connection
// of a pool (pgxpool.Config.AfterConnect). It returns the first error,
// and the pool then drops the connection.
func Prepare(ctx context.Context, c *pgx.Conn) error {
	for name, sql := range Statements {
		if _, err := c.Prepare(ctx, name, sql); err != nil {
			return fmt.Errorf("tfbdb: prepare %s: %w", name, err)
		}
	}
	return nil
}

// World is one row of the World table, encoded as the JSON test types
// send it.
type World struct {
	ID           int32 `json:"id"`
	RandomNumber int32 `json:"randomNumber"`
}

// Fortune is one row of the Fortune table.
type Fortune struct {
	ID      int32
	Message string
}

// RandomID returns a row id (and a randomNumber) uniform in 1..WorldRows.
func RandomID() int32 { return 1 + rand.Int32N(WorldRows) }

// Renumber gives every row of ws a new random number, the same one to
// rows that share an id (so that ws says what the table holds once they
// are written), and returns the indexes of the rows to write: one per
// distinct id, in increasing id order, the order in which concurrent
// batches of updates lock their rows without deadlock. order is its work
// space (may be nil); the result reuses it.
func Renumber(ws []World, order []int) []int {
	order = order[:0]
	for i := range ws {
		order = append(order, i)
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(ws[a].ID, ws[b].ID) })
	write := order[:0] // overwrites only entries already read
	for _, i := range order {
		if n := len(write); n > 0 && ws[write[n-1]].ID == ws[i].ID {
			ws[i].RandomNumber = ws[write[n-1]].RandomNumber
			continue
		}
		ws[i].RandomNumber = RandomID()
		write = append(write, i)
	}
	return write
}

// AdditionalFortune is the message the /fortunes test adds, with id 0, at
// request time.
const AdditionalFortune = "Additional fortune added at request time."

// WithAdditional adds the request-time fortune (id 0, AdditionalFortune)
// to fs and sorts them by message, as the /fortunes test asks.
func WithAdditional(fs []Fortune) []Fortune {
	fs = append(fs, Fortune{ID: 0, Message: AdditionalFortune})
	slices.SortFunc(fs, func(a, b Fortune) int { return cmp.Compare(a.Message, b.Message) })
	return fs
}

// Fortunes are the benchmark's Fortune rows: Fortunes[i] has id i+1. The
// slice must not be modified.
var Fortunes = []string{
	"fortune: No such file or directory",
	"A computer scientist is someone who fixes things that aren't broken.",
	"After enough decimal places, nobody gives a damn.",
	"A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1",
	"A computer program does what you tell it to do, not what you want it to do.",
	"Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen",
	"Any program that runs right is obsolete.",
	"A list is only as strong as its weakest link. — Donald Knuth",
	"Feature: A bug with seniority.",
	"Computers make very fast, very accurate mistakes.",
	`<script>alert("This should not be displayed in a browser alert box.");</script>`,
	"フレームワークのベンチマーク",
}

// Schema creates the two tables, empty.
const Schema = `CREATE TABLE World (
  id integer NOT NULL PRIMARY KEY,
  randomNumber integer NOT NULL DEFAULT 0
);
CREATE TABLE Fortune (
  id integer NOT NULL PRIMARY KEY,
  message varchar(2048) NOT NULL
);
`

// SQL returns the statements that create the tables and fill them: World
// with WorldRows rows whose randomNumber is drawn uniformly from
// 1..WorldRows (a new draw at every call), Fortune with Fortunes. It is
// for psql (pgtest's Exec) or any driver that runs several statements at
// once; the tables must not exist yet.
func SQL() string {
	var b strings.Builder
	b.WriteString(Schema)
	b.WriteString("INSERT INTO World (id, randomNumber) VALUES\n")
	for id := 1; id <= WorldRows; id++ {
		if id > 1 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "(%d, %d)", id, 1+rand.IntN(WorldRows))
	}
	b.WriteString(";\nINSERT INTO Fortune (id, message) VALUES\n")
	for i, m := range Fortunes {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "(%d, %s)", i+1, quote(m))
	}
	b.WriteString(";\nANALYZE;\n")
	return b.String()
}

// quote is m as an SQL string literal.
func quote(m string) string {
	return "'" + strings.ReplaceAll(m, "'", "''") + "'"
}

// Create creates database name on srv (a plain identifier) with the
// tables and rows of SQL, and returns its URL.
func Create(srv *pgtest.Server, name string) (string, error) {
	url, err := srv.CreateDatabase(name)
	if err != nil {
		return "", err
	}
	if err := srv.Exec(name, SQL()); err != nil {
		return "", fmt.Errorf("tfbdb: %w", err)
	}
	return url, nil
}

// Start starts a throwaway PostgreSQL server (see pgtest.Start for opts)
// holding the database Database, created by Create, and returns the
// server and the database's URL. The caller must Close the server, which
// removes it and its data.
func Start(opts pgtest.Options) (*pgtest.Server, string, error) {
	srv, err := pgtest.Start(opts)
	if err != nil {
		return nil, "", err
	}
	url, err := Create(srv, Database)
	if err != nil {
		srv.Close()
		return nil, "", err
	}
	return srv, url, nil
}

// Check reports, as an error naming the first difference, whether the
// database at srv/name holds the benchmark's data: WorldRows World rows
// with ids 1..WorldRows and every randomNumber in 1..WorldRows, and
// exactly the Fortunes. It reads through psql, for tests.
func Check(srv *pgtest.Server, name string) error {
	out, err := srv.Query(name, "SELECT count(*), min(id), max(id), min(randomNumber), max(randomNumber) FROM World")
	if err != nil {
		return err
	}
	want := strings.Join([]string{strconv.Itoa(WorldRows), "1", strconv.Itoa(WorldRows)}, "|")
	f := strings.Split(out, "|")
	if len(f) != 5 || strings.Join(f[:3], "|") != want {
		return fmt.Errorf("tfbdb: World has count|min(id)|max(id)|min|max = %s, want %s|…", out, want)
	}
	lo, _ := strconv.Atoi(f[3])
	hi, _ := strconv.Atoi(f[4])
	if lo < 1 || hi > WorldRows {
		return fmt.Errorf("tfbdb: World randomNumber spans %d..%d, outside 1..%d", lo, hi, WorldRows)
	}
	out, err = srv.Query(name, "SELECT message FROM Fortune ORDER BY id")
	if err != nil {
		return err
	}
	if got := strings.Split(out, "\n"); strings.Join(got, "\n") != strings.Join(Fortunes, "\n") {
		return fmt.Errorf("tfbdb: Fortune rows are %q, want %q", got, Fortunes)
	}
	return nil
}
