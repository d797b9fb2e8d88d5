package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/net/http2"

	"github.com/microframe/microframe/engine"
)

var handlers = []string{"native", "nethttp", "framework", "stdlib"}

// launch runs a hello server for handler on a loopback port (over TLS
// with a self-signed certificate when useTLS); stopping it is the caller's
// job. It returns the server, its extras, its address and the channel that
// receives Serve's result.
func launch(t *testing.T, handler string, useTLS bool) (server, *extras, string, <-chan error) {
	t.Helper()
	srv, e, err := newServer(handler, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		if useTLS {
			errc <- serveTLS(srv, l, "", "")
		} else {
			errc <- srv.Serve(l)
		}
	}()
	return srv, e, l.Addr().String(), errc
}

// start is launch, stopping the server when the test ends.
func start(t *testing.T, handler string, useTLS bool) (string, *extras) {
	t.Helper()
	srv, e, addr, errc := launch(t, handler, useTLS)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("%s: Shutdown: %v", handler, err)
		}
		if err := <-errc; !errors.Is(err, engine.ErrServerClosed) && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("%s: Serve: %v", handler, err)
		}
	})
	return addr, e
}

// TestWebSocketEcho: a coder/websocket client echoes text and binary
// messages, up to 1 MiB, through every handler path; a larger message is
// refused with 1009 (message too big).
func TestWebSocketEcho(t *testing.T) {
	big := make([]byte, maxMessage)
	rand.Read(big)
	for _, h := range handlers {
		t.Run(h, func(t *testing.T) {
			addr, _ := start(t, h, false)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			c, resp, err := websocket.Dial(ctx, "ws://"+addr+"/ws", nil)
			if err != nil {
				t.Fatalf("Dial: %v", err)
			}
			defer c.CloseNow()
			if resp.StatusCode != http.StatusSwitchingProtocols {
				t.Fatalf("status %d", resp.StatusCode)
			}
			c.SetReadLimit(2 * maxMessage)
			for _, m := range []struct {
				typ websocket.MessageType
				b   []byte
			}{{websocket.MessageText, []byte("hello")}, {websocket.MessageBinary, []byte{0, 1, 2, 255}},
				{websocket.MessageBinary, big}, {websocket.MessageText, []byte("after the big one")}} {
				if err := c.Write(ctx, m.typ, m.b); err != nil {
					t.Fatalf("Write: %v", err)
				}
				typ, got, err := c.Read(ctx)
				if err != nil {
					t.Fatalf("Read: %v", err)
				}
				if typ != m.typ || !bytes.Equal(got, m.b) {
					t.Fatalf("echo of %d bytes (%v): got %d bytes (%v)", len(m.b), m.typ, len(got), typ)
				}
			}
			if err := c.Write(ctx, websocket.MessageBinary, append(big, 0)); err != nil {
				t.Fatalf("Write: %v", err)
			}
			if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
				t.Fatalf("oversized message: got %v, want close 1009", err)
			}
		})
	}
}

// TestWaitAndStats: /wait waits, /stats reports.
func TestWaitAndStats(t *testing.T) {
	for _, h := range handlers {
		t.Run(h, func(t *testing.T) {
			addr, _ := start(t, h, false)
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr}
			begin := time.Now()
			resp, err := c.Get("http://" + addr + "/wait?ms=30")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || string(b) != "waited 30 ms\n" || time.Since(begin) < 30*time.Millisecond {
				t.Fatalf("/wait: %d %q after %v", resp.StatusCode, b, time.Since(begin))
			}
			resp, err = c.Get("http://" + addr + "/wait?ms=x")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 400 {
				t.Fatalf("/wait?ms=x: %d", resp.StatusCode)
			}
			resp, err = c.Get("http://" + addr + "/stats")
			if err != nil {
				t.Fatal(err)
			}
			var st map[string]int64
			err = json.NewDecoder(resp.Body).Decode(&st)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := st["waitCanceled"]; !ok {
				t.Fatalf("/stats without waitCanceled: %v", st)
			}
			if h != "stdlib" && (st["Requests"] < 2 || st["Accepted"] < 1) {
				t.Fatalf("/stats: %v", st)
			}
		})
	}
}

