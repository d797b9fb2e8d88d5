package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// post sends a form POST with extra headers (name, value pairs).
func post(t testing.TB, c *http.Client, u string, form url.Values, header ...string) (int, http.Header, string) {
	t.Helper()
	return send(t, c, "POST", u, form.Encode(), append([]string{"Content-Type", "application/x-www-form-urlencoded"}, header...)...)
}

func TestBounds(t *testing.T) {
	base, _ := startTodo(t, "-seed", fmt.Sprint(maxItems-1))
	c := browser(t)
	terms := func(n, size int) string {
		q := url.Values{}
		for i := range n {
			q.Add("q", strings.Repeat(string(rune('a'+i%26)), size))
		}
		return q.Encode()
	}
	for _, tt := range []struct {
		name, method, path string
		form               url.Values
		code               int
		body               string
	}{
		{"user at the limit", "POST", "/login", url.Values{"user": {strings.Repeat("é", maxUserLen)}}, 200, ""},
		{"user too long", "POST", "/login", url.Values{"user": {strings.Repeat("é", maxUserLen+1)}}, 400, "the user name is 65 characters long; the limit is 64\n"},
		{"10 MB user", "POST", "/login", url.Values{"user": {strings.Repeat("u", 9<<20)}}, 400, "the user name is 9437184 characters long; the limit is 64\n"},
		{"task too long", "POST", "/todo/create", url.Values{"task": {strings.Repeat("t", maxTaskLen+1)}}, 400, "the task is 1001 characters long; the limit is 1000\n"},
		{"task at the limit fills the list", "POST", "/todo/create", url.Values{"task": {strings.Repeat("t", maxTaskLen)}}, 303, ""},
		{"list full", "POST", "/todo/create", url.Values{"task": {"one more"}}, 409, "the list is full: it holds the limit of 10000 todos\n"},
		{"10 terms of 100", "GET", "/search?" + terms(maxSearchTerms, maxTermLen), nil, 200, ""},
		{"11 terms", "GET", "/search?" + terms(maxSearchTerms+1, 1), nil, 400, "a search has 11 terms; the limit is 10\n"},
		{"1600 terms", "GET", "/search?" + terms(1600, 1), nil, 400, "a search has 1600 terms; the limit is 10\n"},
		{"term too long", "GET", "/search?q=a&q=" + strings.Repeat("x", maxTermLen+1), nil, 400, "search term 2 is 101 characters long; the limit is 100\n"},
	} {
		var code int
		var body string
		if tt.method == "POST" {
			code, _, body = post(t, c, base+tt.path, tt.form)
		} else {
			code, _, body = fetch(t, c, "GET", base+tt.path, nil)
		}
		if code != tt.code || tt.body != "" && body != tt.body {
			t.Errorf("%s: %d %.100q, want %d %q", tt.name, code, body, tt.code, tt.body)
		}
	}
}

func TestCrossSiteAndHeaders(t *testing.T) {
	base, _ := startTodo(t, "-secure-cookies")
	c := browser(t)
	for _, tt := range []struct {
		name, path string
		header     []string
		code       int
	}{
		{"forged login", "/login", []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"}, 403},
		{"forged create", "/todo/create", []string{"Sec-Fetch-Site", "cross-site"}, 403},
		{"forged logout", "/logout", []string{"Origin", "https://evil.example"}, 403},
		{"same-origin login", "/login", []string{"Sec-Fetch-Site", "same-origin", "Origin", base}, 200},
		{"curl login", "/login", nil, 200},
	} {
		code, h, body := post(t, c, base+tt.path, url.Values{"user": {"ada"}, "task": {"x"}}, tt.header...)
		if code == 303 {
			code = 200
		}
		if code != tt.code {
			t.Errorf("%s: %d %q, want %d", tt.name, code, body, tt.code)
		}
		if code == 403 && h.Get("Set-Cookie") != "" {
			t.Errorf("%s: a refused request got a session cookie", tt.name)
		}
		if tt.path == "/login" && code == 200 && !strings.Contains(h.Get("Set-Cookie"), "; Secure") {
			t.Errorf("%s: -secure-cookies, cookie %q", tt.name, h.Get("Set-Cookie"))
		}
	}
	_, h, _ := fetch(t, c, "GET", base+"/", nil)
	csp := h.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") ||
		h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
		t.Fatalf("security headers of /: %v", h)
	}
}

func TestSafetyFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-max-sessions", "-1"}, "-max-sessions -1: want 0"},
		{[]string{"-max-sessions", "ten"}, "invalid value"},
		{[]string{"-store", "redis", "-max-sessions", "5"}, "-max-sessions applies to -store memory"},
		{[]string{"-seed", "10001"}, "-seed 10001: want 0 to 10000"},
	} {
		err := run(context.Background(), append(tt.args, "-addr", "127.0.0.1:1"), io.Discard, io.Discard, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err %v, want %q", tt.args, err, tt.want)
		}
	}
}

// TestHardeningSessionFlood: one client without cookies floods /counter
// (every request creates a session) against a small -max-sessions. Every
// request is answered 200; afterwards a new visitor still gets a session
// and a user who logged in before the flood is still logged in. The long
// form (-tags stress, `make stress`) is issue 13's target: 6,000 requests
// against -max-sessions 2000.
func TestHardeningSessionFlood(t *testing.T) {
	for _, server := range []string{"engine", "nethttp"} {
		t.Run(server, func(t *testing.T) {
			base, logs := startTodo(t, "-server", server, "-max-sessions", fmt.Sprint(floodSize.maxSessions))
			user := browser(t)
			if code, _, body := post(t, user, base+"/login", url.Values{"user": {"ada"}}); code != 200 {
				t.Fatalf("login: %d %q", code, body)
			}
			flooder := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
			t.Cleanup(flooder.CloseIdleConnections)
			codes := map[int]int{}
			for range floodSize.requests {
				codes[anonymousCounter(t, flooder, base)]++
			}
			if codes[200] != floodSize.requests {
				t.Fatalf("flood of %d: statuses %v, want all 200", floodSize.requests, codes)
			}
			checkSurvivedFlood(t, base, user, logs.String(), 1)
		})
	}
}

// anonymousCounter sends GET /counter with no cookie (so a new session
// each time) and returns the status.
func anonymousCounter(t testing.TB, c *http.Client, base string) int {
	t.Helper()
	resp, err := c.Get(base + "/counter")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// checkSurvivedFlood checks what a session flood must leave intact: a new
// visitor still gets a session that counts (one of visitors fresh ones,
// each making two requests), the user logged in before the flood (her
// client) still has hers, and nothing was logged at ERROR.
func checkSurvivedFlood(t testing.TB, base string, user *http.Client, logs string, visitors int) {
	t.Helper()
	var got []string // what each visitor counted, "1,2" for a session that holds
	for range visitors {
		visitor := browser(t)
		var bodies []string
		for range 2 {
			code, _, body := fetch(t, visitor, "GET", base+"/counter", nil)
			if code != 200 {
				t.Fatalf("new visitor after the flood: status %d %q, want 200", code, body)
			}
			bodies = append(bodies, body)
		}
		if got = append(got, strings.Join(bodies, ",")); got[len(got)-1] == "1,2" {
			break
		}
	}
	if got[len(got)-1] != "1,2" {
		t.Fatalf("new visitors after the flood counted %q, want one to count 1,2", got)
	}
	if code, _, body := fetch(t, user, "GET", base+"/whoami", nil); code != 200 || body != "ada" {
		t.Fatalf("user logged in before the flood: %d %q", code, body)
	}
	if n := strings.Count(logs, "level=ERROR"); n > 0 {
		t.Fatalf("the flood logged %d errors:\n%s", n, logs)
	}
}
