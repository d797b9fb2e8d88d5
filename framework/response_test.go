package framework

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/microframe/microframe/sessionstore"
)

func TestResponses(t *testing.T) {
	tests := []struct {
		name   string
		resp   Response
		status int
		body   string
		header map[string]string
	}{
		{"text", Text("hi"), 200, "hi", map[string]string{"Content-Type": "text/plain; charset=utf-8", "Content-Length": "2"}},
		{"html", HTML("<b>hi</b>"), 200, "<b>hi</b>", map[string]string{"Content-Type": "text/html; charset=utf-8"}},
		{"bytes", Bytes("image/png", []byte{1, 2}), 200, "\x01\x02", map[string]string{"Content-Type": "image/png"}},
		{"json", JSON(map[string]int{"n": 1}), 200, "{\"n\":1}\n", map[string]string{"Content-Type": "application/json"}},
		{"json error", JSON(func() {}), 500, "Internal Server Error\n", nil},
		{"redirect", Redirect("/next", 303), 303, "", map[string]string{"Location": "/next"}},
		{"bad redirect code", Redirect("/next", 200), 500, "Internal Server Error\n", map[string]string{"Location": ""}},
		{"status", Status(204), 204, "", nil},
		{"empty", Response{}, 200, "", map[string]string{"Content-Length": "0"}},
		{"with status and headers", Text("made").WithStatus(201).WithHeader("X-A", "1").WithHeader("X-A", "2").WithContentType("text/csv"),
			201, "made", map[string]string{"X-A": "2", "Content-Type": "text/csv"}},
		{"header injection", Text("x").WithHeader("X-Evil", "a\r\nSet-Cookie: pwned=1"), 200, "x", map[string]string{"Set-Cookie": ""}},
		{"http error", Errorf(404, "no todo %q", "7"), 404, "no todo \"7\"\n", map[string]string{"X-Content-Type-Options": "nosniff"}},
		{"error keeps headers", Errorf(401, "log in").WithHeader("WWW-Authenticate", "Basic"), 401, "log in\n", map[string]string{"WWW-Authenticate": "Basic"}},
		{"plain error hides text", Error(errors.New("db password is hunter2")), 500, "Internal Server Error\n", nil},
		{"not exist", Error(fmt.Errorf("open: %w", fs.ErrNotExist)), 404, "Not Found\n", nil},
		{"permission", Error(fs.ErrPermission), 403, "Forbidden\n", nil},
		{"deadline", Error(context.DeadlineExceeded), 503, "Service Unavailable\n", nil},
		{"session store full", Error(fmt.Errorf("new session: %w", sessionstore.ErrTooManySessions)), 503, "Service Unavailable\n", nil},
		{"session too large", Error(fmt.Errorf("put: %w", sessionstore.ErrSessionTooLarge)), 413, "session data too large\n", nil},
		{"bind error", Error(&BindError{Source: "query", Name: "n", Value: "x", Reason: "is not an integer"}), 400, "query parameter \"n\": \"x\" is not an integer\n", nil},
		{"error with status override", Error(errors.New("x")).WithStatus(502), 502, "Internal Server Error\n", nil},
		{"nil error", Error(nil), 500, "Internal Server Error\n", nil},
		{"http error empty message", Error(&HTTPError{Code: 418}), 418, "I'm a teapot\n", nil},
		{"http error bad code", Error(&HTTPError{Code: 200, Message: "x"}), 500, "x\n", nil},
	}
	a := quietApp()
	for i, tt := range tests {
		a.Get(fmt.Sprintf("/%d", i), func(*Request) Response { return tt.resp })
	}
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		for i, tt := range tests {
			res := do(get(fmt.Sprintf("/%d", i)))
			if res.status != tt.status || res.body != tt.body {
				t.Errorf("%s: got %d %q, want %d %q", tt.name, res.status, res.body, tt.status, tt.body)
			}
			for k, v := range tt.header {
				if got := res.header.Get(k); got != v {
					t.Errorf("%s: header %s = %q, want %q", tt.name, k, got, v)
				}
			}
		}
	})
}

