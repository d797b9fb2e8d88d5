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
// It lives in a nested module of its own so that the microframe module does
// not depend on fasthttp.
package main

import (
	"encoding/json"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/valyala/fasthttp"
)

var helloWorld = []byte("Hello, World!")

// message is the JSON body, encoded per request as the TechEmpower rules ask.
type message struct {
	Message string `json:"message"`
}

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
		b, err := json.Marshal(message{Message: "Hello, World!"})
		if err != nil {
			ctx.Error(err.Error(), fasthttp.StatusInternalServerError)
			return
		}
		ctx.SetContentType("application/json")
		ctx.SetBody(b)
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

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	flag.Parse()
	srv := &fasthttp.Server{Handler: handler, Name: "fasthttp"}
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
