package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// send makes one request with a body and header pairs, and returns what
// came back.
func send(t testing.TB, c *http.Client, method, u, body string, header ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func TestAPI(t *testing.T) {
	const js = "application/json"
	for _, server := range []string{"engine", "nethttp"} {
		t.Run(server, func(t *testing.T) {
			base, _ := startTodo(t, "-server", server)
			c := browser(t)
			steps := []struct {
				method, path, body string
				code               int
				want               string // the body; for errors, a part of the "error" member
				location           string
			}{
				{"GET", "/api/todos", "", 200, "[]\n", ""},
				{"POST", "/api/todos", `{"task":" milk "}`, 201, `{"pos":1,"task":"milk"}` + "\n", "/api/todos/1"},
				{"POST", "/api/todos", `{"task":"first","pos":1}`, 201, `{"pos":1,"task":"first"}` + "\n", "/api/todos/1"},
				{"POST", "/api/todos", `{"task":"` + strings.Repeat("é", 1000) + `"}`, 201, "", "/api/todos/3"},
				{"GET", "/api/todos/2", "", 200, `{"pos":2,"task":"milk"}` + "\n", ""},
				{"PUT", "/api/todos/2", `{"task":"oat milk"}`, 200, `{"pos":2,"task":"oat milk"}` + "\n", ""},
				{"DELETE", "/api/todos/3", "", 204, "", ""},
				{"DELETE", "/api/todos/1", "", 204, "", ""},
				{"GET", "/api/todos", "", 200, `[{"pos":1,"task":"oat milk"}]` + "\n", ""},
				// errors, every one as JSON
				{"POST", "/api/todos", `{"task":`, 400, "malformed JSON", ""},
				{"POST", "/api/todos", `{"task":"x","done":true}`, 400, `unknown field "done"`, ""},
				{"POST", "/api/todos", `{"task":7}`, 400, `JSON field "task"`, ""},
				{"POST", "/api/todos", `{"task":"  "}`, 422, `"task" must not be blank`, ""},
				{"POST", "/api/todos", `{}`, 422, `"task" must not be blank`, ""},
				{"POST", "/api/todos", `{"task":"` + strings.Repeat("x", 1001) + `"}`, 422, `"task" is longer than 1000 characters`, ""},
				{"PUT", "/api/todos/1", `{"task":""}`, 422, `"task" must not be blank`, ""},
				{"GET", "/api/todos/9", "", 404, "no todo at position 9", ""},
				{"PUT", "/api/todos/9", `{"task":"x"}`, 404, "no todo at position 9", ""},
				{"DELETE", "/api/todos/9", "", 404, "no todo at position 9", ""},
				{"GET", "/api/todos/x", "", 400, `path parameter "pos"`, ""},
				{"PATCH", "/api/todos", `{}`, 405, "method PATCH not allowed", ""},
				{"GET", "/api/todos/1/2", "", 404, "no route found", ""},
			}
			for _, s := range steps {
				code, h, body := send(t, c, s.method, base+s.path, s.body, "Content-Type", js)
				name := s.method + " " + s.path + " " + s.body
				if len(name) > 60 {
					name = name[:60]
				}
				if code != s.code || h.Get("Location") != s.location {
					t.Errorf("%s: %d (Location %q) %q, want %d (Location %q)", name, code, h.Get("Location"), body, s.code, s.location)
					continue
				}
				if code == 204 {
					if body != "" {
						t.Errorf("%s: 204 with body %q", name, body)
					}
					continue
				}
				if ct := h.Get("Content-Type"); ct != js {
					t.Errorf("%s: Content-Type %q", name, ct)
				}
				if code < 400 {
					if s.want != "" && body != s.want {
						t.Errorf("%s: %q, want %q", name, body, s.want)
					}
					continue
				}
				var e struct{ Error, Field string }
				if err := json.Unmarshal([]byte(body), &e); err != nil || !strings.Contains(e.Error, s.want) {
					t.Errorf("%s: error body %q (%v), want an \"error\" containing %q", name, body, err, s.want)
				}
				if code == 422 && e.Field != "task" {
					t.Errorf("%s: field %q, want task", name, e.Field)
				}
				if code == 405 && h.Get("Allow") != "GET, HEAD, POST" {
					t.Errorf("%s: Allow %q", name, h.Get("Allow"))
				}
			}
			if code, _, _ := send(t, c, "POST", base+"/api/todos", `{"task":"x"}`, "Content-Type", "text/plain"); code != 415 {
				t.Errorf("text/plain body: %d, want 415", code)
			}
		})
	}
}
