package engine_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/microframe/microframe/conn"
	"github.com/microframe/microframe/engine"
	"github.com/microframe/microframe/internal/selfsigned"
)

// serveTLSOn serves srv with ServeTLS on a loopback port and a
// self-signed certificate; it returns the address, a pool that trusts the
// certificate, and the channel that receives ServeTLS's result. Stopping
// the server is the caller's job; see startTLS.
func serveTLSOn(t *testing.T, srv *engine.Server) (string, *x509.CertPool, <-chan error) {
	t.Helper()
	cert, pool, err := selfsigned.New("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	addr, errc := serveWith(t, srv, func(l net.Listener) error { return srv.ServeTLS(l, "", "") })
	return addr, pool, errc
}

// startTLS is serveTLSOn, stopping the server when the test ends.
func startTLS(t *testing.T, srv *engine.Server) (string, *x509.CertPool) {
	t.Helper()
	addr, pool, errc := serveTLSOn(t, srv)
	stopAtEnd(t, srv, errc)
	return addr, pool
}

func protoHandler(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "%s tls=%v alpn=%s host=%s", r.Proto, r.TLS != nil, r.TLS.NegotiatedProtocol, r.Host)
}

// TestHTTP2 checks that an adapted handler is served over HTTP/2 to Go's
// http2 client, and over HTTP/1.1 on the engine to a client that only
// speaks that.
func TestHTTP2(t *testing.T) {
	addr, pool := startTLS(t, &engine.Server{Handler: engine.Adapt(http.HandlerFunc(protoHandler))})
	h2 := &http.Client{Transport: &http2.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer h2.CloseIdleConnections()
	h1tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, NextProtos: []string{"http/1.1"}},
		TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{}}
	defer h1tr.CloseIdleConnections()
	for _, c := range []struct {
		name   string
		client *http.Client
		want   string
	}{
		{"h2", h2, "HTTP/2.0 tls=true alpn=h2 host=" + addr},
		{"http/1.1", &http.Client{Transport: h1tr}, "HTTP/1.1 tls=true alpn=http/1.1 host=" + addr},
	} {
		for i := range 2 { // the second request reuses the connection
			resp, err := c.client.Get("https://" + addr + "/")
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) != c.want {
				t.Errorf("%s #%d: got %q, want %q", c.name, i, b, c.want)
			}
		}
	}
}

// TestHTTPSNativeOnly checks that a native handler, which has no net/http
// form, offers only http/1.1 and serves HTTPS on the engine.
func TestHTTPSNativeOnly(t *testing.T) {
	addr, pool := startTLS(t, &engine.Server{Handler: conn.HandlerFunc(func(x *conn.Ctx) {
		fmt.Fprintf(x, "native alpn=%q", x.TLS().NegotiatedProtocol)
	})})
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get("https://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Proto != "HTTP/1.1" || string(b) != `native alpn="http/1.1"` {
		t.Fatalf("got %s %q", resp.Proto, b)
	}
}

// TestHTTP2Shutdown checks that Shutdown lets an HTTP/2 request in
// progress finish, and then returns.
func TestHTTP2Shutdown(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	srv := &engine.Server{Handler: engine.Adapt(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "done")
	}))}
	addr, pool, errc := serveTLSOn(t, srv)
	tr := &http2.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	defer tr.CloseIdleConnections()
	got := make(chan string, 1)
	go func() {
		resp, err := (&http.Client{Transport: tr}).Get("https://" + addr + "/")
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	<-started
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		shut <- srv.Shutdown(ctx)
	}()
	time.Sleep(50 * time.Millisecond)
	close(release)
	if b := <-got; b != "done" {
		t.Fatalf("in-flight request got %q", b)
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-errc; !errors.Is(err, engine.ErrServerClosed) {
		t.Fatalf("ServeTLS: %v", err)
	}
}
