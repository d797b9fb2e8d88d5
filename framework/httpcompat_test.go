package framework

import (
	"net/http"
	"sync"
	"testing"
)

// TestHandleHTTPVisibleToMiddleware checks that middleware around a
// HandleHTTP route sees the status, headers and byte count the
// http.Handler wrote, and that a header middleware adds afterwards still
// reaches the client when the head was not sent yet (on the native path;
// net/http ignores header changes after WriteHeader).
func TestHandleHTTPVisibleToMiddleware(t *testing.T) {
	type seen struct {
		status int
		header string
		n      int64
	}
	var mu sync.Mutex
	var got []seen
	a := quietApp()
	a.Use(RequestID(), func(next Handler) Handler {
		return func(r *Request) Response {
			resp := next(r)
			mu.Lock()
			got = append(got, seen{resp.StatusCode(), resp.Header("X-Handler"), resp.BytesWritten()})
			mu.Unlock()
			return resp
		}
	})
	a.HandleHTTP("GET", "/missing", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Handler", "yes")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte("nothing here\n"))
	}))
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		mu.Lock()
		got = got[:0]
		mu.Unlock()
		res := do(newReq("GET", "/missing", "", RequestIDHeader, "abc"))
		if res.status != http.StatusNotFound || res.body != "nothing here\n" || res.header.Get("X-Handler") != "yes" {
			t.Fatalf("client saw %d %q %v", res.status, res.body, res.header)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(got) != 1 || got[0] != (seen{http.StatusNotFound, "yes", 13}) {
			t.Fatalf("middleware saw %+v, want status 404, X-Handler yes, 13 bytes", got)
		}
		if t.Name() == "TestHandleHTTPVisibleToMiddleware/engine" && res.header.Get(RequestIDHeader) != "abc" {
			t.Errorf("RequestID's header lost on the native path: %v", res.header)
		}
	})
}
