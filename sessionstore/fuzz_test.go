package sessionstore

import (
	"context"
	"strings"
	"testing"

	"github.com/microframe/microframe/cookiejar"
)

// FuzzManagerCookie feeds arbitrary cookie values to a Manager with a
// Signer: only the genuine cookie may reach the session, and nothing may
// panic or produce a Set-Cookie line that does not parse.
func FuzzManagerCookie(f *testing.F) {
	store := NewMemoryStore(MemoryOptions{SweepInterval: -1})
	f.Cleanup(func() { store.Close() })
	m := NewManager(store)
	signer, err := cookiejar.NewSigner([]byte(strings.Repeat("s", 32)))
	if err != nil {
		f.Fatal(err)
	}
	m.Codec = signer
	h := m.Load(context.Background(), "")
	if err := h.PutString("user", "ada"); err != nil {
		f.Fatal(err)
	}
	line, _, _ := h.Commit(false)
	genuine, _ := cookiejar.ParseSetCookie(line)
	f.Add(genuine.Value)
	f.Add(h.ID())
	f.Add("")
	f.Add("a.b")
	f.Fuzz(func(t *testing.T, cookie string) {
		h := m.Load(context.Background(), cookie)
		if user := h.GetString("user"); user != "" && cookie != genuine.Value {
			t.Fatalf("cookie %q reached the session", cookie)
		}
		line, changed, err := h.Commit(false)
		if err != nil {
			t.Fatalf("Commit: %v", err)
		}
		if changed {
			if _, err := cookiejar.ParseSetCookie(line); err != nil {
				t.Fatalf("Commit wrote %q: %v", line, err)
			}
		}
	})
}
