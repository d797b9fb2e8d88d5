package framework_test

// The code of docs/tutorial.md. Every ```go block of the tutorial is one
// region of this file between "// tutorial:begin" and "// tutorial:end";
// TestTutorialCode checks that they match, so the tutorial compiles, and
// the tests below run it.

import (
	"embed"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/microframe/microframe/engine"
	"github.com/microframe/microframe/engine/enginetest"
	"github.com/microframe/microframe/framework"
	"github.com/microframe/microframe/framework/middleware"
	"github.com/microframe/microframe/framework/session"
	"github.com/microframe/microframe/sessionstore"
)

// tutorial:begin hello
func hello(r *framework.Request) framework.Response {
	return framework.Text("Hello, world!")
}

func helloApp() *framework.App {
	app := framework.New()
	app.Get("/", hello)
	return app
}

// tutorial:end

// tutorial:begin serve
// serveHello serves the app until the server fails.
func serveHello(useNetHTTP bool) error {
	if useNetHTTP { // the standard library's server, unchanged
		return http.ListenAndServe("127.0.0.1:8080", helloApp())
	}
	srv := &engine.Server{Addr: "127.0.0.1:8080", Handler: helloApp()}
	return srv.ListenAndServe()
}

// tutorial:end

var _ = serveHello // compiled, not run: it would take a port

// tutorial:begin greet
func greet(r *framework.Request) framework.Response {
	name := r.Param("name") // from the path: /hello/{name}
	greeting := "Hello"
	if r.Query("lang") == "fr" { // from the query: ?lang=fr
		greeting = "Bonjour"
	}
	if r.Header("Accept") == "application/json" {
		return framework.JSON(map[string]string{"greeting": greeting, "name": name})
	}
	return framework.Text(greeting + ", " + name + "!")
}

// tutorial:end

// tutorial:begin bind
type greetParams struct {
	Name  string `path:"name"`
	Lang  string `query:"lang"`
	Times *int   `query:"times"` // nil when absent
}

func greetMany(r *framework.Request, p greetParams) framework.Response {
	n := 1
	if p.Times != nil {
		n = *p.Times
	}
	if n < 1 || n > 10 {
		return framework.Errorf(http.StatusBadRequest, "times must be between 1 and 10")
	}
	return framework.Text(strings.Repeat("Hello, "+p.Name+"! ", n))
}

func greetApp() *framework.App {
	app := framework.New()
	app.Get("/hello/{name}", framework.Bind(greetMany))
	return app
}

// tutorial:end

// tutorial:begin guestbook

//go:embed testdata/tutorial/*.html
var files embed.FS

type guestbook struct {
	mu    sync.Mutex
	names []string
	pages *framework.Templates
}

func newGuestbook() *guestbook {
	pages, _ := fs.Sub(files, "testdata/tutorial")
	return &guestbook{pages: &framework.Templates{FS: pages, Shared: []string{"layout.html"}}}
}

func (g *guestbook) Routes() map[string]string {
	return map[string]string{
		"Show": "GET /",
		"Sign": "POST /sign",
	}
}

func (g *guestbook) Show(r *framework.Request) framework.Response {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.pages.Render("guestbook.html", append([]string(nil), g.names...))
}

type signParams struct {
	Name string `form:"name,required"`
}

func (g *guestbook) Sign(r *framework.Request, p signParams) framework.Response {
	g.mu.Lock()
	g.names = append(g.names, p.Name)
	g.mu.Unlock()
	return framework.Redirect("/", http.StatusSeeOther)
}

// tutorial:end

// tutorial:begin cookies
func theme(r *framework.Request) framework.Response {
	if t := r.Query("set"); t != "" {
		return framework.Redirect("/theme", http.StatusSeeOther).
			WithCookie(&http.Cookie{Name: "theme", Value: t, Path: "/", HttpOnly: true})
	}
	current := r.Cookie("theme")
	if current == "" {
		current = "light"
	}
	return framework.Text("theme: " + current)
}

// tutorial:end

// tutorial:begin sessions
func counterApp(store sessionstore.Store) *framework.App {
	app := framework.New()
	app.Use(middleware.Recover(nil), session.Middleware(sessionstore.NewManager(store)))
	app.Get("/counter", func(r *framework.Request) framework.Response {
		n, err := session.From(r).AddInt("visits", 1)
		if err != nil {
			return framework.Error(err)
		}
		return framework.Text(strconv.FormatInt(n, 10))
	})
	return app
}

// tutorial:end

