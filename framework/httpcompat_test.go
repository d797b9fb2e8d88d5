package framework

import (
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestHandleHTTPVisibleToMiddleware checks that middleware around a
// HandleHTTP route sees the status, headers and byte count the
// http.Handler wrote, and that a header middleware adds afterwards still
// reaches the client when the head was not sent yet (on the native path;
// net/http ignores header changes after WriteHeader).
func TestHandleHTTPVisibleToMiddleware(t *testing.T) {
	type seen struct {
		status int
		header string
		n      int64
	}
	var mu sync.Mutex
	var got []seen
	a := quietApp()
	a.Use(func(next Handler) Handler {
		return func(r *Request) Response { return next(r).WithHeader("X-Late", "abc") }
	}, func(next Handler) Handler {
		return func(r *Request) Response {
			resp := next(r)
			mu.Lock()
			got = append(got, seen{resp.StatusCode(), resp.Header("X-Handler"), resp.BytesWritten()})
			mu.Unlock()
			return resp
		}
	})
	a.HandleHTTP("GET", "/missing", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Handler", "yes")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte("nothing here\n"))
	}))
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		mu.Lock()
		got = got[:0]
		mu.Unlock()
		res := do(newReq("GET", "/missing", ""))
		if res.status != http.StatusNotFound || res.body != "nothing here\n" || res.header.Get("X-Handler") != "yes" {
			t.Fatalf("client saw %d %q %v", res.status, res.body, res.header)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(got) != 1 || got[0] != (seen{http.StatusNotFound, "yes", 13}) {
			t.Fatalf("middleware saw %+v, want status 404, X-Handler yes, 13 bytes", got)
		}
		if t.Name() == "TestHandleHTTPVisibleToMiddleware/engine" && res.header.Get("X-Late") != "abc" {
			t.Errorf("a header added afterwards lost on the native path: %v", res.header)
		}
	})
}

// gzipMiddleware is ordinary net/http middleware: it wraps the
// ResponseWriter and sets a header.
func gzipMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Del("Content-Length")
		gz := gzip.NewWriter(w)
		defer gz.Close()
		next.ServeHTTP(gzipWriter{w, gz}, r.WithContext(r.Context()))
	})
}

type gzipWriter struct {
	http.ResponseWriter
	gz *gzip.Writer
}

func (g gzipWriter) Write(p []byte) (int, error) { return g.gz.Write(p) }
func (g gzipWriter) WriteHeader(code int) {
	g.ResponseWriter.Header().Del("Content-Length")
	g.ResponseWriter.WriteHeader(code)
}

// prefixStripper changes the URL path, so routing sees the new one.
func prefixStripper(next http.Handler) http.Handler {
	return http.StripPrefix("/v1", next)
}

func TestFromHTTP(t *testing.T) {
	a := quietApp()
	// Outside the net/http middleware, the Request is as it was before
	// it: the path not stripped.
	a.Use(func(next Handler) Handler {
		return func(r *Request) Response { return next(r).WithHeader("X-Outer-Path", r.Path()) }
	})
	a.Use(FromHTTP(prefixStripper), FromHTTP(gzipMiddleware))
	a.Post("/echo/{x}", func(r *Request) Response {
		b, _ := r.BodyBytes()
		return Text("x="+r.Param("x")+" body="+string(b)+" path="+r.Path()).WithHeader("X-Inner", "1")
	})
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		req := newReq("POST", "/v1/echo/7", "payload")
		req.Header.Set("Accept-Encoding", "gzip") // so the client does not decode it for us
		res := do(req)
		if res.status != 200 || res.header.Get("Content-Encoding") != "gzip" || res.header.Get("X-Inner") != "1" {
			t.Fatalf("got %d %v", res.status, res.header)
		}
		if p := res.header.Get("X-Outer-Path"); p != "/v1/echo/7" && !strings.HasSuffix(t.Name(), "nethttp") {
			t.Errorf("outer middleware saw path %q, want /v1/echo/7", p) // net/http drops headers added after the write
		}
		zr, err := gzip.NewReader(strings.NewReader(res.body))
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := io.ReadAll(zr)
		if string(plain) != "x=7 body=payload path=/echo/7" {
			t.Fatalf("body %q", plain)
		}
		if res := do(get("/echo/7")); res.status != 404 { // no /v1 prefix: StripPrefix answers 404
			t.Fatalf("without prefix: %d", res.status)
		}
	})
}

func TestHandleHTTP(t *testing.T) {
	a := quietApp()
	a.HandleHTTP("GET", "/std/{name}/{rest...}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Std", "1")
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, "<html>"+r.PathValue("name")+"|"+r.PathValue("rest")+"|"+r.URL.Query().Get("q")+"|"+r.Header.Get("X-In"))
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		io.WriteString(w, "|flushed")
	}))
	a.HandleHTTP("POST", "/body", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		io.WriteString(w, string(b))
	}))
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		res := do(get("/std/a%20b/c/d?q=1", "X-In", "in"))
		if res.status != 202 || res.body != "<html>a b|c/d|1|in|flushed" || res.header.Get("X-Std") != "1" {
			t.Fatalf("got %d %q %v", res.status, res.body, res.header)
		}
		if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("sniffed Content-Type %q", ct)
		}
		if res := do(newReq("POST", "/body", "data")); res.body != "data" {
			t.Fatalf("body %q", res.body)
		}
	})
	if got := a.Routes()[0].Name; got != "http.HandlerFunc" {
		t.Errorf("name %q", got)
	}
}

