package framework

import (
	"encoding/json"
	"net/http"
	"testing"
)

func TestEnv(t *testing.T) {
	a := quietApp()
	a.Post("/cgi/{x}", func(r *Request) Response { return JSON(r.Env()) })
	req := newReq("POST", "/cgi/a%20b?x=1&y=2", "hello", "Content-Type", "text/plain",
		"Accept-Language", "fr", "X-Multi", "1", "X-Multi", "2", "Cookie", "a=1", "Cookie", "b=2",
		"Authorization", "Basic c2VjcmV0", "Proxy", "http://evil", "X_Spoof", "x")
	req.Host = "example.com:8123"
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		res := do(req)
		var env map[string]string
		if err := json.Unmarshal([]byte(res.body), &env); err != nil {
			t.Fatalf("%d %q: %v", res.status, res.body, err)
		}
		want := map[string]string{
			"GATEWAY_INTERFACE":    "CGI/1.1",
			"SERVER_SOFTWARE":      "microframe",
			"SERVER_PROTOCOL":      "HTTP/1.1",
			"SERVER_NAME":          "example.com",
			"SERVER_PORT":          "8123",
			"REQUEST_METHOD":       "POST",
			"REQUEST_URI":          "/cgi/a%20b?x=1&y=2",
			"SCRIPT_NAME":          "",
			"PATH_INFO":            "/cgi/a b",
			"QUERY_STRING":         "x=1&y=2",
			"REMOTE_ADDR":          "127.0.0.1",
			"CONTENT_LENGTH":       "5",
			"CONTENT_TYPE":         "text/plain",
			"HTTP_ACCEPT_LANGUAGE": "fr",
			"HTTP_X_MULTI":         "1, 2",
			"HTTP_COOKIE":          "a=1; b=2",
		}
		for k, w := range want {
			if g, ok := env[k]; !ok || g != w {
				t.Errorf("%s = %q (present %v), want %q", k, g, ok, w)
			}
		}
		if env["REMOTE_PORT"] == "" {
			t.Error("REMOTE_PORT missing")
		}
		for _, k := range []string{"HTTP_AUTHORIZATION", "HTTP_PROXY", "HTTP_X_SPOOF", "HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH", "HTTPS"} {
			if v, ok := env[k]; ok {
				t.Errorf("%s must not be set, is %q", k, v)
			}
		}
	})
}

func TestEnvNoBodyNoPort(t *testing.T) {
	a := quietApp()
	a.Get("/", func(r *Request) Response { return JSON(r.Env()) })
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		req := get("/")
		req.Host = "example.com" // no port: SERVER_PORT comes from the listener
		var env map[string]string
		json.Unmarshal([]byte(do(req).body), &env)
		if _, ok := env["CONTENT_LENGTH"]; ok {
			t.Error("CONTENT_LENGTH set without a body")
		}
		if env["SERVER_NAME"] != "example.com" || env["SERVER_PORT"] == "" {
			t.Errorf("SERVER_NAME %q SERVER_PORT %q", env["SERVER_NAME"], env["SERVER_PORT"])
		}
	})
}
