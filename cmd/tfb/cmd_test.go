package main

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/microframe/microframe/cmd/tfb/internal/tfbdb"
	"github.com/microframe/microframe/internal/pgtest"
)

// TestServeDB: "tfb db" prints one DATABASE_URL line for a database that
// holds the benchmark's data, and stops it when told to.
func TestServeDB(t *testing.T) {
	pgtest.Need(t, srv) // PostgreSQL is installed
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- serveDB(ctx, 0, pw)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no line: %v (serveDB: %v)", err, <-done)
	}
	url, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "DATABASE_URL=postgres://")
	if !ok || !strings.Contains(url, "/"+tfbdb.Database+"?") {
		t.Fatalf("line %q, want DATABASE_URL=postgres://…/%s?…", line, tfbdb.Database)
	}
	db, err := openDB("postgres://"+url, 1, time.Second, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	n, err := db.world(ctx, tfbdb.WorldRows)
	if err != nil || n < 1 || n > tfbdb.WorldRows {
		t.Errorf("row %d: %d, %v", tfbdb.WorldRows, n, err)
	}
	fs, err := db.fortunes(ctx, nil)
	if err != nil || len(fs) != len(tfbdb.Fortunes) {
		t.Errorf("%d fortunes, %v", len(fs), err)
	}
	db.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serveDB did not return after its context ended")
	}
	io.Copy(io.Discard, pr)
}

// TestUsage: bad flags and arguments are errors, not a server.
func TestUsage(t *testing.T) {
	if err := runVerify(nil, io.Discard); err == nil {
		t.Error("tfb verify without a URL: no error")
	}
	if err := runServer([]string{"-handler", "native", "extra"}); err == nil {
		t.Error("tfb with an extra argument: no error")
	}
	if err := runServer([]string{"-db", "", "-handler", "native", "-addr", "127.0.0.1:0"}); err == nil || !strings.Contains(err.Error(), "no database") {
		t.Errorf("tfb without a database: %v", err)
	}
	if _, _, err := newServer(config{handler: "gin", dbURL: "postgres://127.0.0.1:1/x"}, nil); err == nil {
		t.Error("-handler gin: no error")
	}
}
