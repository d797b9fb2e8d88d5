// Command gin is the gin peer of cmd/tfb: the six TechEmpower test types
// served by github.com/gin-gonic/gin the way its users write them (gin.New
// with a middleware for the Server header, route handlers on *gin.Context,
// SetHTMLTemplate and c.HTML for the fortunes), on the PostgreSQL database
// of package store.
//
//	gin -addr 127.0.0.1:8080 -db postgres://... [-pool N]
//
// JSON is encoded with encoding/json (gin's own codec) and sent with
// c.Data, because c.JSON's Content-Type carries "; charset=utf-8" where
// every other contender sends plain application/json. A database error is
// a 503. SIGINT or SIGTERM shuts it down.
package main

import (
	"context"
	"encoding/json"
	"html/template"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/microframe/microframe/cmd/tfb/peers/internal/store"
)

func newRouter(db *store.DB) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.SetHTMLTemplate(template.Must(template.New("fortunes").Parse(store.FortunesTemplate)))
	r.Use(func(c *gin.Context) {
		c.Header("Server", store.ServerName)
		c.Next()
	})
	r.GET("/plaintext", func(c *gin.Context) {
		body := []byte("Hello, World!")
		c.Header("Content-Length", strconv.Itoa(len(body)))
		c.Data(http.StatusOK, store.TypeText, body)
	})
	r.GET("/json", func(c *gin.Context) {
		sendJSON(c, store.Message{Message: "Hello, World!"}, nil)
	})
	r.GET("/db", func(c *gin.Context) {
		w, err := db.World(c.Request.Context())
		sendJSON(c, w, err)
	})
	r.GET("/queries", func(c *gin.Context) {
		ws, err := db.Worlds(c.Request.Context(), store.Queries(c.Query("queries")))
		sendJSON(c, ws, err)
	})
	r.GET("/updates", func(c *gin.Context) {
		ws, err := db.Update(c.Request.Context(), store.Queries(c.Query("queries")))
		sendJSON(c, ws, err)
	})
	r.GET("/fortunes", func(c *gin.Context) {
		fs, err := db.Fortunes(c.Request.Context())
		if err != nil {
			c.String(http.StatusServiceUnavailable, "database unavailable: %v", err)
			return
		}
		c.HTML(http.StatusOK, "fortunes", fs)
	})
	return r
}

func sendJSON(c *gin.Context, v any, err error) {
	if err != nil {
		c.String(http.StatusServiceUnavailable, "database unavailable: %v", err)
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		c.String(http.StatusInternalServerError, "%v", err)
		return
	}
	c.Header("Content-Length", strconv.Itoa(len(b)))
	c.Data(http.StatusOK, store.TypeJSON, b)
}

func main() {
	store.Main(func(db *store.DB, addr string) (func() error, func(context.Context) error) {
		return store.HTTPServer(newRouter(db), addr)
	})
}