// tutorial:begin jsonapi
type note struct {
	ID   int    `json:"id"`
	Text string `json:"text"`
}

// newNote is the body of POST /api/notes: JSON, checked by Validate.
type newNote struct {
	Text string `json:"text"`
}

func (p *newNote) Validate() error {
	if strings.TrimSpace(p.Text) == "" {
		return framework.Invalid("text", "must not be blank") // 422
	}
	return nil
}

// noteID comes from the path: /api/notes/{id}.
type noteID struct {
	ID int `path:"id"`
}

type notebook struct {
	mu    sync.Mutex
	notes map[int]note
	last  int
}

func notesApp(nb *notebook, token string) *framework.App {
	app := framework.New()
	app.Route("/api/notes", func(api *framework.Group) {
		api.ErrorRenderer = framework.JSONErrors // {"error": "..."}
		api.Use(requireToken(token))             // for this group only
		api.Post("/", framework.Bind(func(r *framework.Request, p newNote) framework.Response {
			nb.mu.Lock()
			defer nb.mu.Unlock()
			nb.last++
			n := note{ID: nb.last, Text: p.Text}
			nb.notes[n.ID] = n
			return framework.JSON(n).WithStatus(http.StatusCreated).
				WithHeader("Location", "/api/notes/"+strconv.Itoa(n.ID))
		}))
		api.Get("/{id}", framework.Bind(func(r *framework.Request, p noteID) framework.Response {
			nb.mu.Lock()
			defer nb.mu.Unlock()
			n, ok := nb.notes[p.ID]
			if !ok {
				return framework.Errorf(http.StatusNotFound, "no note %d", p.ID)
			}
			return framework.JSON(n)
		}))
	})
	return app
}

func requireToken(token string) framework.Middleware {
	return func(next framework.Handler) framework.Handler {
		return func(r *framework.Request) framework.Response {
			if r.Header("Authorization") != "Bearer "+token {
				return framework.Errorf(http.StatusUnauthorized, "missing or wrong token")
			}
			return next(r)
		}
	}
}

// tutorial:end

// tutorial:begin static
func siteApp(assets fs.FS) *framework.App {
	app := framework.New()
	app.Use(middleware.Compress(middleware.CompressOptions{})) // gzip text over 1 KiB
	app.Static("/static", assets)                              // ETag, 304, Range, HEAD
	app.Get("/", func(r *framework.Request) framework.Response {
		return framework.HTML(`<link rel="stylesheet" href="/static/site.css">`)
	})
	return app
}

// tutorial:end

// tutorial:begin testing
func TestHelloOnTheEngine(t *testing.T) {
	srv := enginetest.NewServer(helloApp())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "Hello, world!" {
		t.Errorf("GET / = %q", body)
	}
}

func TestNotFoundOnBothServers(t *testing.T) {
	enginetest.ForEachServer(t, helloApp, func(t *testing.T, url string, c *http.Client) {
		resp, err := c.Get(url + "/nowhere")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET /nowhere: %d, want 404", resp.StatusCode)
		}
	})
}

// tutorial:end

