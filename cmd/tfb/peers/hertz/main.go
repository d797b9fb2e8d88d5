// Command hertz is the hertz peer of cmd/tfb: the six TechEmpower test
// types served by github.com/cloudwego/hertz (on its netpoll transport) the
// way its users write them (server.New, a middleware for the Server header,
// handlers on *app.RequestContext, SetHTMLTemplate and ctx.HTML for the
// fortunes), on the PostgreSQL database of package store.
//
//	hertz -addr 127.0.0.1:8080 -db postgres://... [-pool N]
//
// JSON is encoded with hertz's own codec (sonic, what ctx.JSON uses) and
// sent with ctx.Data, because ctx.JSON's Content-Type carries
// "; charset=utf-8" where every other contender sends plain
// application/json; hertz's default Server header is off. A database
// error is a 503. SIGINT or SIGTERM shuts it down.
package main

import (
	"context"
	"html/template"
	"net/http"

	"github.com/cloudwego/hertz/pkg/app"
	"github.com/cloudwego/hertz/pkg/app/server"
	"github.com/cloudwego/hertz/pkg/common/config"
	"github.com/cloudwego/hertz/pkg/common/hlog"
	"github.com/cloudwego/hertz/pkg/common/json"

	"github.com/microframe/microframe/cmd/tfb/peers/internal/store"
)

func newServer(addr string, db *store.DB) *server.Hertz {
	noServerHeader := config.Option{F: func(o *config.Options) { o.NoDefaultServerHeader = true }}
	h := server.New(server.WithHostPorts(addr), server.WithDisablePrintRoute(true), noServerHeader)
	h.SetHTMLTemplate(template.Must(template.New("fortunes").Parse(store.FortunesTemplate)))
	h.Use(func(c context.Context, ctx *app.RequestContext) {
		ctx.Response.Header.Set("Server", store.ServerName)
		ctx.Next(c)
	})
	h.GET("/plaintext", func(c context.Context, ctx *app.RequestContext) {
		ctx.Data(http.StatusOK, store.TypeText, []byte("Hello, World!"))
	})
	h.GET("/json", func(c context.Context, ctx *app.RequestContext) {
		sendJSON(ctx, store.Message{Message: "Hello, World!"}, nil)
	})
	h.GET("/db", func(c context.Context, ctx *app.RequestContext) {
		w, err := db.World(c)
		sendJSON(ctx, w, err)
	})
	h.GET("/queries", func(c context.Context, ctx *app.RequestContext) {
		ws, err := db.Worlds(c, store.Queries(ctx.Query("queries")))
		sendJSON(ctx, ws, err)
	})
	h.GET("/updates", func(c context.Context, ctx *app.RequestContext) {
		ws, err := db.Update(c, store.Queries(ctx.Query("queries")))
		sendJSON(ctx, ws, err)
	})
	h.GET("/fortunes", func(c context.Context, ctx *app.RequestContext) {
		fs, err := db.Fortunes(c)
		if err != nil {
			unavailable(ctx, err)
			return
		}
		ctx.HTML(http.StatusOK, "fortunes", fs)
	})
	return h
}

func sendJSON(ctx *app.RequestContext, v any, err error) {
	if err != nil {
		unavailable(ctx, err)
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		ctx.String(http.StatusInternalServerError, "%v", err)
		return
	}
	ctx.Data(http.StatusOK, store.TypeJSON, b)
}

func unavailable(ctx *app.RequestContext, err error) {
	ctx.String(http.StatusServiceUnavailable, "database unavailable: %v", err)
}

func main() {
	cfg := store.Flags()
	hlog.SetLevel(hlog.LevelWarn)
	db, err := store.Open(cfg.DB, cfg.Pool)
	if err != nil {
		hlog.Fatal(err)
	}
	defer db.Close()
	// Spin serves until SIGINT or SIGTERM, then shuts down gracefully.
	newServer(cfg.Addr, db).Spin()
}
