package ecosystem

import (
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/microframe/microframe/framework"
	"github.com/microframe/microframe/framework/internal/fwtest"
)

// bookmark answers GET /bookmarks/{id}.
func bookmark(r *framework.Request) framework.Response {
	return framework.Text("bookmark " + r.Param("id"))
}

// TestOtelhttpSpanName: otelhttp's default span name carries the route
// (it reads http.Request.Pattern after the handler), with no formatter.
func TestOtelhttpSpanName(t *testing.T) {
	mw, exp := tracing(t)
	a := quietApp()
	a.Use(framework.FromHTTP(mw))
	a.Get("/bookmarks/{id}", bookmark)
	fwtest.Servers(t, a, func(t *testing.T, c *fwtest.Client) {
		for _, tt := range []struct{ target, span string }{
			{"/bookmarks/42", "GET /bookmarks/{id}"},
			{"/nothing", "GET"},
		} {
			exp.Reset()
			c.Do("GET", tt.target, "")
			spans := exp.GetSpans()
			if len(spans) != 1 || spans[0].Name != tt.span {
				t.Errorf("GET %s: %d spans (%v), want one named %q", tt.target, len(spans), spans.Snapshots(), tt.span)
			}
		}
	})
}

// TestPromhttpHandlerLabel: promhttp's instrumentation, as one middleware
// for the whole App, labels requests by route from r.Pattern.
func TestPromhttpHandlerLabel(t *testing.T) {
	reg := prometheus.NewRegistry()
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "http_requests_total", Help: "Requests."},
		[]string{"code", "method", "handler"})
	reg.MustRegister(requests)
	instrument := func(next http.Handler) http.Handler {
		return promhttp.InstrumentHandlerCounter(requests, next,
			promhttp.WithLabelFromRequest("handler", func(r *http.Request) string { return r.Pattern }))
	}
	a := quietApp()
	a.Use(framework.FromHTTP(instrument))
	a.Get("/bookmarks/{id}", bookmark)
	a.HandleHTTP("GET", "/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	fwtest.Servers(t, a, func(t *testing.T, c *fwtest.Client) {
		requests.Reset()
		c.Do("GET", "/bookmarks/1", "")
		c.Do("GET", "/bookmarks/2", "")
		c.Do("GET", "/nothing", "")
		want := `
# HELP http_requests_total Requests.
# TYPE http_requests_total counter
http_requests_total{code="200",handler="GET /bookmarks/{id}",method="get"} 2
http_requests_total{code="404",handler="",method="get"} 1
`
		if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "http_requests_total"); err != nil {
			t.Error(err)
		}
		if res := c.Do("GET", "/metrics", ""); !strings.Contains(res.Body, `handler="GET /bookmarks/{id}"`) {
			t.Errorf("/metrics: %d %q", res.Status, res.Body)
		}
	})
}

// TestOtelhttpSpanNameWithBody: for a request with a body, which otelhttp
// wraps and passes on in a copy of the request, the span is named by the
// route too, on the App and on a group.
func TestOtelhttpSpanNameWithBody(t *testing.T) {
	mw, exp := tracing(t)
	a := quietApp()
	a.Use(framework.FromHTTP(mw))
	echo := func(r *framework.Request) framework.Response {
		b, _ := r.BodyBytes()
		return framework.Text(string(b))
	}
	a.Post("/bookmarks", echo)
	a.Route("/api", func(api *framework.Group) {
		api.Use(framework.FromHTTP(mw))
		api.Put("/bookmarks/{id}", echo)
	})
	fwtest.Servers(t, a, func(t *testing.T, c *fwtest.Client) {
		for _, tt := range []struct {
			method, target string
			spans          []string
		}{
			{"POST", "/bookmarks", []string{"POST /bookmarks"}},
			{"PUT", "/api/bookmarks/7", []string{"PUT /api/bookmarks/{id}", "PUT /api/bookmarks/{id}"}},
		} {
			exp.Reset()
			if res := c.Do(tt.method, tt.target, `{"title": "Go"}`); res.Status != 200 || res.Body != `{"title": "Go"}` {
				t.Errorf("%s %s: %d %q", tt.method, tt.target, res.Status, res.Body)
			}
			var names []string
			for _, s := range exp.GetSpans() {
				names = append(names, s.Name)
			}
			if strings.Join(names, ", ") != strings.Join(tt.spans, ", ") {
				t.Errorf("%s %s: spans %q, want %q", tt.method, tt.target, names, tt.spans)
			}
		}
	})
}
