package ecosystem

import (
	"net/http"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/microframe/microframe/framework"
	"github.com/microframe/microframe/framework/internal/fwtest"
)

// tracing returns otelhttp's middleware recording to an in-memory exporter.
func tracing(t *testing.T) (func(http.Handler) http.Handler, *tracetest.InMemoryExporter) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
	return otelhttp.NewMiddleware("api", otelhttp.WithTracerProvider(tp)), exp
}

func attr(s tracetest.SpanStub, key attribute.Key) attribute.Value {
	for _, kv := range s.Attributes {
		if kv.Key == key {
			return kv.Value
		}
	}
	return attribute.Value{}
}

// TestOtelhttpBody: otelhttp wraps r.Body to count the bytes read. On the
// engine's native path that once recursed until the stack overflowed on
// the first request with a body; now the handler reads the body through
// the wrapper and the span records its size.
func TestOtelhttpBody(t *testing.T) {
	mw, exp := tracing(t)
	a := quietApp()
	a.Use(framework.FromHTTP(mw))
	a.Post("/echo", func(r *framework.Request) framework.Response {
		b, err := r.BodyBytes()
		if err != nil {
			return framework.Error(err)
		}
		again, _ := r.BodyBytes()
		return framework.Text(string(b) + "|" + string(again))
	})
	fwtest.Servers(t, a, func(t *testing.T, c *fwtest.Client) {
		exp.Reset()
		res := c.Do("POST", "/echo", "hello, tracer")
		if res.Status != 200 || res.Body != "hello, tracer|hello, tracer" {
			t.Fatalf("got %d %q", res.Status, res.Body)
		}
		spans := exp.GetSpans()
		if len(spans) != 1 {
			t.Fatalf("%d spans, want 1", len(spans))
		}
		if n := attr(spans[0], "http.request.body.size").AsInt64(); n != int64(len("hello, tracer")) {
			t.Errorf("span's http.request.body.size %d, want %d (attributes %v)", n, len("hello, tracer"), spans[0].Attributes)
		}
	})
}
