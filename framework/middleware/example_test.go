package middleware_test

import (
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/microframe/microframe/framework"
	"github.com/microframe/microframe/framework/middleware"
)

func ExampleCrossOrigin() {
	app := framework.New()
	// SecurityHeaders first (outermost), so that refusals carry them too.
	app.Use(middleware.SecurityHeaders(""), middleware.CrossOrigin(nil))
	app.Post("/todo/create", func(r *framework.Request) framework.Response {
		return framework.Text("created")
	})
	for _, site := range []string{"same-origin", "cross-site", ""} {
		req := httptest.NewRequest("POST", "/todo/create", nil)
		if site != "" {
			req.Header.Set("Sec-Fetch-Site", site)
		}
		rec := httptest.NewRecorder()
		app.ServeHTTP(rec, req)
		fmt.Printf("%q: %d %s (%s)\n", site, rec.Code, strings.TrimSpace(rec.Body.String()), rec.Header().Get("X-Frame-Options"))
	}
	// Output:
	// "same-origin": 200 created (DENY)
	// "cross-site": 403 cross-site request refused (DENY)
	// "": 200 created (DENY)
}

func ExampleCompress() {
	app := framework.New()
	app.Use(middleware.Compress(middleware.CompressOptions{}))
	app.Get("/big", func(r *framework.Request) framework.Response {
		return framework.Text(strings.Repeat("all work and no play ", 100))
	})
	req := httptest.NewRequest("GET", "/big", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, req)
	fmt.Println(rec.Header().Get("Content-Encoding"), rec.Header().Get("Vary"), rec.Body.Len() < 2100)
	// Output:
	// gzip Accept-Encoding true
}

func ExampleAccessLog() {
	// A text log without the attributes that differ on every run.
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case slog.TimeKey, "duration", "remote_addr":
				return slog.Attr{}
			}
			return a
		},
	}))
	app := framework.New()
	app.Use(middleware.RequestID(), middleware.AccessLog(middleware.AccessLogOptions{Logger: logger}))
	app.Get("/bookmarks/{id}", func(r *framework.Request) framework.Response {
		return framework.Text("bookmark " + r.Param("id"))
	})
	req := httptest.NewRequest("GET", "/bookmarks/7", nil)
	req.Header.Set("X-Request-Id", "b7")
	app.ServeHTTP(httptest.NewRecorder(), req)
	// Output:
	// level=INFO msg=request method=GET path=/bookmarks/7 route=/bookmarks/{id} status=200 bytes=10 request_id=b7
}

func ExampleTimeout() {
	app := framework.New()
	app.Logger = slog.New(slog.DiscardHandler)
	app.ErrorRenderer = framework.JSONErrors
	app.Use(middleware.Timeout(20 * time.Millisecond))
	app.Get("/report", func(r *framework.Request) framework.Response {
		select { // work that watches its context, as a database query does
		case <-time.After(time.Second):
			return framework.Text("done")
		case <-r.Context().Done():
			return framework.Error(r.Context().Err())
		}
	})
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest("GET", "/report", nil))
	fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()))
	// Output:
	// 503 {"error":"request timed out"}
}
