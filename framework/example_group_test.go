package framework_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing/fstest"

	"github.com/microframe/microframe/framework"
)

// sendJSON sends a JSON body to h and prints the status and body.
func sendJSON(h http.Handler, method, target, body string) {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Printf("%d %s\n", rec.Code, strings.TrimSpace(rec.Body.String()))
}

func ExampleApp_Route() {
	auth := func(next framework.Handler) framework.Handler {
		return func(r *framework.Request) framework.Response {
			if r.Header("X-Token") != "t" {
				return framework.Errorf(http.StatusUnauthorized, "no token")
			}
			return next(r)
		}
	}
	app := framework.New()
	app.Get("/", func(r *framework.Request) framework.Response { return framework.Text("home") })
	app.Route("/admin", func(g *framework.Group) {
		g.Use(auth) // only for /admin routes
		g.Get("/stats", func(r *framework.Request) framework.Response { return framework.Text("stats") })
	})
	show(app, "GET", "/")
	show(app, "GET", "/admin/stats")
	// Output:
	// 200 home
	// 401 no token
}

type rename struct {
	ID   int    `path:"id"`
	Name string `json:"name"`
}

func (p *rename) Validate() error {
	if p.Name == "" {
		return framework.Invalid("name", "must not be empty")
	}
	return nil
}

func ExampleBind_json() {
	app := framework.New()
	api := app.Route("/api", nil)
	api.ErrorRenderer = framework.JSONErrors
	api.Put("/users/{id}", framework.Bind(func(r *framework.Request, p rename) framework.Response {
		return framework.JSON(map[string]any{"id": p.ID, "name": p.Name})
	}))
	sendJSON(app, "PUT", "/api/users/7", `{"name":"Ada"}`)
	sendJSON(app, "PUT", "/api/users/7", `{"name":""}`)
	sendJSON(app, "PUT", "/api/users/7", `{"nom":"Ada"}`)
	sendJSON(app, "PUT", "/api/users/7", `{"name":`)
	// Output:
	// 200 {"id":7,"name":"Ada"}
	// 422 {"error":"\"name\" must not be empty","field":"name","fields":[{"field":"name","reason":"must not be empty"}]}
	// 400 {"error":"JSON body has unknown field \"nom\""}
	// 400 {"error":"malformed JSON: the body ends inside a value"}
}

func ExampleApp_Static() {
	app := framework.New()
	app.Static("/static", fstest.MapFS{"hello.txt": {Data: []byte("hello, file\n")}})
	show(app, "GET", "/static/hello.txt")
	show(app, "GET", "/static/../secret")
	// Output:
	// 200 hello, file
	// 404 no file "../secret"
}
