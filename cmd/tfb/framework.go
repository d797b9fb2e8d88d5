package main

import (
	"embed"
	"net/http"

	"github.com/microframe/microframe/cmd/tfb/internal/tfbdb"
	"github.com/microframe/microframe/framework"
)

// templateFS holds the fortunes page, for both handlers.
//
//go:embed fortunes.html
var templateFS embed.FS

// newFrameworkApp serves the six tests as a user of the framework writes
// them: routes, JSON responses of Go values, the fortunes page from a
// framework.Templates, the request's query and context. A database
// failure is an error the App answers with 503.
func newFrameworkApp(db *DB) *framework.App {
	pages := &framework.Templates{FS: templateFS}
	app := framework.New()
	app.Get("/plaintext", func(r *framework.Request) framework.Response {
		return framework.Text(helloWorld)
	})
	app.Get("/json", func(r *framework.Request) framework.Response {
		return framework.JSON(struct {
			Message string `json:"message"`
		}{helloWorld})
	})
	app.Get("/db", func(r *framework.Request) framework.Response {
		var w World
		if err := db.randomWorld(r.Context(), &w); err != nil {
			return framework.Error(err)
		}
		return framework.JSON(w)
	})
	app.Get("/queries", func(r *framework.Request) framework.Response {
		ws := make([]World, queryCount(r.Query("queries")))
		if err := db.randomWorlds(r.Context(), ws); err != nil {
			return framework.Error(err)
		}
		return framework.JSON(ws)
	})
	app.Get("/updates", func(r *framework.Request) framework.Response {
		ws := make([]World, queryCount(r.Query("queries")))
		if _, err := db.updateWorlds(r.Context(), ws, nil); err != nil {
			return framework.Error(err)
		}
		return framework.JSON(ws)
	})
	app.Get("/fortunes", func(r *framework.Request) framework.Response {
		// 12 rows and the one added: room for them, as the peers make.
		fs, err := db.fortunes(r.Context(), make([]Fortune, 0, 16))
		if err != nil {
			return framework.Error(err)
		}
		return pages.Render("fortunes.html", tfbdb.WithAdditional(fs))
	})
	return app
}

func init() {
	// A failed database call (errNoDB) is 503 Service Unavailable, not the
	// 500 of an unknown error.
	framework.RegisterErrorStatus(errNoDB, http.StatusServiceUnavailable)
}
