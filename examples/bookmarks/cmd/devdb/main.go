// Command devdb runs a throwaway PostgreSQL for trying the bookmarks
// service: it starts a server from the machine's PostgreSQL installation
// (Debian: apt-get install postgresql) in a temporary directory, on a free
// port of 127.0.0.1, creates the database "bookmarks", prints its URL and
// waits; Ctrl-C stops the server and removes its directory and data.
//
//	go run ./cmd/devdb            # prints DATABASE_URL=postgres://...
//	go run . -db postgres://...   # in another terminal
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/microframe/microframe/internal/pgtest"
)

func main() {
	srv, err := pgtest.Start(pgtest.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "devdb:", err)
		os.Exit(1)
	}
	url, err := srv.CreateDatabase("bookmarks")
	if err == nil {
		fmt.Printf("DATABASE_URL=%s\n(Ctrl-C stops PostgreSQL and deletes the data)\n", url)
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
		<-stop
	}
	if cerr := srv.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "devdb:", err)
		os.Exit(1)
	}
}