// TestTLS: -tls serves HTTP/2 to Go's http2 client and to curl --http2
// (HTTP/1.1 for the native handler, which has no net/http form).
func TestTLS(t *testing.T) {
	curl, curlErr := exec.LookPath("curl")
	curlH2 := false
	if curlErr == nil {
		out, _ := exec.Command(curl, "--version").Output()
		curlH2 = strings.Contains(string(out), "HTTP2")
	}
	for _, h := range handlers {
		t.Run(h, func(t *testing.T) {
			addr, _ := start(t, h, true)
			wantProto := "HTTP/2.0"
			if h == "native" {
				wantProto = "HTTP/1.1"
			}
			tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: true}
			defer tr.CloseIdleConnections()
			resp, err := (&http.Client{Transport: tr}).Get("https://" + addr + "/plaintext")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.Proto != wantProto || string(b) != helloText {
				t.Fatalf("got %s %q, want %s", resp.Proto, b, wantProto)
			}
			if h != "native" {
				h2 := &http2.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
				defer h2.CloseIdleConnections()
				resp, err := (&http.Client{Transport: h2}).Post("https://"+addr+"/echo", "text/plain", strings.NewReader("over h2"))
				if err != nil {
					t.Fatalf("http2.Transport: %v", err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.ProtoMajor != 2 || string(b) != "over h2" {
					t.Fatalf("http2.Transport: %s %q", resp.Proto, b)
				}
			}
			if !curlH2 {
				t.Skip("curl is missing or lacks HTTP/2 support (curl --version does not list HTTP2): curl --http2 not tested")
			}
			out, err := exec.Command(curl, "-sk", "--http2", "--max-time", "10", "-w", "\n%{http_version}",
				"https://"+addr+"/json").Output()
			if err != nil {
				t.Fatalf("curl: %v", err)
			}
			wantVer := "2"
			if h == "native" {
				wantVer = "1.1"
			}
			if want := `{"message":"Hello, World!"}` + "\n" + wantVer; strings.TrimSpace(strings.Replace(string(out), "}\n\n", "}\n", 1)) != want {
				t.Fatalf("curl --http2: %q, want %q", out, want)
			}
		})
	}
}

// TestWaitCanceledOnHangUp: a client that leaves in the middle of
// /wait?ms=5000 ends the wait early on every handler, and /stats counts it.
func TestWaitCanceledOnHangUp(t *testing.T) {
	for _, h := range handlers {
		t.Run(h, func(t *testing.T) {
			addr, e := start(t, h, false)
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(nc, "GET /wait?ms=5000 HTTP/1.1\r\nHost: h\r\n\r\n")
			time.Sleep(50 * time.Millisecond)
			nc.Close()
			deadline := time.Now().Add(2 * time.Second)
			for e.waitCanceled.Load() == 0 {
				if time.Now().After(deadline) {
					t.Fatal("the wait did not end within 2s of the client leaving")
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
}

// TestShutdownWithOpenWebSocket: Shutdown closes open WebSockets with
// 1001 (going away) through RegisterOnShutdown, their handlers return, and
// Shutdown completes without waiting for its context.
func TestShutdownWithOpenWebSocket(t *testing.T) {
	for _, h := range handlers {
		t.Run(h, func(t *testing.T) {
			srv, _, addr, errc := launch(t, h, false)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, _, err := websocket.Dial(ctx, "ws://"+addr+"/ws", nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseNow()
			if err := c.Write(ctx, websocket.MessageText, []byte("hi")); err != nil {
				t.Fatal(err)
			}
			if _, _, err := c.Read(ctx); err != nil { // the loop runs
				t.Fatal(err)
			}
			closed := make(chan error, 1)
			go func() { _, _, err := c.Read(ctx); closed <- err }() // answers the server's close
			sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer scancel()
			if err := srv.Shutdown(sctx); err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
			if err := <-errc; !errors.Is(err, engine.ErrServerClosed) && !errors.Is(err, http.ErrServerClosed) {
				t.Fatalf("Serve: %v", err)
			}
			if err := <-closed; websocket.CloseStatus(err) != websocket.StatusGoingAway {
				t.Fatalf("client saw %v, want close 1001", err)
			}
		})
	}
}
