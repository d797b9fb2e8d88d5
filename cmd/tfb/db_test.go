package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/microframe/microframe/cmd/tfb/internal/tfbdb"
)

// getWorlds requests path and decodes its rows; status is the response's.
func getWorlds(c *http.Client, url string) (status int, ws []World, err error) {
	resp, err := c.Get(url)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil, err
	}
	return resp.StatusCode, ws, json.Unmarshal(body, &ws)
}

// TestConcurrentUpdates: 8 clients, half on each handler, send 20
// /updates of 20 rows each to one database. Every request succeeds (no
// deadlock), and afterwards the table is whole: 10,000 rows in range, and
// each row some response updated holds a value a response returned for
// it, the very one when a single response touched it (nothing lost, no
// torn write).
func TestConcurrentUpdates(t *testing.T) {
	name, url := newDatabase(t)
	bases := []string{serve(t, config{handler: "framework", dbURL: url}), serve(t, config{handler: "native", dbURL: url})}
	c := client(t)
	const clients, requests, rows = 8, 20, 20
	var (
		mu       sync.Mutex
		returned = map[int32][]int32{} // id → the values responses returned
		touched  = map[int32]int{}     // id → how many responses named it
		wg       sync.WaitGroup
	)
	for g := range clients {
		wg.Go(func() {
			for range requests {
				status, ws, err := getWorlds(c, bases[g%2]+"/updates?queries="+strconv.Itoa(rows))
				if err != nil || status != http.StatusOK || len(ws) != rows {
					t.Errorf("client %d: status %d, %d rows, %v", g, status, len(ws), err)
					return
				}
				seen := map[int32]int32{}
				for _, w := range ws {
					if v, ok := seen[w.ID]; ok && v != w.RandomNumber {
						t.Errorf("one response gives row %d as %d and %d", w.ID, v, w.RandomNumber)
					}
					seen[w.ID] = w.RandomNumber
				}
				mu.Lock()
				for id, v := range seen {
					returned[id] = append(returned[id], v)
					touched[id]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := tfbdb.Check(srv, name); err != nil {
		t.Fatal(err)
	}
	out, err := srv.Query(name, "SELECT id, randomNumber FROM World")
	if err != nil {
		t.Fatal(err)
	}
	table := map[int32]int32{}
	for _, line := range strings.Split(out, "\n") {
		var id, n int32
		if _, err := fmt.Sscanf(line, "%d|%d", &id, &n); err != nil {
			t.Fatalf("row %q: %v", line, err)
		}
		table[id] = n
	}
	for id, vs := range returned {
		switch got := table[id]; {
		case touched[id] == 1 && got != vs[0]:
			t.Errorf("row %d: returned %d by its only update, the table holds %d (lost)", id, vs[0], got)
		case !contains(vs, got):
			t.Errorf("row %d: the table holds %d, no response returned it (torn): %v", id, got, vs)
		}
	}
	t.Logf("%d requests updated %d distinct rows", clients*requests, len(returned))
}

func contains(vs []int32, v int32) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// dbPaths are the requests that need the database.
var dbPaths = []string{"/db", "/queries?queries=5", "/updates?queries=5", "/fortunes"}

// TestDatabaseOutage: with the database stopped, every request that needs
// it is answered 503 at once, while /json still works; after a restart the
// pools reconnect and the same requests succeed.
func TestDatabaseOutage(t *testing.T) {
	_, url := newDatabase(t)
	c := client(t)
	var bases []string
	for _, h := range handlers {
		bases = append(bases, serve(t, config{handler: h, dbURL: url, timeout: 2 * time.Second}))
	}
	expect := func(want int, within time.Duration) {
		t.Helper()
		for _, base := range bases {
			for _, p := range append(dbPaths, "/json") {
				start := time.Now()
				resp, err := c.Get(base + p)
				if err != nil {
					t.Fatalf("%s%s: %v", base, p, err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				w := want
				if p == "/json" {
					w = http.StatusOK
				}
				if resp.StatusCode != w {
					t.Errorf("%s%s: status %d, want %d", base, p, resp.StatusCode, w)
				}
				if d := time.Since(start); d > within {
					t.Errorf("%s%s: answered after %v, want within %v", base, p, d, within)
				}
			}
		}
	}
	expect(http.StatusOK, 2*time.Second)
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	restarted := false
	defer func() {
		if !restarted {
			srv.Restart() // for the other tests
		}
	}()
	// A refused connection fails at once; the 2 s timeout is the bound.
	expect(http.StatusServiceUnavailable, 2500*time.Millisecond)
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	restarted = true
	deadline := time.Now().Add(10 * time.Second)
	for _, base := range bases {
		for {
			status, _, _ := getWorlds(c, base+"/db")
			if status == http.StatusOK {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s/db: still %d 10 s after the restart", base, status)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	expect(http.StatusOK, 2*time.Second)
}

// TestDatabaseHangs: a database that accepts connections and never
// answers gets 503 after the request timeout, not a hung request.
func TestDatabaseHangs(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		held  []net.Conn
		doneL = make(chan struct{})
	)
	go func() {
		defer close(doneL)
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, nc) // never read, never answered
			mu.Unlock()
		}
	}()
	t.Cleanup(func() { // after the subtests' servers have shut down
		l.Close()
		<-doneL
		mu.Lock()
		for _, nc := range held {
			nc.Close()
		}
		mu.Unlock()
	})
	url := "postgres://postgres@" + l.Addr().String() + "/hello_world?sslmode=disable"
	c := client(t)
	for _, h := range handlers {
		t.Run(h, func(t *testing.T) {
			t.Parallel()
			base := serve(t, config{handler: h, dbURL: url, timeout: 500 * time.Millisecond, connectTimeout: 5 * time.Second})
			for _, p := range dbPaths {
				start := time.Now()
				status, _, _ := getWorlds(c, base+p)
				if d := time.Since(start); status != http.StatusServiceUnavailable || d > 2*time.Second {
					t.Errorf("%s: status %d after %v, want 503 after the 0.5 s timeout", p, status, d)
				}
			}
		})
	}
}
