package sessionstore

import (
	"context"
	"net/http"
	"testing"
)

func TestCommitHeader(t *testing.T) {
	m, _, _ := testManager(t)
	for _, tt := range []struct {
		name      string
		use       func(h *Handle) error // what the request did with its session
		cookie    bool                  // the request carried a live session cookie
		before    http.Header           // what the handler had set already
		setCookie bool                  // a Set-Cookie is wanted
		cache     string                // the Cache-Control wanted
	}{
		{name: "untouched", use: func(*Handle) error { return nil }},
		{name: "read only", cookie: true, use: func(h *Handle) error { h.GetString("user"); return h.Err() }},
		{name: "written, same session", cookie: true, use: func(h *Handle) error { return h.PutString("k", "v") }},
		{name: "created", use: func(h *Handle) error { return h.PutString("k", "v") },
			setCookie: true, cache: `no-cache="Set-Cookie"`},
		{name: "created, handler's Cache-Control kept", use: func(h *Handle) error { return h.PutString("k", "v") },
			before: http.Header{"Cache-Control": {"private, max-age=60"}}, setCookie: true, cache: "private, max-age=60"},
		{name: "renewed", cookie: true, use: func(h *Handle) error { return h.Renew() },
			setCookie: true, cache: `no-cache="Set-Cookie"`},
		{name: "destroyed", cookie: true, use: func(h *Handle) error { return h.Destroy() },
			setCookie: true, cache: `no-cache="Set-Cookie"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var value string
			if tt.cookie {
				value = login(t, m, "ada")
			}
			h := m.Load(context.Background(), value)
			if err := tt.use(h); err != nil {
				t.Fatal(err)
			}
			hdr := http.Header{}
			for k, v := range tt.before {
				hdr[k] = append([]string(nil), v...)
			}
			if _, err := CommitHeader(h, httpHeader(hdr), false); err != nil {
				t.Fatal(err)
			}
			if got := len(hdr["Set-Cookie"]) == 1; got != tt.setCookie {
				t.Fatalf("Set-Cookie %q, want one: %v", hdr["Set-Cookie"], tt.setCookie)
			}
			wantVary := ""
			if tt.setCookie {
				wantVary = "Cookie"
			}
			if got := hdr.Get("Vary"); got != wantVary {
				t.Errorf("Vary %q, want %q", got, wantVary)
			}
			if got := hdr.Get("Cache-Control"); got != tt.cache {
				t.Errorf("Cache-Control %q, want %q", got, tt.cache)
			}
			// Once committed, a second call adds nothing.
			n := len(hdr)
			if _, err := CommitHeader(h, httpHeader(hdr), false); err != nil || len(hdr) != n || len(hdr["Set-Cookie"]) > 1 {
				t.Errorf("second CommitHeader changed the header: %v, %v", hdr, err)
			}
		})
	}
}

// LoadHeader reads the session cookie from every Cookie line, the first
// one named Cookie.Name winning, by cookiejar.Get's rules.
func TestManagerLoadHeader(t *testing.T) {
	m, _, _ := testManager(t)
	v := login(t, m, "ada")
	for _, tt := range []struct {
		lines []string
		want  string
	}{
		{nil, ""},
		{[]string{"session=" + v}, "ada"},
		{[]string{`session="` + v + `"`}, "ada"},
		{[]string{"theme=dark", "a=1; session=" + v}, "ada"}, // a later line
		{[]string{"odd name=1; junk; session=" + v}, "ada"},  // other pairs, well-formed or not
		{[]string{"session=stale", "session=" + v}, ""},      // the first one wins
		{[]string{"session=x\x01; session=" + v}, "ada"},     // a malformed pair is skipped
		{[]string{"Session=" + v}, ""},                       // names are case-sensitive
	} {
		if got := m.LoadHeader(context.Background(), tt.lines...).GetString("user"); got != tt.want {
			t.Errorf("LoadHeader(%q) sees user %q, want %q", tt.lines, got, tt.want)
		}
	}
}
