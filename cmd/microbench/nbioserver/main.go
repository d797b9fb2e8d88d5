// Command nbioserver is the nbio contender of microbench compare: the
// endpoints of cmd/hello served by github.com/lesismal/nbio's HTTP engine
// (nbhttp), an event-driven server that reads every connection from a few
// epoll loops instead of parking a goroutine per connection. It is the
// anchor for memory per idle connection.
//
//	nbioserver -addr 127.0.0.1:8080
//
// Endpoints: GET /plaintext ("Hello, World!" as text/plain), GET /json
// ({"message":"Hello, World!"}, encoded per request by package
// cmd/internal/benchbody, as every contender does), POST /echo (the request
// body as text/plain); anything else is 404. It answers with the same bytes
// as cmd/hello apart from the Date value and the order of the header lines.
// SIGINT or SIGTERM shuts it down gracefully.
//
// It lives in a nested module of its own so that the microframe module does
// not depend on nbio.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/lesismal/nbio/logging"
	"github.com/lesismal/nbio/nbhttp"

	"github.com/microframe/microframe/cmd/internal/benchbody"
)

// newMux serves the benchmark endpoints as a net/http Handler, which is
// what nbhttp runs. Unlike net/http, nbhttp answers a Write with chunked
// framing unless Content-Length is set, so the handlers set it.
func newMux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /plaintext", func(w http.ResponseWriter, r *http.Request) {
		reply(w, "text/plain", helloBytes)
	})
	mux.HandleFunc("GET /json", func(w http.ResponseWriter, r *http.Request) {
		var buf [64]byte
		reply(w, "application/json", benchbody.AppendMessageJSON(buf[:0], benchbody.Hello))
	})
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "bad body: "+err.Error(), http.StatusBadRequest)
			return
		}
		reply(w, "text/plain", body)
	})
	return mux
}

var helloBytes = []byte(benchbody.Hello)

// reply writes a 200 response with body, framed by Content-Length.
func reply(w http.ResponseWriter, ctype string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

// newEngine is the contender's configuration: nbhttp's defaults on one
// address.
func newEngine(addr string) *nbhttp.Engine {
	return nbhttp.NewEngine(nbhttp.Config{Network: "tcp", Addrs: []string{addr}, Handler: newMux()})
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	flag.Parse()
	logging.SetLevel(logging.LevelError)
	e := newEngine(*addr)
	if err := e.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "nbioserver:", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.Shutdown(sctx); err != nil {
		fmt.Fprintln(os.Stderr, "nbioserver: shutdown:", err)
		os.Exit(1)
	}
}
