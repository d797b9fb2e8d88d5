package main

import (
	"io"
	"net/http"

	"github.com/microframe/microframe/conn"
	"github.com/microframe/microframe/framework"
	"github.com/microframe/microframe/internal/benchbody"
)

const helloText = benchbody.Hello

// serveNative answers the endpoints on the engine's native path, without
// allocating.
func serveNative(x *conn.Ctx) {
	method := x.Method()
	switch string(x.Path()) {
	case "/plaintext":
		if !allow(x, method, "GET") {
			return
		}
		x.SetContentType("text/plain")
		x.WriteString(helloText)
	case "/json":
		if !allow(x, method, "GET") {
			return
		}
		x.SetContentType("application/json")
		var buf [64]byte
		x.Write(benchbody.AppendMessageJSON(buf[:0], helloText))
	case "/echo":
		if !allow(x, method, "POST") {
			return
		}
		body, err := x.ReadBody()
		if err != nil {
			x.SetStatus(http.StatusBadRequest)
			x.SetContentType("text/plain; charset=utf-8")
			x.WriteString("bad body: " + err.Error() + "\n")
			return
		}
		x.SetContentType("text/plain")
		x.Write(body)
	default:
		x.SetStatus(http.StatusNotFound)
		x.SetContentType("text/plain; charset=utf-8")
		x.WriteString("not found\n")
	}
}

// allow answers 405 unless method is want (GET also allows HEAD).
func allow(x *conn.Ctx, method []byte, want string) bool {
	if string(method) == want || (want == "GET" && string(method) == "HEAD") {
		return true
	}
	if want == "GET" {
		x.SetHeader("Allow", "GET, HEAD")
	} else {
		x.SetHeader("Allow", want)
	}
	x.SetStatus(http.StatusMethodNotAllowed)
	x.SetContentType("text/plain; charset=utf-8")
	x.WriteString("method not allowed\n")
	return false
}

// newMux serves the same endpoints as a net/http Handler, with e's.
func newMux(e *extras) http.Handler {
	mux := http.NewServeMux()
	e.addToMux(mux)
	mux.HandleFunc("GET /plaintext", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, helloText)
	})
	mux.HandleFunc("GET /json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		var buf [64]byte
		w.Write(benchbody.AppendMessageJSON(buf[:0], helloText))
	})
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "bad body: "+err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body)
	})
	return mux
}

// newFrameworkApp serves the same endpoints through the framework: its
// router, Request and Response, on whichever server runs it; with e's.
func newFrameworkApp(e *extras) *framework.App {
	app := framework.New()
	e.addToApp(app)
	app.Get("/plaintext", func(r *framework.Request) framework.Response {
		return framework.Bytes("text/plain", helloBytes)
	})
	app.Get("/json", func(r *framework.Request) framework.Response {
		// The one encoding every contender uses (framework.JSON would add a
		// newline and go through encoding/json).
		return framework.Bytes("application/json", benchbody.AppendMessageJSON(make([]byte, 0, 32), helloText))
	})
	app.Post("/echo", func(r *framework.Request) framework.Response {
		body, err := r.BodyBytes()
		if err != nil {
			return framework.Error(err)
		}
		return framework.Bytes("text/plain", body)
	})
	return app
}

var helloBytes = []byte(helloText)
