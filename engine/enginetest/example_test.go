package enginetest_test

import (
	"fmt"
	"io"
	"net/http"

	"github.com/microframe/microframe/conn"
	"github.com/microframe/microframe/engine"
	"github.com/microframe/microframe/engine/enginetest"
)

func ExampleNewServer() {
	srv := enginetest.NewServer(conn.HandlerFunc(func(x *conn.Ctx) {
		x.SetContentType("text/plain")
		fmt.Fprintf(x, "hello from the engine, %s %s", x.Request().Method, x.Request().Path)
	}))
	defer srv.Close()

	resp, err := srv.Client().Get(srv.URL + "/greeting")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status, string(body))
	// Output:
	// 200 OK hello from the engine, GET /greeting
}

func ExampleNewTLSServer() {
	srv := enginetest.NewTLSServer(engine.Adapt(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s over TLS: %v", r.Proto, r.TLS != nil)
	})))
	defer srv.Close()

	resp, err := srv.Client().Get(srv.URL) // the client trusts the server's certificate
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(string(body))
	// Output:
	// HTTP/1.1 over TLS: true
}
