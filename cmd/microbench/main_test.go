package main

import (
	"context"
	"flag"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"go.uber.org/goleak"
)

// TestMain doubles as a stand-in contender for compare: run with
// MICROBENCH_TEST_SERVER=1 it serves cmd/hello's endpoints with net/http
// on -addr until SIGTERM, so compare can be tested without building
// anything.
func TestMain(m *testing.M) {
	if os.Getenv("MICROBENCH_TEST_SERVER") == "1" {
		os.Exit(testServerMain())
	}
	goleak.VerifyTestMain(m)
}

func testServerMain() int {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "")
	fs.String("handler", "", "")
	if err := fs.Parse(argsAfterDashes(os.Args[1:])); err != nil {
		return 2
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /plaintext", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("Hello, World!"))
	})
	mux.HandleFunc("GET /json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"message":"Hello, World!"}`))
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {})
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return 1
	}
	srv := &http.Server{Handler: mux}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	go func() { <-ctx.Done(); srv.Shutdown(context.Background()) }()
	srv.Serve(l)
	return 0
}

// argsAfterDashes drops the test binary's own -test.* flags.
func argsAfterDashes(args []string) []string {
	var out []string
	for _, a := range args {
		if len(a) > 6 && a[:6] == "-test." {
			continue
		}
		out = append(out, a)
	}
	return out
}
