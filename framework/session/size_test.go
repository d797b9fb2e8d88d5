package session

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestOversizedSession413: a write past the store's per-session size
// limit answers 413 and leaves the session as it was. (Issue 13: POST
// /login with 10 MB names stored them; 284 such requests took 4.1 GB.)
func TestOversizedSession413(t *testing.T) {
	onEachServer(t, func(t *testing.T, base string, c *http.Client) {
		do := func(method, path string, form url.Values) (int, string) {
			t.Helper()
			req, _ := http.NewRequest(method, base+path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		if code, body := do("POST", "/login", url.Values{"user": {"ada"}}); code != 200 {
			t.Fatalf("login: %d %q", code, body)
		}
		code, body := do("POST", "/login", url.Values{"user": {strings.Repeat("x", 5<<20)}})
		if code != http.StatusRequestEntityTooLarge {
			t.Fatalf("5 MB session: %d %.80q, want 413", code, body)
		}
		// The jar follows the id that the refused login renewed.
		if code, body := do("GET", "/whoami", nil); code != 200 || body != "ada" {
			t.Fatalf("after the refused write: %d %q, want ada", code, body)
		}
	})
}
