package main

import (
	"embed"
	"io/fs"
	"net/http"
	"strconv"
	"strings"

	"github.com/microframe/microframe/framework"
)

//go:embed templates/*.html
var embedded embed.FS

// todoApp is the demo app, written as a Go type: its handler methods are
// found by framework.App.Mount from the declaration in Routes.
type todoApp struct {
	list  todoList
	pages *framework.Templates
}

// newTodoApp returns the app with its templates read from fsys (the
// embedded ones in production; a directory with dev set).
func newTodoApp(fsys fs.FS, dev bool) *todoApp {
	return &todoApp{pages: &framework.Templates{
		FS:     fsys,
		Shared: []string{"layout.html", "list.html"},
		Dev:    dev,
	}}
}

// Routes declares the URL and method of each handler method.
func (a *todoApp) Routes() map[string]string {
	return map[string]string{
		"Index":   "GET /",
		"Create":  "POST /todo/create",
		"Item":    "GET /todo/{pos}",
		"Search":  "GET /search",
		"Counter": "GET /counter",
		"Login":   "POST /login",
		"WhoAmI":  "GET /whoami",
		"Logout":  "POST /logout",
	}
}

// Index shows the list and the form to add to it.
func (a *todoApp) Index(r *framework.Request) framework.Response {
	return a.pages.Render("index.html", map[string]any{"Todos": a.list.all()})
}

// createParams is what the form on the index page posts.
type createParams struct {
	Task string `form:"task,required"`
	Pos  *int   `form:"pos"` // 1-based; nil (absent or blank) appends
}

// Create adds a todo and sends the browser back to the list (303, so that
// a reload does not post again).
func (a *todoApp) Create(r *framework.Request, p createParams) framework.Response {
	task := strings.TrimSpace(p.Task)
	if task == "" {
		return framework.Errorf(http.StatusBadRequest, "form parameter \"task\" is empty")
	}
	if resp, ok := tooLong("the task", task, maxTaskLen); !ok {
		return resp
	}
	if !a.list.add(task, p.Pos) {
		return listFull()
	}
	return framework.Redirect("/", http.StatusSeeOther)
}

// itemParams: the position comes from the path, the rest from the query.
type itemParams struct {
	Pos    int    `path:"pos"`
	Format string `query:"format"` // "json", or text by default
	Upper  bool   `query:"upper"`  // shout the task
}

// Item shows the todo at a 1-based position, as text or JSON.
func (a *todoApp) Item(r *framework.Request, p itemParams) framework.Response {
	t, ok := a.list.at(p.Pos)
	if !ok {
		return framework.Errorf(http.StatusNotFound, "no todo at position %d", p.Pos)
	}
	if p.Upper {
		t.Task = strings.ToUpper(t.Task)
	}
	if p.Format == "json" {
		return framework.JSON(map[string]any{"pos": p.Pos, "task": t.Task})
	}
	return framework.Text(t.Task)
}

// searchParams: a repeated q means any of them.
type searchParams struct {
	Q []string `query:"q"`
}

// Search lists the todos matching any of the queries.
func (a *todoApp) Search(r *framework.Request, p searchParams) framework.Response {
	if resp, ok := checkSearch(p.Q); !ok {
		return resp
	}
	var queries []string
	for _, q := range p.Q {
		if q = strings.TrimSpace(q); q != "" {
			queries = append(queries, q)
		}
	}
	return a.pages.Render("search.html", map[string]any{
		"Query":   strings.Join(queries, " "),
		"Queries": queries,
		"Todos":   a.list.search(queries),
	})
}

// Counter counts this session's visits and answers the new count.
func (a *todoApp) Counter(r *framework.Request) framework.Response {
	n, err := r.Session().AddInt("counter", 1)
	if err != nil {
		return framework.Error(err)
	}
	return framework.Text(strconv.FormatInt(n, 10))
}

type loginParams struct {
	User string `form:"user,required"`
}

// Login logs the session in as the user. The session id is renewed first,
// so that an id obtained before login is worthless after it.
func (a *todoApp) Login(r *framework.Request, p loginParams) framework.Response {
	user := strings.TrimSpace(p.User)
	if user == "" {
		return framework.Errorf(http.StatusBadRequest, "form parameter \"user\" is empty")
	}
	if resp, ok := tooLong("the user name", user, maxUserLen); !ok {
		return resp
	}
	s := r.Session()
	if err := s.Renew(); err != nil {
		return framework.Error(err)
	}
	if err := s.PutString("user", user); err != nil {
		return framework.Error(err)
	}
	return framework.Text("logged in as " + user)
}

// WhoAmI answers the logged-in user's name, or 401. A session store that
// failed is not "not logged in": it answers the store's error (503 for
// Redis).
func (a *todoApp) WhoAmI(r *framework.Request) framework.Response {
	s := r.Session()
	user := s.GetString("user")
	if err := s.Err(); err != nil {
		return framework.Error(err)
	}
	if user == "" {
		return framework.Errorf(http.StatusUnauthorized, "not logged in")
	}
	return framework.Text(user)
}

// Logout ends the session.
func (a *todoApp) Logout(r *framework.Request) framework.Response {
	if err := r.Session().Destroy(); err != nil {
		return framework.Error(err)
	}
	return framework.Text("logged out")
}
