package engine_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"golang.org/x/net/http2"

	"github.com/microframe/microframe/engine"
	"github.com/microframe/microframe/internal/selfsigned"
)

// ServeTLS serves HTTPS: a client that speaks HTTP/2 gets it (through
// golang.org/x/net/http2, with the adapted handler), others HTTP/1.1 on
// the engine.
func ExampleServer_ServeTLS() {
	cert, pool, err := selfsigned.New("127.0.0.1")
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := &engine.Server{
		Handler: engine.Adapt(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "hello over %s", r.Proto)
		})),
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}},
	}
	addr, stop := runServer(srv, func(l net.Listener) error {
		return srv.ServeTLS(l, "", "") // the certificate is in TLSConfig
	})
	defer stop()
	tr := &http2.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get("https://" + addr + "/")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Println(string(b))
	// Output:
	// hello over HTTP/2.0
}

// runServer runs serve (srv.Serve or a ServeTLS call) on a loopback port
// and returns its address and a function that shuts srv down.
func runServer(srv *engine.Server, serve func(net.Listener) error) (addr string, stop func()) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "127.0.0.1:1", func() {} // requests then fail, and the example's output says so
	}
	done := make(chan error, 1)
	go func() { done <- serve(l) }()
	return l.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
	}
}
