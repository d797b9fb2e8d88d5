package framework

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// tag returns middleware that appends name to the X-Trace response header.
func tag(name string) Middleware {
	return func(next Handler) Handler {
		return func(r *Request) Response { return next(r).AddHeader("X-Trace", name) }
	}
}

func TestVerbsAndGroups(t *testing.T) {
	echo := func(r *Request) Response { return Text(r.Method() + " " + r.Route().Pattern) }
	a := quietApp()
	a.Use(tag("app"))
	a.Get("/", echo)
	a.Put("/v", echo)
	a.Patch("/v", echo)
	a.Delete("/v", echo)
	a.Options("/v", echo)
	a.Post("/v", echo)
	a.Route("/api", func(api *Group) {
		api.Use(tag("api"))
		api.Get("/", echo)
		api.Get("/items", echo)
		api.With(tag("with")).Delete("/items/{id}", echo)
		api.Route("/v2", func(v2 *Group) {
			v2.Use(tag("v2"))
			v2.Put("/items/{id}", echo)
		})
		api.Group(func(g *Group) {
			g.Use(tag("inline"))
			g.Post("/items", echo)
		})
	})
	a.With(tag("one")).Get("/one", echo)

	tests := []struct {
		method, target string
		status         int
		body           string
		trace          []string
	}{
		{"GET", "/", 200, "GET /", []string{"app"}},
		{"PUT", "/v", 200, "PUT /v", []string{"app"}},
		{"PATCH", "/v", 200, "PATCH /v", []string{"app"}},
		{"DELETE", "/v", 200, "DELETE /v", []string{"app"}},
		{"OPTIONS", "/v", 200, "OPTIONS /v", []string{"app"}},
		{"GET", "/api", 200, "GET /api", []string{"api", "app"}},
		{"GET", "/api/items", 200, "GET /api/items", []string{"api", "app"}},
		{"DELETE", "/api/items/3", 200, "DELETE /api/items/{id}", []string{"with", "api", "app"}},
		{"PUT", "/api/v2/items/3", 200, "PUT /api/v2/items/{id}", []string{"v2", "api", "app"}},
		{"POST", "/api/items", 200, "POST /api/items", []string{"inline", "api", "app"}},
		{"GET", "/one", 200, "GET /one", []string{"one", "app"}},
		// No route: the innermost Route group's middleware still runs.
		{"PATCH", "/api/items", 405, "", []string{"api", "app"}},
		{"GET", "/api/nothing", 404, "", []string{"api", "app"}},
		{"PATCH", "/api/v2/items/3", 405, "", []string{"v2", "api", "app"}},
		{"GET", "/nothing", 404, "", []string{"app"}},
	}
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		for _, tt := range tests {
			res := do(newReq(tt.method, tt.target, ""))
			if res.status != tt.status || tt.body != "" && res.body != tt.body {
				t.Errorf("%s %s: %d %q, want %d %q", tt.method, tt.target, res.status, res.body, tt.status, tt.body)
			}
			if got := res.header.Values("X-Trace"); strings.Join(got, ",") != strings.Join(tt.trace, ",") {
				t.Errorf("%s %s: trace %v, want %v", tt.method, tt.target, got, tt.trace)
			}
		}
		if res := do(newReq("PATCH", "/api/items", "")); res.header.Get("Allow") != "GET, HEAD, POST" {
			t.Errorf("405 Allow %q", res.header.Get("Allow"))
		}
	})
}

type idParams struct {
	ID int `path:"idd"`
}

type noTags struct {
	Task string
}

func TestGroupRegistrationPanics(t *testing.T) {
	h := func(r *Request) Response { return Text("") }
	tests := []struct {
		name  string
		setup func(a *App)
		want  []string
	}{
		{"bound path field missing from pattern, Handle", func(a *App) {
			a.Get("/b/{id}", Bind(func(r *Request, p idParams) Response { return Text("") }))
		}, []string{"framework: Handle GET /b/{id}", "field ID", `"idd"`, `"/b/{id}"`}},
		{"bound path field missing, group", func(a *App) {
			a.Route("/g", func(g *Group) {
				g.Delete("/{id}", Bind(func(r *Request, p idParams) Response { return Text("") }))
			})
		}, []string{"framework: Handle DELETE /{id}", "field ID", `"idd"`}},
		{"no source tag", func(a *App) {
			a.Post("/x", Bind(func(r *Request, p noTags) Response { return Text("") }))
		}, []string{"framework: binding framework.noTags", "no field has a source tag"}},
		{"use after route", func(a *App) {
			g := a.Route("/g", nil)
			g.Get("/x", h)
			g.Use(tag("late"))
		}, []string{"framework: Group.Use on group /g after routes"}},
		{"bad prefix", func(a *App) { a.Route("/g/", nil) }, []string{"framework: group prefix \"/g/\""}},
		{"param in prefix", func(a *App) { a.Route("/g/{id}", nil) }, []string{"framework: group prefix"}},
		{"group conflict names both", func(a *App) {
			a.Get("/g/{id}", h)
			a.Route("/g", func(g *Group) { g.Get("/{name}", h) })
		}, []string{"/g/{id}", "/g/{name}"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := catchPanic(func() { tt.setup(quietApp()) })
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("panic %q does not contain %q", msg, w)
				}
			}
		})
	}
}

