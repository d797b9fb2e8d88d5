// Command echo is the echo peer of cmd/tfb: the six TechEmpower test types
// served by github.com/labstack/echo/v4 the way its users write them
// (echo.New with a middleware for the Server header, handlers returning
// error, a Renderer over html/template for the fortunes), on the
// PostgreSQL database of package store.
//
//	echo -addr 127.0.0.1:8080 -db postgres://... [-pool N]
//
// JSON is encoded with encoding/json (echo's default serializer) and sent
// with c.Blob, because c.JSON's encoder ends the body with a newline that
// no other contender sends; the fortunes page is rendered with c.Render
// into a buffer and sent with the charset spelled "utf-8" (echo's
// constant says "UTF-8"). A database error is a 503. SIGINT or SIGTERM
// shuts it down.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"html/template"
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/microframe/microframe/cmd/tfb/peers/internal/store"
)

// renderer is echo's template hook over html/template.
type renderer struct{ t *template.Template }

func (r renderer) Render(w io.Writer, name string, data any, _ echo.Context) error {
	return r.t.ExecuteTemplate(w, name, data)
}

func newEcho(db *store.DB) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Renderer = renderer{template.Must(template.New("fortunes").Parse(store.FortunesTemplate))}
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Response().Header().Set(echo.HeaderServer, store.ServerName)
			return next(c)
		}
	})
	e.GET("/plaintext", func(c echo.Context) error {
		return blob(c, store.TypeText, []byte("Hello, World!"))
	})
	e.GET("/json", func(c echo.Context) error {
		return sendJSON(c, store.Message{Message: "Hello, World!"}, nil)
	})
	e.GET("/db", func(c echo.Context) error {
		w, err := db.World(c.Request().Context())
		return sendJSON(c, w, err)
	})
	e.GET("/queries", func(c echo.Context) error {
		ws, err := db.Worlds(c.Request().Context(), store.Queries(c.QueryParam("queries")))
		return sendJSON(c, ws, err)
	})
	e.GET("/updates", func(c echo.Context) error {
		ws, err := db.Update(c.Request().Context(), store.Queries(c.QueryParam("queries")))
		return sendJSON(c, ws, err)
	})
	e.GET("/fortunes", func(c echo.Context) error {
		fs, err := db.Fortunes(c.Request().Context())
		if err != nil {
			return unavailable(err)
		}
		var buf bytes.Buffer
		if err := c.Echo().Renderer.Render(&buf, "fortunes", fs, c); err != nil {
			return err
		}
		return blob(c, store.TypeHTML, buf.Bytes())
	})
	return e
}

func blob(c echo.Context, ctype string, b []byte) error {
	c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(len(b)))
	return c.Blob(http.StatusOK, ctype, b)
}

func sendJSON(c echo.Context, v any, err error) error {
	if err != nil {
		return unavailable(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return blob(c, store.TypeJSON, b)
}

func unavailable(err error) error {
	return echo.NewHTTPError(http.StatusServiceUnavailable, "database unavailable: "+err.Error())
}

func main() {
	store.Main(func(db *store.DB, addr string) (func() error, func(context.Context) error) {
		e := newEcho(db)
		return func() error { return e.Start(addr) }, e.Shutdown
	})
}