// TestPattern: the matched route is visible as net/http's Request.Pattern
// to FromHTTP middleware (after the next handler returns for the App's,
// at once for a group's), to an http.Handler route, and as
// Request.Pattern; unrouted requests have none.
func TestPattern(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	record := func(where string) func(http.Handler) http.Handler {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				before := r.Pattern
				r2 := r.WithContext(r.Context()) // a copy passed on, as otelhttp does
				next.ServeHTTP(w, r2)
				mu.Lock()
				seen = append(seen, where+":"+before+"|"+r.Pattern+"|"+r2.Pattern)
				mu.Unlock()
			})
		}
	}
	a := quietApp()
	a.Use(FromHTTP(record("app")), FromHTTP(record("app2")))
	a.Get("/todo/{id}", func(r *Request) Response { return Text(r.Pattern() + "|" + r.HTTPRequest().Pattern) })
	a.Handle("", "/any", func(r *Request) Response { return Text(r.Pattern()) })
	a.Route("/api", func(g *Group) {
		g.Use(FromHTTP(record("group")))
		g.HandleHTTP("POST", "/items/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, r.Pattern)
		}))
	})
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		tests := []struct {
			method, target, body string
			seen                 []string
		}{
			{"GET", "/todo/7", "GET /todo/{id}|GET /todo/{id}", []string{
				"app2:|GET /todo/{id}|GET /todo/{id}", "app:|GET /todo/{id}|GET /todo/{id}"}},
			{"HEAD", "/todo/7", "", []string{
				"app2:|GET /todo/{id}|GET /todo/{id}", "app:|GET /todo/{id}|GET /todo/{id}"}},
			{"PUT", "/any", "/any", []string{"app2:|/any|/any", "app:|/any|/any"}},
			{"POST", "/api/items/1", "POST /api/items/{id}", []string{
				"group:POST /api/items/{id}|POST /api/items/{id}|POST /api/items/{id}",
				"app2:|POST /api/items/{id}|POST /api/items/{id}", "app:|POST /api/items/{id}|POST /api/items/{id}"}},
			{"GET", "/nothing", "no route found for GET /nothing\n", []string{"app2:||", "app:||"}},
		}
		for _, tt := range tests {
			mu.Lock()
			seen = nil
			mu.Unlock()
			res := do(newReq(tt.method, tt.target, ""))
			mu.Lock()
			got := strings.Join(seen, ", ")
			mu.Unlock()
			if res.body != tt.body || got != strings.Join(tt.seen, ", ") {
				t.Errorf("%s %s: body %q, middleware saw %s; want %q, %s", tt.method, tt.target, res.body, got, tt.body, strings.Join(tt.seen, ", "))
			}
		}
	})
}

// countingBody wraps a request body, as otelhttp's byte counter does.
type countingBody struct {
	io.ReadCloser
	n int
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += n
	return n, err
}

// TestPatternBodyWrapped: a middleware that passes on a copy of the
// request with its body wrapped (otelhttp, for every request with a body)
// sees the route in the copy's Pattern after the next handler returns,
// and the handler reads the body through the wrapper.
func TestPatternBodyWrapped(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	wrap := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			cb := &countingBody{ReadCloser: r.Body}
			r.Body = cb
			r2 := r.WithContext(r.Context())
			next.ServeHTTP(w, r2)
			mu.Lock()
			seen = append(seen, fmt.Sprintf("%s|%s|%d", r.Pattern, r2.Pattern, cb.n))
			mu.Unlock()
		})
	}
	a := quietApp()
	a.Use(FromHTTP(wrap))
	a.Post("/notes", func(r *Request) Response {
		b, err := r.BodyBytes()
		if err != nil {
			return Error(err)
		}
		return Text(r.Pattern() + "|" + string(b))
	})
	a.Route("/api", func(g *Group) {
		g.Use(FromHTTP(wrap))
		g.Put("/notes/{id}", func(r *Request) Response {
			b, _ := r.BodyBytes()
			return Text(r.Pattern() + "|" + string(b))
		})
	})
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		for _, tt := range []struct {
			method, target, body string
			seen                 []string
		}{
			{"POST", "/notes", "POST /notes|hello", []string{"POST /notes|POST /notes|5"}},
			{"PUT", "/api/notes/1", "PUT /api/notes/{id}|hello", []string{
				"PUT /api/notes/{id}|PUT /api/notes/{id}|5", "PUT /api/notes/{id}|PUT /api/notes/{id}|5"}},
		} {
			mu.Lock()
			seen = nil
			mu.Unlock()
			res := do(newReq(tt.method, tt.target, "hello"))
			mu.Lock()
			got := strings.Join(seen, ", ")
			mu.Unlock()
			if res.body != tt.body || got != strings.Join(tt.seen, ", ") {
				t.Errorf("%s %s: body %q, middleware saw %s; want %q, %s", tt.method, tt.target, res.body, got, tt.body, strings.Join(tt.seen, ", "))
			}
		}
	})
}
