package main

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const htmlAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

func TestPages(t *testing.T) {
	for _, server := range []string{"engine", "nethttp"} {
		t.Run(server, func(t *testing.T) {
			base, _ := startTodo(t, "-server", server, "-seed", "40")
			c := browser(t)

			// Every page: viewport, stylesheet, a link to every page.
			for _, path := range []string{"/", "/search", "/login", "/counter", "/whoami"} {
				code, h, body := send(t, c, "GET", base+path, "", "Accept", htmlAccept)
				if path == "/whoami" {
					if code != 401 || !strings.Contains(body, `<p id="message">not logged in</p>`) || !strings.Contains(body, `href="/login"`) {
						t.Errorf("GET /whoami before login, as a browser: %d\n%s", code, body)
					}
					continue
				}
				if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
					t.Errorf("GET %s: %d %s", path, code, h.Get("Content-Type"))
				}
				for _, want := range []string{
					`<meta name="viewport" content="width=device-width, initial-scale=1">`,
					`<link rel="stylesheet" href="/static/style.css">`,
					`href="/"`, `href="/search"`, `href="/counter"`, `href="/whoami"`, `href="/login"`,
					`<form method="post" action="/logout">`,
				} {
					if !strings.Contains(body, want) {
						t.Errorf("GET %s lacks %s", path, want)
					}
				}
			}

			// Errors are pages for browsers, text for the rest.
			if code, h, body := send(t, c, "GET", base+"/todo/99", "", "Accept", htmlAccept); code != 404 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.Contains(body, "no todo at position 99") {
				t.Errorf("404 page: %d %s\n%s", code, h.Get("Content-Type"), body)
			}
			if code, h, body := send(t, c, "GET", base+"/todo/99", ""); code != 404 || body != "no todo at position 99\n" || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
				t.Errorf("404 text: %d %s %q", code, h.Get("Content-Type"), body)
			}

			// The login form posts user to /login; browsers get pages.
			_, _, body := send(t, c, "GET", base+"/login", "")
			if !strings.Contains(body, `<form method="post" action="/login">`) || !strings.Contains(body, `name="user"`) {
				t.Errorf("login form:\n%s", body)
			}
			code, _, body := send(t, c, "POST", base+"/login", url.Values{"user": {"ada"}}.Encode(),
				"Content-Type", "application/x-www-form-urlencoded", "Accept", htmlAccept)
			if code != 200 || !strings.Contains(body, `<p id="message">logged in as ada</p>`) {
				t.Errorf("login as a browser: %d\n%s", code, body)
			}
			if _, h, body := send(t, c, "GET", base+"/whoami", "", "Accept", htmlAccept); !strings.Contains(body, `<p id="message">ada</p>`) || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
				t.Errorf("whoami as a browser:\n%s", body)
			}
			if _, h, body := send(t, c, "GET", base+"/whoami", ""); body != "ada" || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
				t.Errorf("whoami as curl: %q %s", body, h.Get("Content-Type"))
			}
			if _, _, body := send(t, c, "GET", base+"/counter", "", "Accept", htmlAccept); !strings.Contains(body, `<p id="message">2</p>`) {
				t.Errorf("counter as a browser:\n%s", body)
			}

			// The stylesheet, from the binary.
			code, h, css := send(t, c, "GET", base+"/static/style.css", "")
			if code != 200 || h.Get("Content-Type") != "text/css; charset=utf-8" || h.Get("ETag") == "" || !strings.Contains(css, "body {") {
				t.Errorf("style.css: %d %v", code, h)
			}
			if code, _, _ := send(t, c, "GET", base+"/static/style.css", "", "If-None-Match", h.Get("ETag")); code != 304 {
				t.Errorf("style.css revalidation: %d", code)
			}

			// Compression: the seeded index is well over 1 KiB.
			req, _ := http.NewRequest("GET", base+"/", nil)
			req.Header.Set("Accept-Encoding", "gzip")
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.Header.Get("Content-Encoding") != "gzip" {
				t.Fatalf("index with Accept-Encoding gzip: Content-Encoding %q", resp.Header.Get("Content-Encoding"))
			}
			zr, err := gzip.NewReader(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			page, err := io.ReadAll(zr)
			if err != nil || !strings.Contains(string(page), "example todo 40") {
				t.Errorf("gunzipped index: %v\n%.200s", err, page)
			}

			// A delete button per todo, and what it does.
			_, _, body = send(t, c, "GET", base+"/", "")
			if n := strings.Count(body, `class="delete"`); n != 40 {
				t.Errorf("%d delete buttons for 40 todos", n)
			}
			code, h, _ = send(t, c, "POST", base+"/todo/1/delete", "")
			if code != http.StatusSeeOther || h.Get("Location") != "/" {
				t.Errorf("delete: %d %v", code, h)
			}
			if _, _, body := send(t, c, "GET", base+"/todo/1", ""); body != "example todo 2" {
				t.Errorf("after deleting the first: %q", body)
			}
			if code, _, _ := send(t, c, "POST", base+"/todo/99/delete", ""); code != 404 {
				t.Errorf("delete a missing todo: %d", code)
			}
		})
	}
}
