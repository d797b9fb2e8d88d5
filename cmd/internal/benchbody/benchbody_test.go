package benchbody

import (
	"encoding/json"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestAppendMessageJSON: the hand-written encoder matches encoding/json.
func TestAppendMessageJSON(t *testing.T) {
	type message struct {
		Message string `json:"message"`
	}
	for _, s := range []string{Hello, "", `quote " backslash \ slash /`, "<tag>&amp;", "ctl \x00\x01\n\r\t\x1f",
		"ünïcödé ✓", "bad \xff utf8", "line\u2028sep\u2029"} {
		want, _ := json.Marshal(message{Message: s})
		if got := AppendMessageJSON(nil, s); string(got) != string(want) {
			t.Errorf("%q:\ngot  %s\nwant %s", s, got, want)
		}
	}
}

func TestAppendMessageJSONAllocs(t *testing.T) {
	var buf [64]byte
	if n := testing.AllocsPerRun(100, func() { AppendMessageJSON(buf[:0], Hello) }); n != 0 {
		t.Fatalf("AppendMessageJSON allocates %.0f times", n)
	}
}
