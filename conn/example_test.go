package conn_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/microframe/microframe/conn"
)

// A native handler: it reads the request through the Ctx and writes the
// response into it, without allocating. (engine.Server serves it; here
// one connection serves it alone, see serve below.)
func ExampleHandlerFunc() {
	h := conn.HandlerFunc(func(x *conn.Ctx) {
		if string(x.Path()) != "/hello" {
			x.SetStatus(http.StatusNotFound)
			return
		}
		x.SetContentType("text/plain")
		x.WriteString("hello, ")
		x.Write(x.Request().RawQuery)
	})
	fmt.Println(serve(h, "GET /hello?world HTTP/1.1\r\nHost: x\r\n\r\n"))
	fmt.Println(serve(h, "GET /other HTTP/1.1\r\nHost: x\r\n\r\n"))
	// Output:
	// 200 OK hello, world
	// 404 Not Found
}

// Hijack takes the connection over from a native handler: here a toy
// protocol that upper-cases one line after a 101 response.
func ExampleCtx_Hijack() {
	h := conn.HandlerFunc(func(x *conn.Ctx) {
		nc, rw, err := x.Hijack()
		if err != nil {
			x.SetStatus(http.StatusInternalServerError)
			return
		}
		defer nc.Close()
		rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: shout\r\n\r\n")
		line, _ := rw.ReadString('\n')
		rw.WriteString(strings.ToUpper(line))
		rw.Flush()
	})
	fmt.Print(serve(h, "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: shout\r\n\r\nhello\n"))
	// Output:
	// 101 Switching Protocols HELLO
}

// A server built on conn: one Config for all its connections, and an
// actor per accepted connection, here on a goroutine of its own for its
// whole life (engine.Server adds a bounded pool, parking, shutdown...).
func ExampleNew() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg := conn.Config{ServerName: "tiny"}.WithDefaults()
	h := conn.HandlerFunc(func(x *conn.Ctx) { x.WriteString("hello") })
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the accept loop
		defer wg.Done()
		for {
			nc, err := l.Accept()
			if err != nil {
				return // the listener was closed
			}
			wg.Add(1)
			go func() { defer wg.Done(); conn.New(nc, cfg, h).Serve() }()
		}
	}()

	tr := &http.Transport{DisableKeepAlives: true}
	resp, err := (&http.Client{Transport: tr}).Get("http://" + l.Addr().String() + "/")
	if err == nil {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.Status, resp.Header.Get("Server"), string(body))
	}
	l.Close()
	wg.Wait() // the connection closed after its "Connection: close" request
	// Output: 200 OK tiny hello
}

// serve runs one connection over an in-memory pipe with h, sends raw (one
// request), and returns the response's status and body (for a 101, the
// line that follows it), after the connection ended.
func serve(h conn.Handler, raw string) string {
	client, server := net.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn.New(server, conn.Config{}.WithDefaults(), h).Serve()
	}()
	defer func() { client.Close(); <-done }()
	go io.WriteString(client, raw)
	br := bufio.NewReader(client)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	var rest []byte
	if resp.StatusCode == http.StatusSwitchingProtocols {
		line, _ := br.ReadString('\n')
		rest = []byte(line)
	} else {
		rest, _ = io.ReadAll(resp.Body)
	}
	if len(rest) == 0 {
		return resp.Status
	}
	return resp.Status + " " + string(rest)
}
