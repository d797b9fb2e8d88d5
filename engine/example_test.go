package engine_test

import (
	"fmt"
	"io"
	"net/http"

	"github.com/microframe/microframe/engine"
)

// A native handler: it reads the request through the Ctx and writes the
// response into it, without allocating.
func ExampleHandlerFunc() {
	h := engine.HandlerFunc(func(x *engine.Ctx) {
		if string(x.Path()) != "/hello" {
			x.SetStatus(http.StatusNotFound)
			return
		}
		x.SetContentType("text/plain")
		x.WriteString("hello, ")
		x.Write(x.Request().RawQuery)
	})
	fmt.Println(serveOnce(h, "/hello?world"))
	fmt.Println(serveOnce(h, "/other"))
	// Output:
	// 200 hello, world
	// 404
}

// Adapt serves a net/http Handler on the engine, unchanged.
func ExampleAdapt() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello/{name}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello, %s", r.PathValue("name"))
	})
	fmt.Println(serveOnce(engine.Adapt(mux), "/hello/gopher"))
	// Output:
	// 200 hello, gopher
}

// serveOnce serves h on a loopback port for one request and returns the status
// and body.
func serveOnce(h engine.Handler, path string) string {
	srv := &engine.Server{Handler: h}
	addr, stop := runServer(srv, srv.Serve)
	defer stop()
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get("http://" + addr + path)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if len(body) == 0 {
		return fmt.Sprint(resp.StatusCode)
	}
	return fmt.Sprintf("%d %s", resp.StatusCode, body)
}
