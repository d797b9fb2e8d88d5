package cookiejar

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestHTTPConversions(t *testing.T) {
	exp := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		ours   Cookie
		theirs http.Cookie
	}{
		{Cookie{Name: "a", Value: "b"}, http.Cookie{Name: "a", Value: "b"}},
		{Cookie{Name: "a", Value: `"q"`}, http.Cookie{Name: "a", Value: "q", Quoted: true}},
		{Cookie{Name: "a", Value: "b", Path: "/p", Domain: "d.com", Expires: exp, MaxAge: 5, Secure: true,
			HttpOnly: true, SameSite: SameSiteNone, Partitioned: true},
			http.Cookie{Name: "a", Value: "b", Path: "/p", Domain: "d.com", Expires: exp, MaxAge: 5, Secure: true,
				HttpOnly: true, SameSite: http.SameSiteNoneMode, Partitioned: true}},
		{Cookie{Name: "a", SameSite: SameSiteLax}, http.Cookie{Name: "a", SameSite: http.SameSiteLaxMode}},
		{Cookie{Name: "a", SameSite: SameSiteStrict}, http.Cookie{Name: "a", SameSite: http.SameSiteStrictMode}},
	}
	for _, tt := range tests {
		if got := tt.ours.HTTP(); !reflect.DeepEqual(*got, tt.theirs) {
			t.Errorf("HTTP() = %+v, want %+v", *got, tt.theirs)
		}
		if got := FromHTTP(&tt.theirs); got != tt.ours {
			t.Errorf("FromHTTP = %+v, want %+v", got, tt.ours)
		}
		// Both libraries write the same attributes for a valid cookie (the
		// order of attributes is free).
		if ours, err := tt.ours.Format(); err == nil {
			a, b := strings.Split(ours, "; "), strings.Split(tt.theirs.String(), "; ")
			slices.Sort(a)
			slices.Sort(b)
			if !slices.Equal(a, b) {
				t.Errorf("Format = %q, net/http writes %q", ours, tt.theirs.String())
			}
		}
	}
}

// TestJarAsHTTPCookieJar runs an http.Client with a Jar against a server
// that sets cookies on different paths and deletes one.
func TestJarAsHTTPCookieJar(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "root", Value: "1", Path: "/"})
		http.SetCookie(w, &http.Cookie{Name: "api", Value: "2", Path: "/api"})
		http.SetCookie(w, &http.Cookie{Name: "q", Value: "a b", Path: "/"}) // net/http quotes it
	})
	mux.HandleFunc("/del", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "root", Path: "/", MaxAge: -1})
	})
	echo := func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.Header.Get("Cookie")) }
	mux.HandleFunc("/echo", echo)
	mux.HandleFunc("/api/echo", echo)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	client := &http.Client{Jar: &Jar{}}
	defer client.CloseIdleConnections()
	get := func(path string) string {
		t.Helper()
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	get("/set")
	if got := get("/echo"); got != `root=1; q="a b"` {
		t.Fatalf("/echo got %q", got)
	}
	if got := get("/api/echo"); got != `api=2; root=1; q="a b"` {
		t.Fatalf("/api/echo got %q", got)
	}
	get("/del")
	if got := get("/echo"); got != `q="a b"` {
		t.Fatalf("after delete: %q", got)
	}
	u, _ := url.Parse(srv.URL)
	if got := fmt.Sprint(len(client.Jar.Cookies(u))); got != "1" {
		t.Fatalf("Cookies(u) has %s cookies", got)
	}
	for _, bad := range []string{"ftp://example.com/", "file:///etc"} {
		u, _ := url.Parse(bad)
		client.Jar.SetCookies(u, []*http.Cookie{{Name: "x", Value: "1"}})
		if client.Jar.Cookies(u) != nil {
			t.Errorf("cookies for %s", bad)
		}
	}
}
