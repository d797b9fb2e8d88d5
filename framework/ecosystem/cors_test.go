package ecosystem

import (
	"net/http"
	"testing"

	"github.com/rs/cors"

	"github.com/microframe/microframe/framework"
	"github.com/microframe/microframe/framework/internal/fwtest"
)

// TestCORSPreflightOnGroup: rs/cors on a route group answers the
// preflight of the group's routes (OPTIONS, which no route registers)
// with 204, as on chi; a method the group does not serve still gets the
// router's 405 with Allow.
func TestCORSPreflightOnGroup(t *testing.T) {
	c := cors.New(cors.Options{
		AllowedOrigins: []string{"https://app.example"},
		AllowedMethods: []string{http.MethodGet, http.MethodPost, http.MethodDelete},
	})
	a := quietApp()
	a.Get("/", func(r *framework.Request) framework.Response { return framework.Text("home") })
	a.Route("/api", func(api *framework.Group) {
		api.ErrorRenderer = framework.JSONErrors
		api.Use(framework.FromHTTP(c.Handler))
		api.Get("/bookmarks", func(r *framework.Request) framework.Response { return framework.JSON([]string{}) })
		api.Post("/bookmarks", func(r *framework.Request) framework.Response { return framework.Status(201) })
	})
	fwtest.Servers(t, a, func(t *testing.T, cl *fwtest.Client) {
		res := cl.Do("OPTIONS", "/api/bookmarks", "", "Origin", "https://app.example", "Access-Control-Request-Method", "POST")
		if res.Status != 204 || res.Header.Get("Access-Control-Allow-Origin") != "https://app.example" ||
			res.Header.Get("Access-Control-Allow-Methods") != "POST" {
			t.Errorf("preflight: %d %v", res.Status, res.Header)
		}
		res = cl.Do("GET", "/api/bookmarks", "", "Origin", "https://app.example")
		if res.Status != 200 || res.Header.Get("Access-Control-Allow-Origin") != "https://app.example" {
			t.Errorf("GET: %d %v", res.Status, res.Header)
		}
		res = cl.Do("PUT", "/api/bookmarks", "", "Origin", "https://app.example")
		if res.Status != 405 || res.Header.Get("Allow") != "GET, HEAD, POST" || res.Body != `{"error":"method PUT not allowed for /api/bookmarks (allowed: GET, HEAD, POST)"}`+"\n" {
			t.Errorf("PUT: %d %q %v", res.Status, res.Body, res.Header)
		}
		// Outside the group, no CORS: the preflight is the router's 405.
		if res := cl.Do("OPTIONS", "/", "", "Origin", "https://app.example", "Access-Control-Request-Method", "GET"); res.Status != 405 ||
			res.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("preflight outside the group: %d %v", res.Status, res.Header)
		}
	})
}
