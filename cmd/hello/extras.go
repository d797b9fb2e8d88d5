package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/microframe/microframe/conn"
	"github.com/microframe/microframe/engine"
	"github.com/microframe/microframe/framework"
)

// The endpoints beyond the benchmark ones, the same on every -handler:
//
//	GET /ws          WebSocket echo of text and binary messages up to 1 MiB
//	GET /wait?ms=N   waits N ms (0..600000), or until the request's context ends
//	GET /stats       JSON: the engine's Stats plus "waitCanceled"

// maxMessage bounds a WebSocket message /ws echoes.
const maxMessage = 1 << 20

// maxWait bounds /wait's ms.
const maxWait = 600_000

// extras serves /ws, /wait and /stats.
type extras struct {
	// stats returns the engine's counters; nil under net/http.Server.
	stats func() engine.Stats
	// waitCanceled counts /wait requests whose context ended before their
	// time was up.
	waitCanceled atomic.Int64

	mu      sync.Mutex
	sockets map[*websocket.Conn]struct{} // open /ws connections, for closeSockets
	closing bool                         // closeSockets ran: refuse new ones
}

// closeSockets closes every open WebSocket with 1001 (going away) and
// refuses new ones; the server calls it when Shutdown begins
// (RegisterOnShutdown), so that the echo loops end and Shutdown need not
// wait for them.
func (e *extras) closeSockets() {
	e.mu.Lock()
	e.closing = true
	open := make([]*websocket.Conn, 0, len(e.sockets))
	for c := range e.sockets {
		open = append(open, c)
	}
	e.mu.Unlock()
	for _, c := range open {
		c.Close(websocket.StatusGoingAway, "server shutting down")
	}
}

// track adds c to the open sockets, or reports false once closeSockets ran.
func (e *extras) track(c *websocket.Conn) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closing {
		return false
	}
	if e.sockets == nil {
		e.sockets = make(map[*websocket.Conn]struct{})
	}
	e.sockets[c] = struct{}{}
	return true
}

func (e *extras) untrack(c *websocket.Conn) {
	e.mu.Lock()
	delete(e.sockets, c)
	e.mu.Unlock()
}

// serveWS upgrades to a WebSocket (through the ResponseWriter's Hijack)
// and echoes every message, text or binary, until the client closes.
func (e *extras) serveWS(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return // Accept answered the client already
	}
	defer c.CloseNow()
	if !e.track(c) {
		c.Close(websocket.StatusGoingAway, "server shutting down")
		return
	}
	defer e.untrack(c)
	c.SetReadLimit(maxMessage)
	ctx := r.Context()
	for {
		typ, msg, err := c.Read(ctx)
		if err != nil {
			if websocket.CloseStatus(err) == websocket.StatusNormalClosure {
				c.Close(websocket.StatusNormalClosure, "")
			}
			return
		}
		if err := c.Write(ctx, typ, msg); err != nil {
			return
		}
	}
}

// wait waits ms milliseconds or until ctx is done and returns the status
// and the text to answer with.
func (e *extras) wait(ctx context.Context, ms string) (int, string) {
	n, err := strconv.Atoi(ms)
	if err != nil || n < 0 || n > maxWait {
		return http.StatusBadRequest, "ms must be an integer from 0 to " + strconv.Itoa(maxWait) + "\n"
	}
	t := time.NewTimer(time.Duration(n) * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
		return http.StatusOK, "waited " + ms + " ms\n"
	case <-ctx.Done():
		e.waitCanceled.Add(1)
		return http.StatusServiceUnavailable, "canceled: " + context.Cause(ctx).Error() + "\n"
	}
}

// statsJSON is the /stats body.
func (e *extras) statsJSON() []byte {
	var out struct {
		engine.Stats
		WaitCanceled int64 `json:"waitCanceled"`
	}
	if e.stats != nil {
		out.Stats = e.stats()
	}
	out.WaitCanceled = e.waitCanceled.Load()
	b, err := json.Marshal(out)
	if err != nil {
		panic(errors.New("hello: encoding stats: " + err.Error())) // a struct of integers always encodes
	}
	return append(b, '\n')
}

// native wraps the native handler with the extra endpoints; /ws goes
// through the engine's net/http bridge, as a WebSocket library needs an
// http.ResponseWriter.
func (e *extras) native() conn.Handler {
	ws := engine.Adapt(http.HandlerFunc(e.serveWS))
	return conn.HandlerFunc(func(x *conn.Ctx) {
		switch string(x.Path()) {
		case "/ws":
			ws.ServeCtx(x)
		case "/wait":
			if !allow(x, x.Method(), "GET") {
				return
			}
			ms, _ := parseQuery(x.Request().RawQuery, "ms")
			status, text := e.wait(x.Context(), ms)
			x.SetStatus(status)
			x.SetContentType("text/plain; charset=utf-8")
			x.WriteString(text)
		case "/stats":
			if !allow(x, x.Method(), "GET") {
				return
			}
			x.SetContentType("application/json")
			x.Write(e.statsJSON())
		default:
			serveNative(x)
		}
	})
}

// parseQuery returns the first value of name in a raw query, undecoded.
func parseQuery(raw []byte, name string) (string, bool) {
	for len(raw) > 0 {
		var pair []byte
		if i := indexAmp(raw); i >= 0 {
			pair, raw = raw[:i], raw[i+1:]
		} else {
			pair, raw = raw, nil
		}
		if len(pair) > len(name) && string(pair[:len(name)]) == name && pair[len(name)] == '=' {
			return string(pair[len(name)+1:]), true
		}
	}
	return "", false
}

func indexAmp(b []byte) int {
	for i, c := range b {
		if c == '&' {
			return i
		}
	}
	return -1
}

// addToMux registers the extra endpoints on a net/http mux.
func (e *extras) addToMux(mux *http.ServeMux) {
	mux.HandleFunc("GET /ws", e.serveWS)
	mux.HandleFunc("GET /wait", func(w http.ResponseWriter, r *http.Request) {
		status, text := e.wait(r.Context(), r.URL.Query().Get("ms"))
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		w.Write([]byte(text))
	})
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(e.statsJSON())
	})
}

// addToApp registers the extra endpoints on a framework App.
func (e *extras) addToApp(app *framework.App) {
	app.HandleHTTP(http.MethodGet, "/ws", http.HandlerFunc(e.serveWS))
	app.Get("/wait", func(r *framework.Request) framework.Response {
		status, text := e.wait(r.Context(), r.Query("ms"))
		return framework.Text(text).WithStatus(status)
	})
	app.Get("/stats", func(r *framework.Request) framework.Response {
		return framework.Bytes("application/json", e.statsJSON())
	})
}
