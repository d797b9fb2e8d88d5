package main

import (
	"encoding/json"
	"io"
	"net/http"
	"unicode/utf8"

	"github.com/microframe/microframe/engine"
	"github.com/microframe/microframe/framework"
)

const helloText = "Hello, World!"

// message is the /json payload.
type message struct {
	Message string `json:"message"`
}

// serveNative answers the endpoints on the engine's native path, without
// allocating.
func serveNative(x *engine.Ctx) {
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
		x.Write(appendMessageJSON(buf[:0], message{Message: helloText}))
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
func allow(x *engine.Ctx, method []byte, want string) bool {
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

// appendMessageJSON serialises m as encoding/json would, without
// reflection or allocation.
func appendMessageJSON(dst []byte, m message) []byte {
	dst = append(dst, `{"message":`...)
	dst = appendJSONString(dst, m.Message)
	return append(dst, '}')
}

// appendJSONString appends s as a JSON string with encoding/json's
// escaping (HTML-safe).
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
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
		b, _ := json.Marshal(message{Message: helloText})
		w.Write(b)
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
		return framework.JSON(message{Message: helloText})
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
