package main

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/microframe/microframe/framework"
)

// The JSON API over the same list as the pages:
//
//	GET    /api/todos        the list: [{"pos": 1, "task": "..."}, ...]
//	POST   /api/todos        {"task": "...", "pos": 2?} -> 201, Location, the item
//	GET    /api/todos/{pos}  the item
//	PUT    /api/todos/{pos}  {"task": "..."} -> 200, the updated item
//	DELETE /api/todos/{pos}  -> 204
//
// Errors are JSON, {"error": "..."}: 400 for malformed JSON (or an unknown
// field), 404 for a missing item, 405 with Allow for a method the path does
// not have, 415 for a body that is not JSON, 422 for a blank task or one
// longer than maxTaskLen characters (with "field": "task"), 409 when
// the list is full.

// apiItem is a todo as the API shows it.
type apiItem struct {
	Pos  int    `json:"pos"`
	Task string `json:"task"`
}

func item(t Todo) apiItem { return apiItem{Pos: t.Pos, Task: t.Task} }

// checkTask is the rule for a task's text, shared by create and update.
func checkTask(task string) error {
	switch {
	case strings.TrimSpace(task) == "":
		return framework.Invalid("task", "must not be blank")
	case utf8.RuneCountInString(task) > maxTaskLen:
		return framework.Invalid("task", "is longer than %d characters", maxTaskLen)
	}
	return nil
}

type apiCreate struct {
	Task string `json:"task"`
	Pos  *int   `json:"pos"` // 1-based; absent or null appends
}

// Validate implements framework.Validator.
func (p *apiCreate) Validate() error { return checkTask(p.Task) }

type apiPos struct {
	Pos int `path:"pos"`
}

type apiUpdate struct {
	Pos  int    `path:"pos"`
	Task string `json:"task"`
}

// Validate implements framework.Validator.
func (p *apiUpdate) Validate() error { return checkTask(p.Task) }

// todoAPI is the JSON API, written as a Go type like the pages: its
// handler methods are mounted on a group whose errors are JSON.
type todoAPI struct {
	list *todoList
}

// mountAPI registers the JSON API for list under /api/todos.
func mountAPI(app *framework.App, list *todoList) {
	app.Route("/api/todos", func(g *framework.Group) {
		g.ErrorRenderer = framework.JSONErrors
		g.Mount(&todoAPI{list: list})
	})
}

// Routes declares the API's handlers, relative to /api/todos.
func (a *todoAPI) Routes() map[string]string {
	return map[string]string{
		"List":   "GET /",
		"Create": "POST /",
		"Show":   "GET /{pos}",
		"Update": "PUT /{pos}",
		"Remove": "DELETE /{pos}",
	}
}

// List answers the whole list.
func (a *todoAPI) List(r *framework.Request) framework.Response {
	items := []apiItem{} // [] rather than null for an empty list
	for _, t := range a.list.all() {
		items = append(items, item(t))
	}
	return framework.JSON(items)
}

// Create adds a todo: 201 with its URL in Location and the item.
func (a *todoAPI) Create(r *framework.Request, p apiCreate) framework.Response {
	t, ok := a.list.add(strings.TrimSpace(p.Task), p.Pos)
	if !ok {
		return listFull()
	}
	return framework.JSON(item(t)).WithStatus(http.StatusCreated).
		WithHeader("Location", "/api/todos/"+strconv.Itoa(t.Pos))
}

// Show answers one todo.
func (a *todoAPI) Show(r *framework.Request, p apiPos) framework.Response {
	t, ok := a.list.at(p.Pos)
	if !ok {
		return notFound(p.Pos)
	}
	return framework.JSON(item(t))
}

// Update replaces a todo's task and answers the updated item.
func (a *todoAPI) Update(r *framework.Request, p apiUpdate) framework.Response {
	t, ok := a.list.set(p.Pos, strings.TrimSpace(p.Task))
	if !ok {
		return notFound(p.Pos)
	}
	return framework.JSON(item(t))
}

// Remove deletes a todo: 204.
func (a *todoAPI) Remove(r *framework.Request, p apiPos) framework.Response {
	if !a.list.remove(p.Pos) {
		return notFound(p.Pos)
	}
	return framework.Status(http.StatusNoContent)
}

func notFound(pos int) framework.Response {
	return framework.Errorf(http.StatusNotFound, "no todo at position %d", pos)
}
