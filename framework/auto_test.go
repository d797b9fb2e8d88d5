package framework

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// shop is an app written as a Go type.
type shop struct{ items []string }

func (s *shop) Routes() map[string]string {
	return map[string]string{
		"List":   "GET /items",
		"Show":   "GET /items/{id}",
		"Add":    "POST /items",
		"Legacy": "/legacy",
	}
}

type showParams struct {
	ID      int  `path:"id"`
	Verbose bool `query:"v"`
}

type addParams struct {
	Name string `form:"name,required"`
}

func (s *shop) List(r *Request) Response { return Text(strings.Join(s.items, ",")) }

func (s *shop) Show(r *Request, p showParams) Response {
	if p.ID < 0 || p.ID >= len(s.items) {
		return Errorf(http.StatusNotFound, "no item %d", p.ID)
	}
	if p.Verbose {
		return Text(fmt.Sprintf("item %d: %s", p.ID, s.items[p.ID]))
	}
	return Text(s.items[p.ID])
}

func (s *shop) Add(r *Request, p addParams) Response {
	s.items = append(s.items, p.Name)
	return Redirect("/items", http.StatusSeeOther)
}

func (s *shop) Legacy(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Legacy", "yes")
	fmt.Fprintf(w, "legacy %s", r.Method)
}

// helper is exported but not handler-shaped: Mount ignores it.
func (s *shop) Helper(n int) string { return "" }

func TestMount(t *testing.T) {
	a := quietApp()
	a.Mount(&shop{items: []string{"apple", "pear"}})
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		tests := []struct {
			req    *http.Request
			status int
			body   string
		}{
			{get("/items/1"), 200, "pear"},
			{get("/items/0?v=true"), 200, "item 0: apple"},
			{get("/items/9"), 404, "no item 9\n"},
			{get("/items/x"), 400, "path parameter \"id\": \"x\" is not an integer\n"},
			{newReq("POST", "/items", "nam=typo", "Content-Type", "application/x-www-form-urlencoded"), 400, "form parameter \"name\" is missing\n"},
			{newReq("PUT", "/legacy", ""), 200, "legacy PUT"},
		}
		for _, tt := range tests {
			res := do(tt.req)
			if res.status != tt.status || res.body != tt.body {
				t.Errorf("%s %s: got %d %q, want %d %q", tt.req.Method, tt.req.URL, res.status, res.body, tt.status, tt.body)
			}
		}
	})
	// POST through ServeHTTP, then the list shows the new item.
	rec := newRecorder()
	a.ServeHTTP(rec, newReq("POST", "/items", "name=plum", "Content-Type", "application/x-www-form-urlencoded"))
	if rec.Code != 303 || rec.Header().Get("Location") != "/items" {
		t.Fatalf("add: %d %v", rec.Code, rec.Header())
	}
	rec = newRecorder()
	a.ServeHTTP(rec, get("/items"))
	if rec.Body.String() != "apple,pear,plum" {
		t.Fatalf("list: %q", rec.Body.String())
	}

	var names []string
	for _, r := range a.Routes() {
		names = append(names, r.Method+" "+r.Pattern+" "+r.Name)
	}
	want := "GET /items shop.List|POST /items shop.Add|GET /items/{id} shop.Show| /legacy shop.Legacy"
	if got := strings.Join(names, "|"); got != want {
		t.Errorf("routes\n got %q\nwant %q", got, want)
	}
}

type undeclared struct{}

func (undeclared) Routes() map[string]string                { return map[string]string{"A": "GET /a"} }
func (undeclared) A(r *Request) Response                    { return Text("") }
func (undeclared) B(r *Request) Response                    { return Text("") }
func (undeclared) C(w http.ResponseWriter, r *http.Request) {}
func (undeclared) notExported(r *Request) Response          { return Text("") }

type missing struct{}

func (missing) Routes() map[string]string { return map[string]string{"Gone": "GET /gone"} }

type wrongShape struct{}

func (wrongShape) Routes() map[string]string { return map[string]string{"Odd": "GET /odd"} }
func (wrongShape) Odd(r *Request) string     { return "" }

type badDecl struct{}

func (badDecl) Routes() map[string]string { return map[string]string{"A": "GET"} }
func (badDecl) A(r *Request) Response     { return Text("") }

type badPathParam struct{}

func (badPathParam) Routes() map[string]string { return map[string]string{"A": "GET /a/{id}"} }
func (badPathParam) A(r *Request, p struct {
	Slug string `path:"slug"`
}) Response {
	return Text("")
}

type conflicting struct{}

func (conflicting) Routes() map[string]string {
	return map[string]string{"A": "GET /x/{a}", "B": "GET /x/{b}"}
}
func (conflicting) A(r *Request) Response { return Text("") }
func (conflicting) B(r *Request) Response { return Text("") }

func TestMountPanics(t *testing.T) {
	tests := []struct {
		app  Routable
		want []string
	}{
		{undeclared{}, []string{"framework: Mount(framework.undeclared)", "method B looks like a handler but Routes does not declare it"}},
		{missing{}, []string{"Routes declares Gone but framework.missing has no exported method Gone"}},
		{wrongShape{}, []string{"Odd: method has type func(*framework.Request) string, not a handler's"}},
		{badDecl{}, []string{`A: declaration "GET" is not "METHOD /pattern"`}},
		{badPathParam{}, []string{`binds path parameter "slug", which pattern "/a/{id}" does not have`}},
		{conflicting{}, []string{"framework: ", "/x/{a}", "/x/{b}", "conflicting.B"}},
	}
	for _, tt := range tests {
		msg := catchPanic(func() { quietApp().Mount(tt.app) })
		for _, w := range tt.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%T: panic %q lacks %q", tt.app, msg, w)
			}
		}
	}
}