func call(t *testing.T, h http.Handler, method, target, body string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestTutorialApps(t *testing.T) {
	if got := call(t, helloApp(), "GET", "/", "").Body.String(); got != "Hello, world!" {
		t.Errorf("hello: %q", got)
	}

	app := framework.New()
	app.Get("/hello/{name}", greet)
	if got := call(t, app, "GET", "/hello/Ada?lang=fr", "").Body.String(); got != "Bonjour, Ada!" {
		t.Errorf("greet: %q", got)
	}

	g := greetApp()
	if got := call(t, g, "GET", "/hello/Bob?times=2", "").Body.String(); got != "Hello, Bob! Hello, Bob! " {
		t.Errorf("greetMany: %q", got)
	}
	if rec := call(t, g, "GET", "/hello/Bob?times=many", ""); rec.Code != 400 || rec.Body.String() != "query parameter \"times\": \"many\" is not an integer\n" {
		t.Errorf("greetMany bad times: %d %q", rec.Code, rec.Body.String())
	}

	book := framework.New()
	book.Mount(newGuestbook())
	if rec := call(t, book, "POST", "/sign", "name="+url.QueryEscape("<Eve>")); rec.Code != 303 {
		t.Errorf("sign: %d", rec.Code)
	}
	if got := call(t, book, "GET", "/", "").Body.String(); !strings.Contains(got, "<li>&lt;Eve&gt;</li>") {
		t.Errorf("guestbook:\n%s", got)
	}

	th := framework.New()
	th.Get("/theme", theme)
	rec := call(t, th, "GET", "/theme?set=dark", "")
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Value != "dark" {
		t.Fatalf("theme cookie: %v", rec.Header())
	}
	if got := call(t, th, "GET", "/theme", "", cookies[0]).Body.String(); got != "theme: dark" {
		t.Errorf("theme: %q", got)
	}

	store := sessionstore.NewMemoryStore(sessionstore.MemoryOptions{SweepInterval: -1})
	defer store.Close()
	c := counterApp(store)
	first := call(t, c, "GET", "/counter", "")
	sess := first.Result().Cookies()
	if first.Body.String() != "1" || len(sess) != 1 {
		t.Fatalf("counter: %q %v", first.Body.String(), first.Header())
	}
	if got := call(t, c, "GET", "/counter", "", sess[0]).Body.String(); got != "2" {
		t.Errorf("counter again: %q", got)
	}
}

func TestTutorialJSONAPI(t *testing.T) {
	app := notesApp(&notebook{notes: map[int]note{}}, "s3cret")
	post := func(body, token string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/api/notes", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		app.ServeHTTP(rec, req)
		return rec
	}
	if rec := post(`{"text":"hi"}`, "s3cret"); rec.Code != 201 || rec.Header().Get("Location") != "/api/notes/1" || rec.Body.String() != `{"id":1,"text":"hi"}`+"\n" {
		t.Errorf("create: %d %v %q", rec.Code, rec.Header(), rec.Body)
	}
	for _, tt := range []struct {
		body, token string
		code        int
		want        string
	}{
		{`{"text":" "}`, "s3cret", 422, `{"error":"\"text\" must not be blank","field":"text","fields":[{"field":"text","reason":"must not be blank"}]}` + "\n"},
		{`{"text":"hi"`, "s3cret", 400, ""},
		{`{"txt":"hi"}`, "s3cret", 400, `{"error":"JSON body has unknown field \"txt\""}` + "\n"},
		{`{"text":"hi"}`, "guess", 401, `{"error":"missing or wrong token"}` + "\n"},
	} {
		if rec := post(tt.body, tt.token); rec.Code != tt.code || tt.want != "" && rec.Body.String() != tt.want {
			t.Errorf("%s: %d %q", tt.body, rec.Code, rec.Body)
		}
	}
	req := httptest.NewRequest("GET", "/api/notes/7", nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, req)
	if rec.Code != 404 || rec.Body.String() != `{"error":"no note 7"}`+"\n" {
		t.Errorf("missing note: %d %q", rec.Code, rec.Body)
	}

	css := strings.Repeat("p { margin: 0 }\n", 100)
	site := siteApp(fstest.MapFS{"site.css": {Data: []byte(css)}})
	req = httptest.NewRequest("GET", "/static/site.css", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	rec = httptest.NewRecorder()
	site.ServeHTTP(rec, req)
	if rec.Code != 200 || rec.Header().Get("Content-Encoding") != "gzip" || rec.Body.Len() >= len(css) {
		t.Errorf("site.css: %d %v, %d bytes for %d", rec.Code, rec.Header(), rec.Body.Len(), len(css))
	}
}

var region = regexp.MustCompile(`(?s)// tutorial:begin (\S+)\n(.*?)\n// tutorial:end`)
var goBlock = regexp.MustCompile("(?s)```go\n(.*?)\n```")

// TestTutorialCode checks that every Go block of docs/tutorial.md is a
// region of this file, in order, so that the tutorial's code compiles and
// is run by the tests above.
func TestTutorialCode(t *testing.T) {
	src, err := os.ReadFile("tutorial_test.go")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../docs/tutorial.md")
	if err != nil {
		t.Fatal(err)
	}
	var regions []string
	for _, m := range region.FindAllStringSubmatch(string(src), -1) {
		regions = append(regions, strings.TrimSpace(m[2]))
	}
	blocks := goBlock.FindAllStringSubmatch(string(doc), -1)
	if len(blocks) != len(regions) {
		t.Fatalf("docs/tutorial.md has %d Go blocks, tutorial_test.go %d regions", len(blocks), len(regions))
	}
	for i, b := range blocks {
		if got := strings.TrimSpace(b[1]); got != regions[i] {
			t.Errorf("Go block %d of docs/tutorial.md differs from region %d of tutorial_test.go:\n--- doc\n%s\n--- code\n%s", i+1, i+1, got, regions[i])
		}
	}
}
