package framework_test

import (
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/microframe/microframe/framework"
)

func ExampleCrossOrigin() {
	app := framework.New()
	// SecurityHeaders first (outermost), so that refusals carry them too.
	app.Use(framework.SecurityHeaders(""), framework.CrossOrigin(nil))
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
