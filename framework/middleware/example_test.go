package middleware_test

import (
	"fmt"
	"net/http/httptest"
	"strings"

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
