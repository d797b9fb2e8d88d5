package main

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestCRUD: a bookmark created, listed (by tag, with a limit), read,
// replaced and deleted, on the database.
func TestCRUD(t *testing.T) {
	eachServer(t, nil, func(t *testing.T, e *env) {
		res := e.do(t, "POST", "/bookmarks", `{"url": "https://go.dev", "title": "Go", "tags": ["go", "lang"]}`)
		want(t, "POST", res, 201, "")
		b := decode[Bookmark](t, res)
		loc := "/bookmarks/" + strconv.FormatInt(b.ID, 10)
		if b.ID <= 0 || b.URL != "https://go.dev" || b.Title != "Go" || !slices.Equal(b.Tags, []string{"go", "lang"}) ||
			b.CreatedAt.IsZero() || res.header.Get("Location") != loc {
			t.Fatalf("POST: %+v, Location %q", b, res.header.Get("Location"))
		}
		want(t, "POST without tags", e.do(t, "POST", "/bookmarks", `{"url": "http://postgresql.org", "title": "PostgreSQL"}`),
			201, `"tags":[]`)

		if got := decode[Bookmark](t, e.do(t, "GET", loc, "")); got.ID != b.ID || got.Title != "Go" || !got.CreatedAt.Equal(b.CreatedAt) {
			t.Errorf("GET %s: %+v, want %+v", loc, got, b)
		}
		for _, tt := range []struct {
			query  string
			titles []string
		}{
			{"", []string{"Go", "PostgreSQL"}},
			{"?tag=lang", []string{"Go"}},
			{"?tag=none", []string{}},
			{"?limit=1", []string{"Go"}},
		} {
			res := e.do(t, "GET", "/bookmarks"+tt.query, "")
			titles := []string{}
			for _, b := range decode[[]Bookmark](t, res) {
				titles = append(titles, b.Title)
			}
			if res.status != 200 || !slices.Equal(titles, tt.titles) {
				t.Errorf("GET /bookmarks%s: %d %v, want %v", tt.query, res.status, titles, tt.titles)
			}
		}
		wantJSONError(t, "GET ?limit=1000", e.do(t, "GET", "/bookmarks?limit=1000", ""), 422)

		res = e.do(t, "PUT", loc, `{"url": "https://go.dev/doc", "title": "Go docs"}`)
		if got := decode[Bookmark](t, res); res.status != 200 || got.ID != b.ID || got.URL != "https://go.dev/doc" ||
			got.Title != "Go docs" || len(got.Tags) != 0 {
			t.Errorf("PUT: %d %+v", res.status, got)
		}
		want(t, "GET after PUT", e.do(t, "GET", loc, ""), 200, `"title":"Go docs"`)

		want(t, "DELETE", e.do(t, "DELETE", loc, ""), 204, "")
		wantJSONError(t, "GET after DELETE", e.do(t, "GET", loc, ""), 404)
		wantJSONError(t, "DELETE again", e.do(t, "DELETE", loc, ""), 404)
		wantJSONError(t, "PUT after DELETE", e.do(t, "PUT", loc, `{"url": "https://go.dev", "title": "Go"}`), 404)
	})
}

// TestUnknownID: an id no bookmark has is a JSON 404; an id that is not a
// number a 400.
func TestUnknownID(t *testing.T) {
	eachServer(t, nil, func(t *testing.T, e *env) {
		v := wantJSONError(t, "GET /bookmarks/12345", e.do(t, "GET", "/bookmarks/12345", ""), 404)
		if v["error"] != "Not Found" {
			t.Errorf("GET /bookmarks/12345: %v", v)
		}
		wantJSONError(t, "GET /bookmarks/abc", e.do(t, "GET", "/bookmarks/abc", ""), 400)
	})
}

// TestValidation: a body wrong in three fields is one 422 naming all three.
func TestValidation(t *testing.T) {
	eachServer(t, nil, func(t *testing.T, e *env) {
		for _, method := range []string{"POST /bookmarks", "PUT /bookmarks/1"} {
			m, path, _ := strings.Cut(method, " ")
			res := e.do(t, m, path, `{"url": "ftp://example.com", "title": "  ", "tags": ["two words"]}`)
			v := wantJSONError(t, method, res, 422)
			var fields []string
			list, _ := v["fields"].([]any)
			for _, f := range list {
				if f, ok := f.(map[string]any); ok {
					fields = append(fields, f["field"].(string))
				}
			}
			if !slices.Equal(fields, []string{"url", "title", "tags"}) {
				t.Errorf("%s: fields %v in %s, want url, title, tags", method, fields, res.body)
			}
		}
		want(t, "GET after the 422s", e.do(t, "GET", "/bookmarks", ""), 200, "[]")
	})
}

// TestBadBodies: malformed JSON, a body of null, an unknown key and a body
// that is not JSON are refused before the handler, as JSON errors.
func TestBadBodies(t *testing.T) {
	eachServer(t, nil, func(t *testing.T, e *env) {
		for _, tt := range []struct {
			what, body string
			status     int
		}{
			{"malformed", `{"url": "https://go.dev",`, 400},
			{"null", `null`, 400},
			{"empty object then more", `{} {}`, 400},
			{"unknown key", `{"url": "https://go.dev", "title": "Go", "rating": 5}`, 400},
			{"wrong type", `{"url": "https://go.dev", "title": 5}`, 400},
		} {
			wantJSONError(t, tt.what, e.do(t, "POST", "/bookmarks", tt.body), tt.status)
		}
		wantJSONError(t, "text/plain", e.do(t, "POST", "/bookmarks", "url=x", "Content-Type", "text/plain"), 415)
		want(t, "GET after the 400s", e.do(t, "GET", "/bookmarks", ""), 200, "[]")
	})
}

// TestWrongMethod: a method no route of the path has is a 405 with Allow,
// as JSON.
func TestWrongMethod(t *testing.T) {
	eachServer(t, nil, func(t *testing.T, e *env) {
		for _, tt := range []struct{ method, path, allow string }{
			{"PATCH", "/bookmarks/1", "DELETE, GET, HEAD, PUT"},
			{"DELETE", "/bookmarks", "GET, HEAD, POST"},
			{"POST", "/healthz", "GET, HEAD"},
		} {
			res := e.do(t, tt.method, tt.path, "")
			wantJSONError(t, tt.method+" "+tt.path, res, 405)
			if got := res.header.Get("Allow"); got != tt.allow {
				t.Errorf("%s %s: Allow %q, want %q", tt.method, tt.path, got, tt.allow)
			}
		}
	})
}
