package engine_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/microframe/microframe/conn"
	"github.com/microframe/microframe/engine"
)

// A native handler (conn.Handler; see conn's examples) served by the
// engine.
func ExampleServer() {
	h := conn.HandlerFunc(func(x *conn.Ctx) {
		x.SetContentType("text/plain")
		x.WriteString("hello, ")
		x.Write(x.Request().RawQuery)
	})
	fmt.Println(serveOnce(h, "/hello?world"))
	// Output:
	// 200 hello, world
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
func serveOnce(h conn.Handler, path string) string {
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

// The two limits of a server: MaxConns open connections (beyond it, 503),
// and, on Linux over plain TCP, MaxWorkers connections served at once. An
// idle keep-alive connection parks on the poller: it counts toward
// MaxConns but holds no worker, no goroutine and no buffer, and the
// server's Stats show it as Parked.
func ExampleServer_limits() {
	srv := &engine.Server{
		Handler:    conn.HandlerFunc(func(x *conn.Ctx) { x.WriteString("ok") }),
		MaxConns:   50_000, // open sockets, idle ones included
		MaxWorkers: 512,    // requests in progress; more wait in the ready queue
		// A connection that has answered keeps its worker this long in
		// case its client sends again soon, then parks.
		BufferReleaseDelay: 500 * time.Millisecond,
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	go srv.Serve(l)
	nc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	io.WriteString(nc, "GET / HTTP/1.1\r\nHost: example\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	if err == nil {
		resp.Body.Close()
		fmt.Println(resp.Status, srv.Stats().Requests)
	}
	nc.Close()
	srv.Shutdown(context.Background())
	// Output: 200 OK 1
}
