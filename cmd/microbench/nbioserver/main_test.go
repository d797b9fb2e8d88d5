package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lesismal/nbio/logging"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	logging.SetLevel(logging.LevelError)
	goleak.VerifyTestMain(m)
}

// TestEndpoints runs the engine on a loopback port and checks each
// endpoint's status, type, length and body, then shuts it down.
func TestEndpoints(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	e := newEngine(addr)
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := e.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	}()
	tests := []struct {
		method, path, body string
		status             int
		ctype, want        string
	}{
		{"GET", "/plaintext", "", 200, "text/plain", "Hello, World!"},
		{"HEAD", "/plaintext", "", 200, "text/plain", ""},
		{"GET", "/json", "", 200, "application/json", `{"message":"Hello, World!"}`},
		{"POST", "/echo", "ping", 200, "text/plain", "ping"},
		{"GET", "/echo", "", 405, "", ""},
		{"POST", "/plaintext", "", 405, "", ""},
		{"GET", "/nope", "", 404, "", ""},
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, "http://"+addr+tt.path, strings.NewReader(tt.body))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", tt.method, tt.path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, resp.StatusCode, tt.status)
			continue
		}
		if tt.status != 200 {
			continue
		}
		if got := resp.Header.Get("Content-Type"); got != tt.ctype {
			t.Errorf("%s %s: Content-Type %q, want %q", tt.method, tt.path, got, tt.ctype)
		}
		if string(b) != tt.want || len(resp.TransferEncoding) != 0 {
			t.Errorf("%s %s: body %q (transfer-encoding %v), want %q with Content-Length", tt.method, tt.path, b, resp.TransferEncoding, tt.want)
		}
	}
}
