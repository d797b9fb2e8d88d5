package framework

import (
	"bytes"
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

func TestLoggerRecoverRequestID(t *testing.T) {
	var logs bytes.Buffer
	l := slog.New(slog.NewTextHandler(&logs, nil))
	a := quietApp()
	a.Use(RequestID(), Logger(l), Recover(l))
	a.Get("/ok", func(r *Request) Response { return Text(RequestIDFrom(r.Context())) })
	a.Get("/panic", func(r *Request) Response { panic("boom") })
	a.Get("/abort", func(r *Request) Response { panic(http.ErrAbortHandler) })
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		logs.Reset()
		res := do(get("/ok"))
		id := res.header.Get("X-Request-Id")
		if len(id) != 32 || res.body != id {
			t.Errorf("generated id %q, body %q", id, res.body)
		}
		if res := do(get("/ok", "X-Request-Id", "abc-123.x_y")); res.body != "abc-123.x_y" {
			t.Errorf("client id not kept: %q", res.body)
		}
		if res := do(get("/ok", "X-Request-Id", "bad id")); len(res.body) != 32 {
			t.Errorf("insane client id kept: %q", res.body)
		}
		res = do(get("/panic"))
		if res.status != 500 || res.body != "Internal Server Error\n" {
			t.Errorf("panic: %d %q", res.status, res.body)
		}
		// The connection survives the panic.
		if res := do(get("/ok")); res.status != 200 {
			t.Errorf("after panic: %d", res.status)
		}
		out := logs.String()
		for _, w := range []string{"msg=request method=GET path=/ok status=200", "request_id=abc-123.x_y", "msg=\"handler panic\"", "panic=boom", "stack=", "path=/panic status=500"} {
			if !strings.Contains(out, w) {
				t.Errorf("log lacks %q:\n%s", w, out)
			}
		}
	})
	// ErrAbortHandler passes through Recover.
	if msg := catchPanic(func() { a.ServeHTTP(newRecorder(), get("/abort")) }); msg != http.ErrAbortHandler.Error() {
		t.Errorf("abort: %q", msg)
	}
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
