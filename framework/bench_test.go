package framework

import (
	"bufio"
	"io"
	"log/slog"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
)

// End-to-end dispatch through the framework: request in (a parsed head on
// the native path, an *http.Request through net/http), router, handler,
// Response written. The route table is the GitHub REST API (~200 routes),
// shared with the router's own benchmarks.

func githubApp(tb testing.TB) *App {
	tb.Helper()
	f, err := os.Open("router/testdata/github.routes")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	a := quietApp()
	ok := func(r *Request) Response { return Text("ok") }
	owner := func(r *Request) Response { return Text(r.Param("owner")) }
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		method, pattern, _ := strings.Cut(line, " ")
		h := ok
		if strings.Contains(pattern, "{owner}") {
			h = owner
		}
		a.Handle(method, pattern, h)
		n++
	}
	if n < 150 {
		tb.Fatalf("only %d GitHub routes", n)
	}
	return a
}

var dispatchCases = []struct{ name, method, target, body string }{
	{"static", "GET", "/user/repos", "ok"},
	{"param", "GET", "/repos/julienschmidt/httprouter/stargazers", "julienschmidt"},
	{"notfound", "GET", "/nothing/here", "no route found"},
}

// discardWriter is a reusable http.ResponseWriter that keeps nothing.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }
func (w *discardWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

func BenchmarkDispatch(b *testing.B) {
	a := githubApp(b)
	for _, c := range dispatchCases {
		b.Run("native/"+c.name, func(b *testing.B) {
			fc := new(fakeCtx).set(c.method, c.target)
			b.ReportAllocs()
			for b.Loop() {
				fc.reset()
				a.serveNative(fc)
			}
		})
		b.Run("nethttp/"+c.name, func(b *testing.B) {
			req, _ := http.NewRequest(c.method, c.target, nil)
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				a.ServeHTTP(w, req)
			}
		})
	}
}

// TestDispatchAllocs pins the allocation counts of the hot path. On the
// native path a static route costs none, and a parameter costs only the
// copy of the value the handler asked for.
func TestDispatchAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	a := githubApp(t)
	want := map[string]struct{ native, nethttp float64 }{
		"static":   {0, 3},   // net/http: the Header map's []string values
		"param":    {1, 4},   // the decoded parameter the handler asked for
		"notfound": {10, 13}, // the message is formatted, the error boxed, an *HTTPError for the ErrorRenderer
	}
	for _, c := range dispatchCases {
		fc := new(fakeCtx).set(c.method, c.target)
		fc.reset()
		a.serveNative(fc)
		if !strings.HasPrefix(fc.out.String(), c.body) {
			t.Fatalf("%s: body %q", c.name, fc.out.String())
		}
		native := testing.AllocsPerRun(200, func() {
			fc.reset()
			a.serveNative(fc)
		})
		req, _ := http.NewRequest(c.method, c.target, nil)
		w := &discardWriter{h: http.Header{}}
		nethttp := testing.AllocsPerRun(200, func() {
			clear(w.h)
			a.ServeHTTP(w, req)
		})
		if native > want[c.name].native || nethttp > want[c.name].nethttp {
			t.Errorf("%s: %.0f allocs native (want <= %.0f), %.0f through net/http (want <= %.0f)",
				c.name, native, want[c.name].native, nethttp, want[c.name].nethttp)
		}
	}
}

type benchParams struct {
	ID int `path:"id"`
}

type benchApp struct{}

func (benchApp) Routes() map[string]string               { return map[string]string{"Show": "GET /m/{id}"} }
func (benchApp) Show(r *Request, p benchParams) Response { return Text("ok") }

// BenchmarkInjected compares parameter injection through Bind (the type is
// known at compile time) and through Mount (a reflect call).
func BenchmarkInjected(b *testing.B) {
	a := quietApp()
	a.Get("/b/{id}", Bind(func(r *Request, p benchParams) Response { return Text("ok") }))
	a.Mount(benchApp{})
	for _, target := range []string{"/b/42", "/m/42"} {
		name := map[string]string{"/b/42": "bind", "/m/42": "mount"}[target]
		b.Run(name, func(b *testing.B) {
			fc := new(fakeCtx).set("GET", target)
			b.ReportAllocs()
			for b.Loop() {
				fc.reset()
				a.serveNative(fc)
			}
			if fc.out.String() != "ok" {
				b.Fatalf("body %q", fc.out.String())
			}
		})
	}
}

// TestPlainResponseAllocs: a text response on the native path, with no
// middleware, allocates nothing.
func TestPlainResponseAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	a := quietApp()
	a.Get("/hello", func(r *Request) Response { return Text("hello") })
	fc := new(fakeCtx).set("GET", "/hello")
	fc.req.Headers = nil
	if n := testing.AllocsPerRun(200, func() { fc.reset(); a.serveNative(fc) }); n != 0 {
		t.Errorf("%.0f allocs per request, want 0", n)
	}
}

// TestPutResets: after a request that used every part of the Request
// (FromHTTP, a replaced body, log attributes, a preset response header,
// Send, a routed pattern), put leaves it as new but for the storage it
// keeps for the next one.
func TestPutResets(t *testing.T) {
	a := quietApp()
	a.Use(func(next Handler) Handler {
		return func(r *Request) Response {
			r.AddLogAttrs(slog.String("k", "v"))
			r.SetResponseHeader("X-Preset", "v")
			return r.Send(next(r))
		}
	}, FromHTTP(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, hr *http.Request) {
			hr.Body = io.NopCloser(strings.NewReader("replaced"))
			next.ServeHTTP(w, hr)
		})
	}))
	a.Post("/x/{id}", func(r *Request) Response {
		b, _ := r.BodyBytes()
		return Text(string(b) + r.Param("id") + r.Query("q") + r.Header("X") + r.Pattern())
	})
	for _, serve := range []func(){
		func() {
			fc := new(fakeCtx).set("POST", "/x/1?q=2")
			fc.req.ContentLength = 4
			fc.body = strings.NewReader("body")
			a.serveNative(fc)
		},
		func() { a.ServeHTTP(newRecorder(), newReq("POST", "/x/1?q=2", "body")) },
	} {
		serve()
		r := a.get()
		want := Request{app: a, native: nativeTransport{rw: r.native.rw}, body: body{buf: r.body.buf},
			layers: r.layers, form: r.form, params: r.params, httpReqs: r.httpReqs, logAttrs: r.logAttrs,
			preset: r.preset}
		if !reflect.DeepEqual(*r, want) {
			t.Errorf("after put:\n%+v\nwant\n%+v", *r, want)
		}
		if len(r.layers)+len(r.httpReqs)+len(r.logAttrs)+r.params.Len() != 0 || r.form.done {
			t.Errorf("storage kept with contents: %d layers, %d requests, %d attrs, %d params", len(r.layers), len(r.httpReqs), len(r.logAttrs), r.params.Len())
		}
		a.put(r)
	}
}
