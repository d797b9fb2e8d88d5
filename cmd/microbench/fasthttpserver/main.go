// Command fasthttpserver is the fasthttp contender of microbench compare:
// the endpoints of cmd/hello served by github.com/valyala/fasthttp, so the
// engine can be measured against the fastest well-known Go HTTP/1.1 server
// on the same machine and the same load.
//
//	fasthttpserver -addr 127.0.0.1:8080
//
// Endpoints: GET /plaintext ("Hello, World!" as text/plain), GET /json
// ({"message":"Hello, World!"}), POST /echo (the request body as
// text/plain); anything else is 404. SIGINT or SIGTERM shuts it down
// gracefully.
//
// It answers byte for byte as cmd/hello does (the Date value aside): no
// Server header, and the same JSON encoder (package cmd/internal/benchbody).
// It lives in a nested module of its own so that the microframe module does
// not depend on fasthttp.
package main

import (
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/valyala/fasthttp"

	"github.com/microframe/microframe/cmd/internal/benchbody"
)

var helloWorld = []byte(benchbody.Hello)

func handler(ctx *fasthttp.RequestCtx) {
	switch string(ctx.Path()) {
	case "/plaintext":
		if !ctx.IsGet() && !ctx.IsHead() {
			ctx.Error("method not allowed", fasthttp.StatusMethodNotAllowed)
			return
		}
		ctx.SetContentType("text/plain")
		ctx.SetBody(helloWorld)
	case "/json":
		if !ctx.IsGet() && !ctx.IsHead() {
			ctx.Error("method not allowed", fasthttp.StatusMethodNotAllowed)
			return
		}
		// Encoded per request, as the TechEmpower rules ask, with the encoder
		// every contender uses; SetBody copies.
		var buf [64]byte
		ctx.SetContentType("application/json")
		ctx.SetBody(benchbody.AppendMessageJSON(buf[:0], benchbody.Hello))
	case "/echo":
		if !ctx.IsPost() {
			ctx.Error("method not allowed", fasthttp.StatusMethodNotAllowed)
			return
		}
		ctx.SetContentType("text/plain")
		ctx.SetBody(ctx.PostBody())
	default:
		ctx.Error("404 page not found", fasthttp.StatusNotFound)
	}
}

// newServer is the contender's configuration: fasthttp's defaults, except
// that it sends no Server header (cmd/hello sends none either).
func newServer() *fasthttp.Server {
	return &fasthttp.Server{Handler: handler, NoDefaultServerHeader: true}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	flag.Parse()
	srv := newServer()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		srv.Shutdown()
	}()
	if err := srv.ListenAndServe(*addr); err != nil {
		log.Fatal(err)
	}
}
