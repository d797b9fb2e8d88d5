package main

import (
	"log/slog"
	"net/http"
	"testing"

	"github.com/rs/cors"

	"github.com/microframe/microframe/engine/enginetest"
	"github.com/microframe/microframe/framework"
)

// CORS is not written again in the framework: github.com/rs/cors, a
// net/http middleware, plugs in through framework.FromHTTP. This test is
// the documentation's claim checked on both servers; rs/cors is a
// dependency of this test only.
func TestCORSWithRsCors(t *testing.T) {
	newApp := func() *framework.App {
		app := framework.New()
		app.Logger = slog.New(slog.DiscardHandler)
		app.Use(framework.FromHTTP(cors.New(cors.Options{
			AllowedOrigins: []string{"https://app.example"},
			AllowedMethods: []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete},
			AllowedHeaders: []string{"Content-Type"},
			MaxAge:         600,
		}).Handler))
		mountAPI(app, &todoList{})
		return app
	}
	enginetest.ForEachServer(t, newApp, func(t *testing.T, base string, _ *http.Client) { testCORS(t, base) })
}

func testCORS(t *testing.T, base string) {
	c := browser(t)
	// A preflight from an allowed origin: answered by rs/cors
	// itself, before routing (the API has no OPTIONS route).
	code, h, _ := send(t, c, "OPTIONS", base+"/api/todos/1", "",
		"Origin", "https://app.example", "Access-Control-Request-Method", "PUT",
		"Access-Control-Request-Headers", "content-type")
	if code != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != "https://app.example" ||
		h.Get("Access-Control-Allow-Methods") != "PUT" || h.Get("Access-Control-Max-Age") != "600" {
		t.Errorf("preflight: %d %v", code, h)
	}
	// The actual request carries the header, and the API answers.
	code, h, body := send(t, c, "POST", base+"/api/todos", `{"task":"x"}`,
		"Origin", "https://app.example", "Content-Type", "application/json")
	if code != 201 || h.Get("Access-Control-Allow-Origin") != "https://app.example" || body != `{"pos":1,"task":"x"}`+"\n" {
		t.Errorf("POST from an allowed origin: %d %q %v", code, body, h)
	}
	// Another origin gets no CORS headers (the browser then blocks
	// the page from reading the answer).
	if _, h, _ := send(t, c, "GET", base+"/api/todos", "", "Origin", "https://evil.example"); h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("GET from another origin: Allow-Origin %q", h.Get("Access-Control-Allow-Origin"))
	}
	if code, h, _ := send(t, c, "OPTIONS", base+"/api/todos", "",
		"Origin", "https://evil.example", "Access-Control-Request-Method", "DELETE"); h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin: %d, Allow-Origin %q", code, h.Get("Access-Control-Allow-Origin"))
	}
}
