package tfbdb

import (
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

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
