package framework

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type todoParams struct {
	Pos  int      `path:"pos"`
	Task string   `json:"task"`
	Due  *int     `json:"due,omitempty"`
	Tags []string `json:"tags"`
}

func (p *todoParams) Validate() error {
	if len(p.Task) > 10 {
		return errors.New("task is too long")
	}
	var errs []error
	if strings.TrimSpace(p.Task) == "" {
		errs = append(errs, Invalid("task", "must not be blank"))
	}
	if p.Due != nil && *p.Due < 0 {
		errs = append(errs, Invalid("due", "must not be negative"))
	}
	return errors.Join(errs...)
}

func TestBindJSON(t *testing.T) {
	a := quietApp()
	a.MaxJSONBytes = 64
	a.Put("/todos/{pos}", Bind(func(r *Request, p todoParams) Response { return JSON(p) }))
	api := a.Route("/api", nil)
	api.ErrorRenderer = JSONErrors
	api.Put("/todos/{pos}", Bind(func(r *Request, p todoParams) Response { return JSON(p) }))
	const js = "application/json"
	tests := []struct {
		name, target, ctype, body string
		status                    int
		want                      string // body, or a part of it for errors
	}{
		{"ok", "/todos/3", js, `{"task":"milk","due":5,"tags":["a"]}`, 200, `{"Pos":3,"task":"milk","due":5,"tags":["a"]}` + "\n"},
		{"+json and charset", "/todos/3", "application/merge-patch+json; charset=utf-8", `{"task":"milk"}`, 200, `{"Pos":3,"task":"milk","tags":null}` + "\n"},
		{"path wins over a key named like it", "/todos/3", js, `{"task":"x","Pos":9}`, 400, `JSON body has unknown field "Pos"`},
		{"unknown field", "/todos/3", js, `{"task":"x","extra":1}`, 400, `unknown field "extra"`},
		{"malformed", "/todos/3", js, `{"task":`, 400, "malformed JSON"},
		{"syntax", "/todos/3", js, `{"task" "x"}`, 400, "malformed JSON at byte"},
		{"wrong type", "/todos/3", js, `{"task":5}`, 400, `JSON field "task": got number, want a string`},
		{"not an object", "/todos/3", js, `[1]`, 400, "want a JSON object, got array"},
		{"trailing data", "/todos/3", js, `{"task":"x"} {}`, 400, "data after the object"},
		{"empty body", "/todos/3", js, ``, 400, "request body is empty"},
		{"not JSON", "/todos/3", "text/plain", `{"task":"x"}`, 415, "is not JSON"},
		{"too large", "/todos/3", js, `{"task":"` + strings.Repeat("x", 100) + `"}`, 413, "larger than 64 bytes"},
		{"blank: 422 naming the field", "/todos/3", js, `{"task":"  "}`, 422, `"task" must not be blank`},
		{"plain error from Validate: 422", "/todos/3", js, `{"task":"0123456789ab"}`, 422, "task is too long"},
		{"bad path value", "/todos/x", js, `{"task":"x"}`, 400, `path parameter "pos"`},
		{"JSON group: error as JSON", "/api/todos/3", js, `{"task":""}`, 422, `{"error":"\"task\" must not be blank","field":"task","fields":[{"field":"task","reason":"must not be blank"}]}` + "\n"},
		{"two fields: one 422 naming both", "/todos/3", js, `{"task":"","due":-1}`, 422, `"task" must not be blank; "due" must not be negative` + "\n"},
		{"JSON group: two fields listed", "/api/todos/3", js, `{"task":"","due":-1}`, 422, `{"error":"\"task\" must not be blank; \"due\" must not be negative","field":"task","fields":[{"field":"task","reason":"must not be blank"},{"field":"due","reason":"must not be negative"}]}` + "\n"},
		{"null body: 400, not an empty object", "/todos/3", js, `null`, 400, "request body is null; want a JSON object\n"},
		{"JSON group: null body", "/api/todos/3", js, ` null `, 400, `{"error":"request body is null; want a JSON object"}` + "\n"},
		{"JSON group: 400 as JSON", "/api/todos/3", js, `{`, 400, `{"error":"malformed JSON`},
	}
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		for _, tt := range tests {
			res := do(newReq("PUT", tt.target, tt.body, "Content-Type", tt.ctype))
			ok := res.status == tt.status
			if tt.status == 200 || strings.HasSuffix(tt.want, "\n") {
				ok = ok && res.body == tt.want
			} else {
				ok = ok && strings.Contains(res.body, tt.want)
			}
			if !ok {
				t.Errorf("%s: %d %q, want %d %q", tt.name, res.status, res.body, tt.status, tt.want)
			}
		}
	})
}

