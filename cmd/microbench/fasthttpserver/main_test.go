package main

import (
	"testing"

	"github.com/valyala/fasthttp"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestEndpoints(t *testing.T) {
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
	for _, tt := range tests {
		var ctx fasthttp.RequestCtx
		ctx.Request.Header.SetMethod(tt.method)
		ctx.Request.SetRequestURI(tt.path)
		ctx.Request.SetBodyString(tt.body)
		handler(&ctx)
		r := &ctx.Response
		if r.StatusCode() != tt.status {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, r.StatusCode(), tt.status)
			continue
		}
		if tt.status != 200 {
			continue
		}
		if got := string(r.Header.ContentType()); got != tt.ctype {
			t.Errorf("%s %s: Content-Type %q, want %q", tt.method, tt.path, got, tt.ctype)
		}
		if tt.method != "HEAD" && string(r.Body()) != tt.want {
			t.Errorf("%s %s: body %q, want %q", tt.method, tt.path, r.Body(), tt.want)
		}
	}
}
