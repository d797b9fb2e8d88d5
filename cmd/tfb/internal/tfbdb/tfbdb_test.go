package tfbdb

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/microframe/microframe/internal/pgtest"
	"go.uber.org/goleak"
)

var srv *pgtest.Server

func TestMain(m *testing.M) { goleak.VerifyTestMain(pgtest.WithServer(m, &srv)) }

// runs makes a database name of its own for each run (-count).
var runs atomic.Int32

// TestCreate: the database holds the benchmark's rows, every value in range.
func TestCreate(t *testing.T) {
	pgtest.Need(t, srv)
	name := "tfbdb_create_" + strconv.Itoa(int(runs.Add(1)))
	if _, err := Create(srv, name); err != nil {
		t.Fatal(err)
	}
	if err := Check(srv, name); err != nil {
		t.Fatal(err)
	}
	// Unquoted names fold to lower case: both spellings work.
	if out, err := srv.Query(name, "SELECT count(*) FROM world WHERE randomnumber BETWEEN 1 AND 10000"); err != nil || out != "10000" {
		t.Fatalf("lower-case query: %q, %v", out, err)
	}
}

// TestSQLDraws: each call draws new random numbers, and quotes correctly.
func TestSQLDraws(t *testing.T) {
	a, b := SQL(), SQL()
	if a == b {
		t.Error("two calls of SQL gave the same World rows")
	}
	if !strings.Contains(a, "'A computer scientist is someone who fixes things that aren''t broken.'") {
		t.Error("the apostrophe is not doubled in the fortune literal")
	}
	if len(Fortunes) != 12 {
		t.Errorf("%d fortunes, want 12", len(Fortunes))
	}
}

// TestRenumber: rows sharing an id get the same new number, and the rows
// to write are one per id, in increasing id order, every number in range.
func TestRenumber(t *testing.T) {
	ws := []World{{ID: 7}, {ID: 3}, {ID: 7}, {ID: 1}, {ID: 3}, {ID: 7}}
	write := Renumber(ws, make([]int, 0, 2))
	var ids []int32
	for _, i := range write {
		ids = append(ids, ws[i].ID)
	}
	if fmt.Sprint(ids) != "[1 3 7]" {
		t.Fatalf("rows to write have ids %v, want [1 3 7]", ids)
	}
	byID := map[int32]int32{}
	for _, w := range ws {
		if w.RandomNumber < 1 || w.RandomNumber > WorldRows {
			t.Fatalf("id %d: number %d out of 1..%d", w.ID, w.RandomNumber, WorldRows)
		}
		if n, ok := byID[w.ID]; ok && n != w.RandomNumber {
			t.Fatalf("id %d has two numbers, %d and %d", w.ID, n, w.RandomNumber)
		}
		byID[w.ID] = w.RandomNumber
	}
}

// TestWithAdditional: the request-time fortune is added with id 0 and the
// list is sorted by message.
func TestWithAdditional(t *testing.T) {
	fs := WithAdditional([]Fortune{{ID: 2, Message: "b"}, {ID: 1, Message: "C"}})
	if fmt.Sprint(fs) != "[{0 "+AdditionalFortune+"} {1 C} {2 b}]" {
		t.Fatalf("got %v", fs)
	}
}

// TestPrepare: every statement is prepared on a connection and runs by
// its name, with the parameters its comment gives.
func TestPrepare(t *testing.T) {
	pgtest.Need(t, srv)
	name := "tfbdb_prepare_" + strconv.Itoa(int(runs.Add(1)))
	url, err := Create(srv, name)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if err := Prepare(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx, StmtUpdate, int32(7), int32(1234)); err != nil {
		t.Fatalf("%s: %v", StmtUpdate, err)
	}
	var w World
	if err := c.QueryRow(ctx, StmtWorld, int32(7)).Scan(&w.ID, &w.RandomNumber); err != nil {
		t.Fatalf("%s: %v", StmtWorld, err)
	}
	if w != (World{ID: 7, RandomNumber: 1234}) {
		t.Errorf("after the update, row 7 is %+v, want randomNumber 1234", w)
	}
	rows, err := c.Query(ctx, StmtFortune)
	if err != nil {
		t.Fatalf("%s: %v", StmtFortune, err)
	}
	fs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Fortune])
	if err != nil {
		t.Fatalf("%s: %v", StmtFortune, err)
	}
	if len(fs) != len(Fortunes) {
		t.Errorf("%s returned %d rows, want %d", StmtFortune, len(fs), len(Fortunes))
	}
}
