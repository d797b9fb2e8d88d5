package middleware_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/microframe/microframe/framework"
	"github.com/microframe/microframe/framework/internal/fwtest"
	"github.com/microframe/microframe/framework/middleware"
)

const deadline = 50 * time.Millisecond

func timeoutApp(dropped *atomic.Int64) *framework.App {
	a := quietApp()
	a.Use(middleware.Timeout(deadline))
	a.Get("/fast", func(r *framework.Request) framework.Response {
		return framework.Text("fast").WithHeader("X-Handler", "1")
	})
	a.Get("/watching", func(r *framework.Request) framework.Response {
		<-r.Context().Done()
		return framework.Error(r.Context().Err())
	})
	a.Get("/ignoring", func(r *framework.Request) framework.Response {
		time.Sleep(3 * deadline)
		return framework.Text("late answer").WithHeader("X-Handler", "1")
	})
	// An http.Handler that keeps writing past the deadline, ignoring it.
	a.HandleHTTP("GET", "/writing", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Handler", "1")
		time.Sleep(deadline + deadline/2)
		for range 20 {
			if _, err := io.WriteString(w, "late bytes "); errors.Is(err, http.ErrHandlerTimeout) {
				dropped.Add(1)
			}
			time.Sleep(deadline / 10)
		}
	}))
	// One that began its answer in time and goes on past the deadline.
	a.HandleHTTP("GET", "/streaming", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		io.WriteString(w, "early ")
		http.NewResponseController(w).Flush()
		time.Sleep(2 * deadline)
		for range 10 {
			io.WriteString(w, "late ")
		}
	}))
	a.Route("/api", func(g *framework.Group) {
		g.ErrorRenderer = framework.JSONErrors
		g.Get("/slow", func(r *framework.Request) framework.Response {
			time.Sleep(2 * deadline)
			return framework.JSON(map[string]string{"late": "yes"})
		})
	})
	return a
}

// TestTimeout: at the deadline the context is cancelled; a handler that
// has written nothing gets a 503 from the renderer, whatever it writes or
// returns later; none of its late output reaches the client, mixed or
// not. Run with -race: the late writes happen while the deadline fires.
func TestTimeout(t *testing.T) {
	var dropped atomic.Int64
	a := timeoutApp(&dropped)
	fwtest.Servers(t, a, func(t *testing.T, c *fwtest.Client) {
		dropped.Store(0)
		tests := []struct {
			target, accept string
			status         int
			body           string
			handlerHeader  bool
		}{
			{"/fast", "", 200, "fast", true},
			{"/watching", "", 503, "request timed out\n", false},
			{"/watching", "application/json", 503, `{"error":"request timed out"}` + "\n", false},
			{"/ignoring", "", 503, "request timed out\n", false},
			{"/writing", "", 503, "request timed out\n", false},
			{"/api/slow", "", 503, `{"error":"request timed out"}` + "\n", false},
		}
		for _, tt := range tests {
			res := c.Do("GET", tt.target, "", "Accept", tt.accept)
			if res.Status != tt.status || res.Body != tt.body || (res.Header.Get("X-Handler") != "") != tt.handlerHeader {
				t.Errorf("GET %s (Accept %q): %d %q %v, want %d %q (handler's header %v)",
					tt.target, tt.accept, res.Status, res.Body, res.Header, tt.status, tt.body, tt.handlerHeader)
			}
		}
		if n := dropped.Load(); n != 20 {
			t.Errorf("the late http.Handler saw %d writes fail with http.ErrHandlerTimeout, want 20", n)
		}
	})
}

// TestTimeoutCutsShort: a response begun before the deadline is cut off
// at it, and the connection closed: the client sees a broken body, never
// a complete one with a 503 appended.
func TestTimeoutCutsShort(t *testing.T) {
	var dropped atomic.Int64
	a := timeoutApp(&dropped)
	for name, addr := range map[string]string{"engine": fwtest.Engine(t, a), "nethttp": fwtest.NetHTTP(t, a)} {
		t.Run(name, func(t *testing.T) {
			c := &http.Client{Transport: &http.Transport{}}
			defer c.CloseIdleConnections()
			resp, err := c.Get("http://" + addr + "/streaming")
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || err == nil || string(b) != "early " || strings.Contains(string(b), "timed out") {
				t.Errorf("got %d %q (read error %v), want 200 \"early \" and a broken body", resp.StatusCode, b, err)
			}
		})
	}
}

func TestTimeoutPanicsOnBadDuration(t *testing.T) {
	defer func() {
		if msg, _ := recover().(string); !strings.HasPrefix(msg, "middleware: Timeout") {
			t.Errorf("panic %q", msg)
		}
	}()
	middleware.Timeout(0)
}
