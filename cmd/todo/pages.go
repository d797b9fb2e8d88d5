package main

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/microframe/microframe/framework"
)

// The pages a person with a browser needs around the list: a login form,
// a delete button per todo, and HTML versions of the session pages
// (/counter, /whoami, ...) for browsers, while other clients keep the
// plain-text answers.

//go:embed static
var staticFiles embed.FS

// staticFS returns the embedded stylesheet directory, served at /static.
func staticFS() fs.FS {
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic(err) // the directory is embedded: a build mistake
	}
	return sub
}

// LoginForm shows the form that posts the user name to /login.
func (a *todoApp) LoginForm(r *framework.Request) framework.Response {
	return a.pages.Render("login.html", nil)
}

type deleteParams struct {
	Pos int `path:"pos"`
}

// Delete removes the todo at a position (the delete button of each item)
// and sends the browser back to the list.
func (a *todoApp) Delete(r *framework.Request, p deleteParams) framework.Response {
	if !a.list.remove(p.Pos) {
		return framework.Errorf(http.StatusNotFound, "no todo at position %d", p.Pos)
	}
	return framework.Redirect("/", http.StatusSeeOther)
}

// answer returns text as a small HTML page titled title to browsers (an
// Accept that prefers text/html), and as plain text to other clients.
func (a *todoApp) answer(r *framework.Request, title, text string) framework.Response {
	if framework.AcceptsHTML(r) {
		return a.pages.Render("message.html", map[string]string{"Title": title, "Text": text})
	}
	return framework.Text(text)
}

// errorPage renders the errors of the pages: an HTML page with the
// message for browsers, and the framework's default (text, or JSON for
// clients that ask for it) for the rest. The API's group has its own.
func (a *todoApp) errorPage(r *framework.Request, e *framework.HTTPError) framework.Response {
	if !framework.AcceptsHTML(r) {
		return framework.DefaultErrors(r, e)
	}
	return a.pages.Render("message.html", map[string]string{
		"Title": http.StatusText(e.Code), "Text": e.Message,
	}).WithStatus(e.Code)
}
