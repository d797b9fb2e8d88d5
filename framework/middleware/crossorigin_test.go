package middleware_test

import (
	"net/http"
	"testing"

	"github.com/microframe/microframe/framework"
	"github.com/microframe/microframe/framework/internal/fwtest"
	"github.com/microframe/microframe/framework/middleware"
)

func TestCrossOrigin(t *testing.T) {
	p := http.NewCrossOriginProtection()
	if err := p.AddTrustedOrigin("https://partner.example"); err != nil {
		t.Fatal(err)
	}
	a := quietApp()
	a.Use(middleware.CrossOrigin(p))
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		a.Handle(m, "/login", func(r *framework.Request) framework.Response { return framework.Text("done") })
	}
	tests := []struct {
		name, method string
		header       []string
		status       int
	}{
		{"browser, same origin", "POST", []string{"Sec-Fetch-Site", "same-origin"}, 200},
		{"browser, typed by the user", "POST", []string{"Sec-Fetch-Site", "none"}, 200},
		{"browser, cross-site form", "POST", []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"}, 403},
		{"browser, sibling subdomain", "POST", []string{"Sec-Fetch-Site", "same-site"}, 403},
		{"cross-site PUT", "PUT", []string{"Sec-Fetch-Site", "cross-site"}, 403},
		{"cross-site PATCH", "PATCH", []string{"Sec-Fetch-Site", "cross-site"}, 403},
		{"cross-site DELETE", "DELETE", []string{"Sec-Fetch-Site", "cross-site"}, 403},
		{"cross-site GET is a link", "GET", []string{"Sec-Fetch-Site", "cross-site"}, 200},
		{"old browser, other Origin", "POST", []string{"Origin", "https://evil.example"}, 403},
		{"old browser, own Origin", "POST", []string{"Origin", "http://example.com", "Host", "example.com"}, 200},
		{"trusted origin", "POST", []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://partner.example"}, 200},
		{"not a browser (curl)", "POST", nil, 200},
	}
	fwtest.Servers(t, a, func(t *testing.T, c *fwtest.Client) {
		for _, tt := range tests {
			res := c.Do(tt.method, "/login", "x=1", tt.header...)
			if res.Status != tt.status {
				t.Errorf("%s: %s got %d %q, want %d", tt.name, tt.method, res.Status, res.Body, tt.status)
			}
			if tt.status == 403 && res.Body != "cross-site request refused\n" {
				t.Errorf("%s: body %q", tt.name, res.Body)
			}
		}
	})
}

func TestCrossOriginAllocs(t *testing.T) {
	// Safe methods cost CrossOrigin nothing.
	if n := extraAllocs(t, middleware.CrossOrigin(nil), "GET"); n > 0 {
		t.Errorf("CrossOrigin on a GET: %v more allocations per request, want 0", n)
	}
}
