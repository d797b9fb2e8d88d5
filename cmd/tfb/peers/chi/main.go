// Command chi is the chi peer of cmd/tfb: the six TechEmpower test types
// served by github.com/go-chi/chi/v5 on net/http the way its users write
// them (chi.NewRouter, a middleware for the Server header, plain
// http.HandlerFuncs, encoding/json, html/template), on the PostgreSQL
// database of package store.
//
//	chi -addr 127.0.0.1:8080 -db postgres://... [-pool N]
//
// A database error is a 503. SIGINT or SIGTERM shuts it down.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"html/template"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/microframe/microframe/cmd/tfb/peers/internal/store"
)

var fortunes = template.Must(template.New("fortunes").Parse(store.FortunesTemplate))

func newRouter(db *store.DB) http.Handler {
	r := chi.NewRouter()
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Server", store.ServerName)
			next.ServeHTTP(w, r)
		})
	})
	r.Get("/plaintext", func(w http.ResponseWriter, r *http.Request) {
		write(w, store.TypeText, []byte("Hello, World!"))
	})
	r.Get("/json", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, store.Message{Message: "Hello, World!"}, nil)
	})
	r.Get("/db", func(w http.ResponseWriter, r *http.Request) {
		world, err := db.World(r.Context())
		writeJSON(w, world, err)
	})
	r.Get("/queries", func(w http.ResponseWriter, r *http.Request) {
		ws, err := db.Worlds(r.Context(), store.Queries(r.URL.Query().Get("queries")))
		writeJSON(w, ws, err)
	})
	r.Get("/updates", func(w http.ResponseWriter, r *http.Request) {
		ws, err := db.Update(r.Context(), store.Queries(r.URL.Query().Get("queries")))
		writeJSON(w, ws, err)
	})
	r.Get("/fortunes", func(w http.ResponseWriter, r *http.Request) {
		fs, err := db.Fortunes(r.Context())
		if err != nil {
			unavailable(w, err)
			return
		}
		var buf bytes.Buffer
		if err := fortunes.Execute(&buf, fs); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		write(w, store.TypeHTML, buf.Bytes())
	})
	return r
}

func write(w http.ResponseWriter, ctype string, b []byte) {
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

func writeJSON(w http.ResponseWriter, v any, err error) {
	if err != nil {
		unavailable(w, err)
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	write(w, store.TypeJSON, b)
}

func unavailable(w http.ResponseWriter, err error) {
	http.Error(w, "database unavailable: "+err.Error(), http.StatusServiceUnavailable)
}

func main() {
	store.Main(func(db *store.DB, addr string) (func() error, func(context.Context) error) {
		return store.HTTPServer(newRouter(db), addr)
	})
}
