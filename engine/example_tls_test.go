package engine_test

import (
	"bufio"
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

// Hijack takes the connection over from a native handler: here a toy
// protocol that upper-cases one line after a 101 response.
func ExampleCtx_Hijack() {
	srv := &engine.Server{Handler: engine.HandlerFunc(func(x *engine.Ctx) {
		nc, rw, err := x.Hijack()
		if err != nil {
			x.SetStatus(http.StatusInternalServerError)
			return
		}
		defer nc.Close()
		rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: shout\r\n\r\n")
		line, _ := rw.ReadString('\n')
		for _, c := range []byte(line) {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			rw.WriteByte(c)
		}
		rw.Flush()
	})}
	addr, stop := runServer(srv, srv.Serve)
	defer stop()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer nc.Close()
	fmt.Fprint(nc, "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: shout\r\n\r\nhello\n")
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	line, _ := br.ReadString('\n')
	fmt.Print(resp.Status, " ", line)
	// Output:
	// 101 Switching Protocols HELLO
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