func TestErrorRenderers(t *testing.T) {
	a := quietApp()
	fail := func(r *Request) Response { return Errorf(http.StatusConflict, "taken") }
	a.Get("/x", fail)
	a.Route("/api", func(g *Group) {
		g.ErrorRenderer = JSONErrors
		g.Get("/x", fail)
		g.Route("/custom", func(g *Group) {
			g.ErrorRenderer = func(r *Request, e *HTTPError) Response {
				return Text("custom: " + e.Message).WithStatus(e.Code)
			}
			g.Get("/x", fail)
		})
	})
	tests := []struct {
		name, target, accept string
		status               int
		ctype, body          string
	}{
		{"default text", "/x", "", 409, "text/plain; charset=utf-8", "taken\n"},
		{"browser gets text", "/x", "text/html,application/xhtml+xml,*/*;q=0.8", 409, "text/plain; charset=utf-8", "taken\n"},
		{"JSON client gets JSON", "/x", "application/json", 409, "application/json", `{"error":"taken"}` + "\n"},
		{"q=0 JSON is refused", "/x", "application/json;q=0, text/plain", 409, "text/plain; charset=utf-8", "taken\n"},
		{"JSON group", "/api/x", "", 409, "application/json", `{"error":"taken"}` + "\n"},
		{"JSON group 404", "/api/none", "", 404, "application/json", `{"error":"no route found for GET /api/none"}` + "\n"},
		{"JSON group 405 keeps Allow", "/api/x?m=post", "", 405, "application/json", ""},
		{"subgroup renderer", "/api/custom/x", "application/json", 409, "text/plain; charset=utf-8", "custom: taken"},
	}
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		for _, tt := range tests {
			method := "GET"
			if strings.HasSuffix(tt.target, "?m=post") {
				method = "POST"
			}
			res := do(newReq(method, tt.target, "", "Accept", tt.accept))
			if res.status != tt.status || res.header.Get("Content-Type") != tt.ctype || tt.body != "" && res.body != tt.body {
				t.Errorf("%s: %d %q %q, want %d %q %q", tt.name, res.status, res.header.Get("Content-Type"), res.body, tt.status, tt.ctype, tt.body)
			}
			if tt.status == 405 {
				var b map[string]string
				if err := json.Unmarshal([]byte(res.body), &b); err != nil || res.header.Get("Allow") != "GET, HEAD" {
					t.Errorf("405: body %q (%v), Allow %q", res.body, err, res.header.Get("Allow"))
				}
			}
		}
	})
}

func TestAcceptsJSON(t *testing.T) {
	tests := []struct {
		accept     string
		json, html bool
	}{
		{"", false, false},
		{"*/*", false, false},
		{"application/json", true, false},
		{"application/problem+json", true, false},
		{"application/json, text/plain, */*", true, false},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", false, true},
		{"text/html;q=0, application/json", true, false},
		{"application/json;q=0.0, text/html", false, true},
		{"application/json; charset=utf-8; q=0", false, false},
		{"application/json;q=0.5", true, false},
		{"TEXT/HTML", false, true},
	}
	for _, tt := range tests {
		hr := httptest.NewRequest("GET", "/", nil)
		hr.Header.Set("Accept", tt.accept)
		r := overHTTP(nil, hr, nil)
		if AcceptsJSON(r) != tt.json || AcceptsHTML(r) != tt.html {
			t.Errorf("Accept %q: json %v html %v, want %v %v", tt.accept, AcceptsJSON(r), AcceptsHTML(r), tt.json, tt.html)
		}
	}
}

func TestRegisterErrorStatusPanics(t *testing.T) {
	for _, f := range []func(){
		func() { RegisterErrorStatus(nil, 404) },
		func() { RegisterErrorStatus(errors.New("x"), 200) },
	} {
		if msg := catchPanic(f); !strings.HasPrefix(msg, "framework: RegisterErrorStatus") {
			t.Errorf("panic %q", msg)
		}
	}
}