func TestZeroApp(t *testing.T) {
	var a App
	if rs := a.Routes(); len(rs) != 0 {
		t.Fatalf("routes of the zero App: %v", rs)
	}
	a.Get("/", func(r *Request) Response { return Text("zero") })
	a.Route("/api", func(g *Group) { g.Put("/x", func(r *Request) Response { return Status(204) }) })
	transports(t, &a, func(t *testing.T, do func(*http.Request) result) {
		if res := do(get("/")); res.status != 200 || res.body != "zero" {
			t.Errorf("GET /: %d %q", res.status, res.body)
		}
		if res := do(newReq("PUT", "/api/x", "")); res.status != 204 {
			t.Errorf("PUT /api/x: %d", res.status)
		}
		if res := do(get("/none")); res.status != 404 {
			t.Errorf("GET /none: %d", res.status)
		}
	})
}

type groupItems struct{}

func (groupItems) Routes() map[string]string {
	return map[string]string{"List": "GET /", "Show": "GET /{id}"}
}
func (groupItems) List(r *Request) Response { return Text("list") }
func (groupItems) Show(r *Request, p struct {
	ID int `path:"id"`
}) Response {
	return Text("item " + strconv.Itoa(p.ID))
}

type badGroupItems struct{}

func (badGroupItems) Routes() map[string]string            { return map[string]string{"Show": "GET /{id}"} }
func (badGroupItems) Show(r *Request, p idParams) Response { return Text("") }

func TestGroupMount(t *testing.T) {
	a := quietApp()
	a.Route("/items", func(g *Group) {
		g.Use(tag("items"))
		g.Mount(groupItems{})
	})
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		for target, want := range map[string]string{"/items": "list", "/items/7": "item 7"} {
			if res := do(get(target)); res.status != 200 || res.body != want || res.header.Get("X-Trace") != "items" {
				t.Errorf("GET %s: %d %q %v", target, res.status, res.body, res.header)
			}
		}
	})
	msg := catchPanic(func() { quietApp().Route("/b", func(g *Group) { g.Mount(badGroupItems{}) }) })
	if !strings.Contains(msg, "framework: Mount") || !strings.Contains(msg, `"idd"`) || !strings.Contains(msg, `"/{id}"`) {
		t.Errorf("panic %q", msg)
	}
}

// TestGroupPreflight: a group's middleware sees the OPTIONS preflight of
// its routes, which have no OPTIONS route, and may answer it; when it does
// not, the router's 405 with Allow still comes out.
func TestGroupPreflight(t *testing.T) {
	cors := func(next Handler) Handler {
		return func(r *Request) Response {
			if r.Method() == http.MethodOptions && r.Header("Access-Control-Request-Method") != "" {
				return Status(http.StatusNoContent).WithHeader("Access-Control-Allow-Methods", "GET, POST")
			}
			return next(r).WithHeader("Access-Control-Allow-Origin", "*")
		}
	}
	a := quietApp()
	a.Route("/api", func(api *Group) {
		api.ErrorRenderer = JSONErrors
		api.Use(cors)
		api.Get("/items", func(r *Request) Response { return Text("items") })
		api.Post("/items", func(r *Request) Response { return Text("added") })
	})
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		res := do(newReq("OPTIONS", "/api/items", "", "Origin", "https://app.example", "Access-Control-Request-Method", "POST"))
		if res.status != 204 || res.header.Get("Access-Control-Allow-Methods") != "GET, POST" {
			t.Errorf("preflight: %d %v", res.status, res.header)
		}
		res = do(newReq("DELETE", "/api/items", ""))
		if res.status != 405 || res.header.Get("Allow") != "GET, HEAD, POST" || res.header.Get("Access-Control-Allow-Origin") != "*" ||
			!strings.HasPrefix(res.body, `{"error":"method DELETE not allowed`) {
			t.Errorf("DELETE: %d %q %v", res.status, res.body, res.header)
		}
		if res := do(newReq("GET", "/api/items", "")); res.status != 200 || res.header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("GET: %d %v", res.status, res.header)
		}
	})
}
