// Command fasthttp is the fasthttp peer of cmd/tfb: the six TechEmpower
// test types served by github.com/valyala/fasthttp v1.68.0 the way its
// users write them (one handler switching on the path, encoding/json,
// html/template executed into the response body), on the PostgreSQL
// database of package store.
//
//	fasthttp -addr 127.0.0.1:8080 -db postgres://... [-pool N]
//
// Every response carries Server: TFB (fasthttp's own Server header is off),
// Date, Content-Type and Content-Length; a database error is a 503.
// SIGINT or SIGTERM shuts it down.
package main

import (
	"context"
	"encoding/json"
	"html/template"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/valyala/fasthttp"

	"github.com/microframe/microframe/cmd/tfb/peers/internal/store"
)

var fortunes = template.Must(template.New("fortunes").Parse(store.FortunesTemplate))

// server holds the pool the handlers query.
type server struct{ db *store.DB }

// handle serves every route. The database calls take context.Background():
// a RequestCtx is a context.Context too, but its Done is only the server's
// shutdown (not the client's hang-up), deriving a timeout from it costs a
// goroutine per request, and fasthttp v1.68.0's Shutdown writes the
// channel Done reads without synchronisation (the race detector reports
// it) — fasthttp users pass their own context.
func (s *server) handle(ctx *fasthttp.RequestCtx) {
	ctx.Response.Header.Set("Server", store.ServerName)
	if !ctx.IsGet() {
		ctx.Error("method not allowed", fasthttp.StatusMethodNotAllowed)
		return
	}
	switch string(ctx.Path()) {
	case "/plaintext":
		ctx.SetContentType(store.TypeText)
		ctx.SetBodyString("Hello, World!")
	case "/json":
		writeJSON(ctx, store.Message{Message: "Hello, World!"}, nil)
	case "/db":
		w, err := s.db.World(context.Background())
		writeJSON(ctx, w, err)
	case "/queries":
		ws, err := s.db.Worlds(context.Background(), store.Queries(string(ctx.QueryArgs().Peek("queries"))))
		writeJSON(ctx, ws, err)
	case "/updates":
		ws, err := s.db.Update(context.Background(), store.Queries(string(ctx.QueryArgs().Peek("queries"))))
		writeJSON(ctx, ws, err)
	case "/fortunes":
		fs, err := s.db.Fortunes(context.Background())
		if err != nil {
			unavailable(ctx, err)
			return
		}
		ctx.SetContentType(store.TypeHTML)
		if err := fortunes.Execute(ctx, fs); err != nil {
			ctx.Error(err.Error(), fasthttp.StatusInternalServerError)
		}
	default:
		ctx.Error("404 page not found", fasthttp.StatusNotFound)
	}
}

func writeJSON(ctx *fasthttp.RequestCtx, v any, err error) {
	if err != nil {
		unavailable(ctx, err)
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		ctx.Error(err.Error(), fasthttp.StatusInternalServerError)
		return
	}
	ctx.SetContentType(store.TypeJSON)
	ctx.SetBody(b)
}

func unavailable(ctx *fasthttp.RequestCtx, err error) {
	ctx.Error("database unavailable: "+err.Error(), fasthttp.StatusServiceUnavailable)
}

func main() {
	cfg := store.Flags()
	db, err := store.Open(cfg.DB, cfg.Pool)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	s := &server{db: db}
	srv := &fasthttp.Server{Handler: s.handle, NoDefaultServerHeader: true}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		srv.Shutdown()
	}()
	if err := srv.ListenAndServe(cfg.Addr); err != nil {
		log.Fatal(err)
	}
}
