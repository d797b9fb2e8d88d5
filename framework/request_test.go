package framework

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestRequestAccessors checks what a handler sees, on both paths.
func TestRequestAccessors(t *testing.T) {
	a := quietApp()
	a.Handle("", "/items/{id}/{rest...}", func(r *Request) Response {
		u := r.URL()
		return JSON(map[string]any{
			"method":    r.Method(),
			"path":      r.Path(),
			"rawPath":   r.RawPath(),
			"rawQuery":  r.RawQuery(),
			"urlPath":   u.Path,
			"urlQuery":  u.RawQuery,
			"host":      r.Host(),
			"proto":     r.Proto(),
			"id":        r.Param("id"),
			"rest":      r.Param("rest"),
			"none":      r.Param("none"),
			"q":         r.Query("q"),
			"qAll":      r.QueryAll("q"),
			"missing":   r.QueryAll("missing") == nil,
			"accept":    r.Header("accept"),
			"multi":     r.HeaderValues("X-Multi"),
			"hdrMap":    r.Headers()["X-Multi"],
			"hostInMap": r.Headers()["Host"] != nil,
			"ctype":     r.ContentType(),
			"clen":      r.ContentLength(),
			"remote":    r.RemoteAddr() != "",
			"tls":       r.TLS() != nil,
			"route":     r.Route().Pattern,
		})
	})
	req := newReq("POST", "/items/a%20b/x/y%2Fz?q=1&q=two+words&e=%26", "body",
		"Accept", "text/html", "X-Multi", "one", "X-Multi", "two", "Content-Type", "text/plain")
	req.Host = "example.com:8080"
	want := map[string]any{
		"method": "POST", "path": "/items/a b/x/y/z", "rawPath": "/items/a%20b/x/y%2Fz",
		"rawQuery": "q=1&q=two+words&e=%26", "urlPath": "/items/a b/x/y/z", "urlQuery": "q=1&q=two+words&e=%26",
		"host": "example.com:8080", "proto": "HTTP/1.1", "id": "a b", "rest": "x/y/z", "none": "",
		"q": "1", "qAll": []any{"1", "two words"}, "missing": true, "accept": "text/html",
		"multi": []any{"one", "two"}, "hdrMap": []any{"one", "two"}, "hostInMap": false,
		"ctype": "text/plain", "clen": float64(4), "remote": true, "tls": false, "route": "/items/{id}/{rest...}",
	}
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		res := do(req)
		var got map[string]any
		if err := json.Unmarshal([]byte(res.body), &got); err != nil {
			t.Fatalf("%d %q: %v", res.status, res.body, err)
		}
		for k, w := range want {
			if g, _ := json.Marshal(got[k]); string(g) != mustJSON(w) {
				t.Errorf("%s = %s, want %s", k, g, mustJSON(w))
			}
		}
	})
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestBodyReplay: middleware reads the body, then the handler reads it
// again, whole and through two interleaved readers.
func TestBodyReplay(t *testing.T) {
	a := quietApp()
	a.Use(func(next Handler) Handler {
		return func(r *Request) Response {
			b := make([]byte, 5)
			n, _ := io.ReadFull(r.Body(), b)
			return next(r).WithHeader("X-Peek", string(b[:n]))
		}
	})
	a.Post("/", func(r *Request) Response {
		all, err := io.ReadAll(r.Body())
		if err != nil {
			return Error(err)
		}
		again, err := r.BodyBytes()
		if err != nil {
			return Error(err)
		}
		return Text(string(all) + "|" + string(again))
	})
	body := strings.Repeat("0123456789", 1000) // larger than one read
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		res := do(newReq("POST", "/", body))
		if res.status != 200 || res.body != body+"|"+body || res.header.Get("X-Peek") != "01234" {
			t.Fatalf("got %d, body %d bytes, peek %q", res.status, len(res.body), res.header.Get("X-Peek"))
		}
	})
}

