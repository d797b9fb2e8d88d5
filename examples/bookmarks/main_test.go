package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/goleak"

	"github.com/microframe/microframe/engine/enginetest"
	"github.com/microframe/microframe/internal/pgtest"
)

// pg is the PostgreSQL server of this test binary; nil where PostgreSQL
// is not installed (the tests skip, or fail under MICROFRAME_REQUIRE_PG=1).
var pg *pgtest.Server

// IgnoreCurrent: package ants starts its default pool's goroutines at init.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(pgtest.WithServer(m, &pg), goleak.IgnoreCurrent())
}

// env is the service served by one server, on a database of its own,
// with what the tests look at: its log, its spans, its metrics.
type env struct {
	cfg    Config
	url    string
	client *http.Client
	logs   *syncBuffer
	spans  *tracetest.InMemoryExporter
}

var databases atomic.Int64

// eachServer runs test as the subtests "engine" and "nethttp": the service
// served by microframe's engine (enginetest.NewServer, the path
// production runs) and by net/http's server (httptest.NewServer), each
// with a database, an app, a log, a tracer and a registry of its own.
// adjust, when not nil, changes the Config first. (It does what
// enginetest.ForEachServer does, with a fresh database per subtest.)
func eachServer(t *testing.T, adjust func(*Config), test func(t *testing.T, e *env)) {
	t.Helper()
	pgtest.Need(t, pg)
	for _, name := range []string{"engine", "nethttp"} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, adjust)
			app := newApp(e.cfg)
			if name == "engine" {
				s := enginetest.NewServer(app)
				t.Cleanup(s.Close)
				e.url, e.client = s.URL, s.Client()
			} else {
				s := httptest.NewServer(app)
				t.Cleanup(s.Close)
				e.url, e.client = s.URL, s.Client()
			}
			test(t, e)
		})
	}
}

// newEnv creates a database with the schema and the Config of a service
// on it; what it opens is closed when t ends.
func newEnv(t *testing.T, adjust func(*Config)) *env {
	t.Helper()
	url, err := pg.CreateDatabase(fmt.Sprintf("bookmarks_%d", databases.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	db, err := pgxpool.New(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if err := (store{db}).migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	e := &env{logs: &syncBuffer{}, spans: tracetest.NewInMemoryExporter()}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(e.spans))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	e.cfg = Config{
		DB:       db,
		Logger:   slog.New(slog.NewJSONHandler(e.logs, nil)),
		Origin:   "https://app.example",
		Tracing:  tp,
		Registry: prometheus.NewRegistry(),
	}
	if adjust != nil {
		adjust(&e.cfg)
	}
	return e
}

// response is an answer with its body read.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends a request with body (as JSON, when not empty) and headers
// given as name, value pairs.
func (e *env) do(t *testing.T, method, path, body string, headers ...string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, e.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return response{resp.StatusCode, resp.Header, string(b)}
}

// want fails t unless res has the status, and, when body is not empty, a
// body that contains it.
func want(t *testing.T, what string, res response, status int, body string) {
	t.Helper()
	if res.status != status || !strings.Contains(res.body, body) {
		t.Errorf("%s: %d %q, want %d with %q", what, res.status, res.body, status, body)
	}
}

// wantJSONError fails t unless res is an error of the status rendered as
// JSON by the app's ErrorRenderer.
func wantJSONError(t *testing.T, what string, res response, status int) map[string]any {
	t.Helper()
	var v map[string]any
	err := json.Unmarshal([]byte(res.body), &v)
	if res.status != status || err != nil || v["error"] == nil || res.header.Get("Content-Type") != "application/json" {
		t.Errorf("%s: %d %q (Content-Type %q), want a JSON error %d", what, res.status, res.body,
			res.header.Get("Content-Type"), status)
	}
	return v
}

// decode decodes a JSON body into a T.
func decode[T any](t *testing.T, res response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(res.body), &v); err != nil {
		t.Fatalf("%q: %v", res.body, err)
	}
	return v
}

// eventually retries cond until it holds, for up to d: the access log
// line, the span and the metric are written once the response is sent,
// which may be just after the client has it.
func eventually(d time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(d); ; time.Sleep(10 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// syncBuffer is a bytes.Buffer for a logger that requests share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