func TestResponseInspection(t *testing.T) {
	r := Text("x").WithHeader("X-A", "1").AddHeader("x-a", "2")
	if r.Header("X-a") != "2" || r.Header("content-type") != "text/plain; charset=utf-8" || r.Header("None") != "" {
		t.Errorf("Header: %q %q", r.Header("X-a"), r.Header("content-type"))
	}
	if r.StatusCode() != 200 || Errorf(404, "x").StatusCode() != 404 || Redirect("/", 302).StatusCode() != 302 {
		t.Error("StatusCode")
	}
	err := errors.New("x")
	if Error(err).Err() != err || r.Err() != nil {
		t.Error("Err")
	}
	// With* copies: the original is untouched.
	base := Text("x")
	_ = base.WithHeader("X-B", "1")
	if base.Header("X-B") != "" {
		t.Error("WithHeader changed its receiver")
	}
	// Two copies extending one base do not share their header arrays.
	b1, b2 := base.WithHeader("X-C", "1"), base.WithHeader("X-C", "2")
	if b1.Header("X-C") != "1" || b2.Header("X-C") != "2" {
		t.Error("copies share headers")
	}
}

func TestCookiesOnResponse(t *testing.T) {
	a := quietApp()
	a.Get("/", func(r *Request) Response {
		return Text("x").
			WithCookie(&http.Cookie{Name: "theme", Value: "dark", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode}).
			WithCookie(&http.Cookie{Name: "bad name", Value: "x"}).
			WithCookie(nil).
			WithCookie(&http.Cookie{Name: "lang", Value: "fr"})
	})
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		got := do(get("/")).header.Values("Set-Cookie")
		want := []string{"theme=dark; Path=/; HttpOnly; SameSite=Lax", "lang=fr"}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("Set-Cookie %q, want %q", got, want)
		}
	})
}

// TestStream: a flushed part reaches the client before the handler ends.
func TestStream(t *testing.T) {
	release := make(chan struct{})
	a := quietApp()
	a.Get("/", func(r *Request) Response {
		return Stream("text/plain", func(w StreamWriter) error {
			fmt.Fprint(w, "first\n")
			if err := w.Flush(); err != nil {
				return err
			}
			<-release
			fmt.Fprint(w, "second\n")
			return nil
		})
	})
	for _, tr := range []struct {
		name  string
		serve func(testing.TB, *App) string
	}{{"nethttp", serveNetHTTP}, {"engine", serveEngine}} {
		t.Run(tr.name, func(t *testing.T) {
			c, err := net.Dial("tcp", tr.serve(t, a))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			br := bufio.NewReader(c)
			var seen bytes.Buffer
			for !strings.Contains(seen.String(), "first") {
				line, err := br.ReadString('\n')
				if err != nil {
					t.Fatalf("before release: %v (read %q)", err, seen.String())
				}
				seen.WriteString(line)
			}
			if !strings.Contains(seen.String(), "Transfer-Encoding: chunked") {
				t.Errorf("head %q", seen.String())
			}
			release <- struct{}{}
			for !strings.Contains(seen.String(), "second") {
				line, err := br.ReadString('\n')
				if err != nil {
					t.Fatalf("after release: %v", err)
				}
				seen.WriteString(line)
			}
		})
	}
}

func TestErrorsAreLogged(t *testing.T) {
	var logs bytes.Buffer
	a := New()
	a.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a.Get("/500", func(r *Request) Response { return Error(errors.New("disk on fire")) })
	a.Get("/404", func(r *Request) Response { return Errorf(404, "nope") })
	a.ServeHTTP(newRecorder(), get("/500"))
	a.ServeHTTP(newRecorder(), get("/404"))
	out := logs.String()
	for _, w := range []string{"level=ERROR", "disk on fire", "status=500", "path=/500", "level=DEBUG", "status=404"} {
		if !strings.Contains(out, w) {
			t.Errorf("log lacks %q:\n%s", w, out)
		}
	}
}
