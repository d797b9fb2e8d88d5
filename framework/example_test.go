package framework_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing/fstest"

	"github.com/microframe/microframe/framework"
)

// show sends a request to h and prints the status and body.
func show(h http.Handler, method, target string) {
	req := httptest.NewRequest(method, target, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Printf("%d %s\n", rec.Code, strings.TrimSpace(rec.Body.String()))
}

func Example() {
	app := framework.New()
	app.Get("/hello/{name}", func(r *framework.Request) framework.Response {
		return framework.Text("Hello, " + r.Param("name") + "!")
	})
	show(app, "GET", "/hello/Ada")
	show(app, "GET", "/goodbye")
	show(app, "POST", "/hello/Ada")
	// Output:
	// 200 Hello, Ada!
	// 404 no route found for GET /goodbye
	// 405 method POST not allowed for /hello/Ada (allowed: GET, HEAD)
}

func ExampleBind() {
	type params struct {
		Q     []string `query:"q"`
		Limit *int     `query:"limit"`
	}
	app := framework.New()
	app.Get("/search", framework.Bind(func(r *framework.Request, p params) framework.Response {
		limit := "none"
		if p.Limit != nil {
			limit = fmt.Sprint(*p.Limit)
		}
		return framework.Text(fmt.Sprintf("q=%q limit=%s", p.Q, limit))
	}))
	show(app, "GET", "/search?q=go&q=web")
	show(app, "GET", "/search?q=go&limit=5")
	show(app, "GET", "/search?limit=ten")
	// Output:
	// 200 q=["go" "web"] limit=none
	// 200 q=["go"] limit=5
	// 400 query parameter "limit": "ten" is not an integer
}

type notes struct{ list []string }

func (n *notes) Routes() map[string]string {
	return map[string]string{"List": "GET /notes", "Get": "GET /notes/{i}"}
}

func (n *notes) List(r *framework.Request) framework.Response {
	return framework.JSON(n.list)
}

func (n *notes) Get(r *framework.Request, p struct {
	I int `path:"i"`
}) framework.Response {
	if p.I < 0 || p.I >= len(n.list) {
		return framework.Errorf(http.StatusNotFound, "no note %d", p.I)
	}
	return framework.Text(n.list[p.I])
}

func ExampleApp_Mount() {
	app := framework.New()
	app.Mount(&notes{list: []string{"milk", "eggs"}})
	app.WriteRoutes(os.Stdout)
	show(app, "GET", "/notes")
	show(app, "GET", "/notes/1")
	show(app, "GET", "/notes/7")
	// Output:
	// METHOD  PATTERN     HANDLER
	// GET     /notes      notes.List
	// GET     /notes/{i}  notes.Get
	// 200 ["milk","eggs"]
	// 200 eggs
	// 404 no note 7
}

func ExampleTemplates() {
	pages := &framework.Templates{
		FS: fstest.MapFS{
			"layout.html": {Data: []byte(`<h1>{{block "title" .}}{{end}}</h1>`)},
			"hello.html":  {Data: []byte(`{{template "layout.html" .}}{{define "title"}}Hello, {{.}}{{end}}`)},
		},
		Shared: []string{"layout.html"},
	}
	app := framework.New()
	app.Get("/", func(r *framework.Request) framework.Response {
		return pages.Render("hello.html", r.Query("name"))
	})
	show(app, "GET", "/?name=%3Cscript%3E")
	// Output:
	// 200 <h1>Hello, &lt;script&gt;</h1>
}

func ExampleRequest_Env() {
	app := framework.New()
	app.Get("/cgi/{x}", func(r *framework.Request) framework.Response {
		env := r.Env()
		return framework.Text(env["REQUEST_METHOD"] + " " + env["PATH_INFO"] + " " + env["QUERY_STRING"] + " " + env["HTTP_X_GREETING"])
	})
	req := httptest.NewRequest("GET", "/cgi/a%20b?debug=1", nil)
	req.Header.Set("X-Greeting", "hi")
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, req)
	fmt.Println(rec.Body.String())
	// Output:
	// GET /cgi/a b debug=1 hi
}

func ExampleFromHTTP() {
	// Any func(http.Handler) http.Handler middleware fits.
	poweredBy := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Powered-By", "microframe")
			next.ServeHTTP(w, r)
		})
	}
	app := framework.New()
	app.Use(framework.FromHTTP(poweredBy))
	app.Get("/", func(r *framework.Request) framework.Response { return framework.Text("ok") })
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Println(rec.Header().Get("X-Powered-By"), rec.Body.String())
	// Output:
	// microframe ok
}

func ExampleStream() {
	app := framework.New()
	app.Get("/count", func(r *framework.Request) framework.Response {
		return framework.Stream("text/plain", func(w framework.StreamWriter) error {
			for i := 1; i <= 3; i++ {
				fmt.Fprintln(w, i)
				if err := w.Flush(); err != nil { // the client sees each line at once
					return err
				}
			}
			return nil
		})
	})
	srv := httptest.NewServer(app)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/count")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Print(resp.TransferEncoding, "\n", string(b))
	// Output:
	// [chunked]
	// 1
	// 2
	// 3
}

func ExampleErrorf() {
	app := framework.New()
	app.Get("/todo/{id}", func(r *framework.Request) framework.Response {
		return framework.Errorf(http.StatusNotFound, "no todo %q", r.Param("id"))
	})
	show(app, "GET", "/todo/42")
	// Output:
	// 404 no todo "42"
}

func ExampleRequest_Pattern() {
	app := framework.New()
	// net/http instrumentation reads the route after the next handler, as
	// otelhttp does for its span names.
	app.Use(framework.FromHTTP(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r)
			fmt.Printf("route %q\n", r.Pattern)
		})
	}))
	app.Get("/bookmarks/{id}", func(r *framework.Request) framework.Response {
		return framework.Text(r.Pattern())
	})
	show(app, "GET", "/bookmarks/7")
	show(app, "GET", "/nothing")
	// Output:
	// route "GET /bookmarks/{id}"
	// 200 GET /bookmarks/{id}
	// route ""
	// 404 no route found for GET /nothing
}

func ExampleWriteError() {
	// A net/http middleware that answers some requests itself, as a rate
	// limiter does: WriteError renders its error like the App's own.
	onlyAdmins := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("X-Role") != "admin" {
				w.Header().Set("WWW-Authenticate", `Bearer realm="admin"`)
				framework.WriteError(w, r, &framework.HTTPError{Code: http.StatusUnauthorized, Message: "admins only"})
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	app := framework.New()
	app.ErrorRenderer = framework.JSONErrors
	app.Use(framework.FromHTTP(onlyAdmins))
	app.Get("/admin", func(r *framework.Request) framework.Response { return framework.Text("welcome") })
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest("GET", "/admin", nil))
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"), strings.TrimSpace(rec.Body.String()))
	// Output:
	// 401 Bearer realm="admin" {"error":"admins only"}
}