func TestBodyLimit(t *testing.T) {
	a := quietApp()
	a.MaxBodyBytes = 100
	a.Post("/", func(r *Request) Response {
		b, err := r.BodyBytes()
		if err != nil {
			return Error(err)
		}
		return Text(string(b))
	})
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		if res := do(newReq("POST", "/", strings.Repeat("x", 100))); res.status != 200 || len(res.body) != 100 {
			t.Errorf("at the limit: %d, %d bytes", res.status, len(res.body))
		}
		if res := do(newReq("POST", "/", strings.Repeat("x", 101))); res.status != 413 || res.body != "request body too large\n" {
			t.Errorf("over the limit: %d %q", res.status, res.body)
		}
	})
}

// TestReaderInterleaved checks two live readers directly: each sees the
// whole body from its own offset.
func TestReaderInterleaved(t *testing.T) {
	a := quietApp()
	hr := get("/")
	hr.Body = io.NopCloser(strings.NewReader("abcdef"))
	r := overHTTP(a, hr, newRecorder())
	x, y := r.Body(), r.Body()
	buf := make([]byte, 2)
	var gotX, gotY string
	for range 3 {
		n, _ := x.Read(buf)
		gotX += string(buf[:n])
		n, _ = y.Read(buf)
		gotY += string(buf[:n])
	}
	if gotX != "abcdef" || gotY != "abcdef" {
		t.Fatalf("x %q, y %q", gotX, gotY)
	}
	if n, err := x.Read(buf); n != 0 || err != io.EOF {
		t.Fatalf("after the end: %d, %v", n, err)
	}
}

func TestCookies(t *testing.T) {
	a := quietApp()
	a.Get("/", func(r *Request) Response {
		var names []string
		for _, c := range r.Cookies() {
			names = append(names, c.Name+"="+c.Value)
		}
		_, has := r.LookupCookie("empty")
		return Text(r.Cookie("b") + "|" + r.Cookie("quoted") + "|" + r.Cookie("none") + "|" +
			strings.Join(names, ",") + "|" + map[bool]string{true: "has-empty"}[has])
	})
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		// Junk pairs are skipped, not fatal; a name that is not a token is
		// read, as browsers send it (internal/cookieheader's rules); two
		// Cookie lines are merged.
		res := do(get("/", "Cookie", `a=1; b=two; junk; =x; odd name=x y; quoted="q"; empty=`, "Cookie", "c=3; b=shadowed"))
		want := `two|q||a=1,b=two,odd name=x y,quoted=q,empty=,c=3,b=shadowed|has-empty`
		if res.body != want {
			t.Fatalf("got %q\nwant %q", res.body, want)
		}
	})
}

func TestSetContext(t *testing.T) {
	type key struct{}
	a := quietApp()
	a.Use(func(next Handler) Handler {
		return func(r *Request) Response {
			r.SetContext(context.WithValue(r.Context(), key{}, "v"))
			return next(r)
		}
	})
	a.Get("/", func(r *Request) Response {
		v, _ := r.Context().Value(key{}).(string)
		hv, _ := r.HTTPRequest().Context().Value(key{}).(string)
		return Text(v + hv)
	})
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		if res := do(get("/")); res.body != "vv" {
			t.Fatalf("got %q", res.body)
		}
	})
	if msg := catchPanic(func() { (&Request{}).SetContext(nil) }); !strings.Contains(msg, "nil context") {
		t.Fatalf("panic %q", msg)
	}
}

func TestMalformedQuery(t *testing.T) {
	a := quietApp()
	a.Get("/", func(r *Request) Response {
		errText := "nil"
		if err := r.QueryError(); err != nil {
			errText = "error"
		}
		return Text(r.Query("ok") + "|" + r.Query("bad") + "|" + errText)
	})
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		if res := do(get("/?ok=1&bad=%zz")); res.body != "1||error" {
			t.Fatalf("got %q", res.body)
		}
	})
}
