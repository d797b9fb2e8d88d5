package framework

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/microframe/microframe/engine"
	"github.com/microframe/microframe/framework/internal/fwtest"
)

// allTransports runs fn on the three ways an App is served: net/http, the
// engine's native path, and the engine's net/http bridge (engine.Adapt).
func allTransports(t *testing.T, a *App, fn func(t *testing.T, do func(*http.Request) result)) {
	transports(t, a, fn)
	t.Run("engine-adapt", func(t *testing.T) {
		fn(t, client(t, fwtest.Engine(t, engine.Adapt(a))))
	})
}

// loggedBody is the body wrapper of a logging middleware: it passes the
// bytes on and keeps a copy.
type loggedBody struct {
	io.ReadCloser
	mu  *sync.Mutex
	log *bytes.Buffer
}

func (b loggedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.mu.Lock()
	b.log.Write(p[:n])
	b.mu.Unlock()
	return n, err
}

// limitBody is a net/http middleware that replaces r.Body with
// http.MaxBytesReader(w, r.Body, n), as net/http apps cap their bodies.
func limitBody(n int64) Middleware {
	return FromHTTP(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Body = http.MaxBytesReader(w, r.Body, n)
			next.ServeHTTP(w, r)
		})
	})
}

// echoBody answers the body it reads, or the error reading it gave.
func echoBody(r *Request) Response {
	b, err := r.BodyBytes()
	if err != nil {
		return Error(err)
	}
	return Text(string(b))
}

// TestFromHTTPBodyWrappers: net/http middleware that wraps or replaces
// r.Body is read through, as on net/http, on every path. On the engine's
// native path this used to recurse until the stack overflowed: the
// wrapper became the source of the body it was itself reading.
func TestFromHTTPBodyWrappers(t *testing.T) {
	var mu sync.Mutex
	var logged bytes.Buffer
	a := quietApp()
	a.Route("/limited", func(g *Group) {
		g.Use(limitBody(10))
		g.Post("/", echoBody)
		g.HandleHTTP("POST", "/std", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := io.ReadAll(r.Body); err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) { // as a handler written for net/http checks
					http.Error(w, fmt.Sprintf("%v (limit %d)", err, mbe.Limit), http.StatusRequestEntityTooLarge)
					return
				}
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			io.WriteString(w, "ok")
		}))
	})
	a.Route("/logged", func(g *Group) {
		g.Use(FromHTTP(func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				r.Body = loggedBody{r.Body, &mu, &logged}
				next.ServeHTTP(w, r)
			})
		}))
		g.Post("/", echoBody)
	})
	a.Route("/replaced", func(g *Group) {
		g.Use(FromHTTP(func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				r2 := r.Clone(r.Context())
				r2.Body = io.NopCloser(strings.NewReader("replaced"))
				r2.ContentLength = int64(len("replaced"))
				next.ServeHTTP(w, r2)
			})
		}))
		g.Post("/", echoBody)
	})
	a.Route("/twice", func(g *Group) {
		// A framework middleware reads the body, then a net/http one reads
		// it all (as a signature check would) and passes the request on
		// unchanged, then one wraps it: the handler still gets every byte.
		g.Use(func(next Handler) Handler {
			return func(r *Request) Response {
				if _, err := r.BodyBytes(); err != nil {
					return Error(err)
				}
				return next(r)
			}
		}, FromHTTP(func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, err := io.ReadAll(r.Body)
				if err != nil || string(b) != "read me twice" {
					http.Error(w, "middleware read "+string(b), http.StatusTeapot)
					return
				}
				next.ServeHTTP(w, r)
			})
		}), FromHTTP(func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				r.Body = loggedBody{r.Body, &mu, &logged}
				next.ServeHTTP(w, r)
			})
		}))
		g.Post("/", echoBody)
	})
	allTransports(t, a, func(t *testing.T, do func(*http.Request) result) {
		tests := []struct {
			target, body string
			status       int
			want, log    string
		}{
			{"/limited", "0123456789", 200, "0123456789", ""},
			{"/limited", "0123456789X", 413, "request body too large\n", ""},
			{"/limited/std", "0123456789X", 413, "http: request body too large (limit 10)\n", ""},
			{"/logged", "some bytes", 200, "some bytes", "some bytes"},
			{"/replaced", "original", 200, "replaced", ""},
			{"/twice", "read me twice", 200, "read me twice", "read me twice"},
		}
		for _, tt := range tests {
			mu.Lock()
			logged.Reset()
			mu.Unlock()
			res := do(newReq("POST", tt.target, tt.body))
			if res.status != tt.status || res.body != tt.want {
				t.Errorf("POST %s %q: %d %q, want %d %q", tt.target, tt.body, res.status, res.body, tt.status, tt.want)
			}
			mu.Lock()
			if got := logged.String(); got != tt.log {
				t.Errorf("POST %s %q: the wrapper saw %q, want %q", tt.target, tt.body, got, tt.log)
			}
			mu.Unlock()
		}
	})
}
