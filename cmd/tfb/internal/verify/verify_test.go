package verify

import (
	"cmp"
	"context"
	"encoding/json"
	htmltemplate "html/template"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	texttemplate "text/template"
	"time"

	"github.com/microframe/microframe/cmd/tfb/internal/tfbdb"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fake is a benchmark server in memory that follows every rule, except
// the one named by breaks: the verifier's tests need a server that breaks
// exactly one rule at a time. (The real servers are tested against a
// real PostgreSQL in package main.)
type fake struct {
	breaks string
	mu     sync.Mutex
	world  [tfbdb.WorldRows + 1]int32
	clock  int64 // seconds, one more for each response: Date changes at once
}

const page = `<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr>{{range .}}<tr><td>{{.ID}}</td><td>{{.Message}}</td></tr>{{end}}</table></body></html>`

var (
	htmlPage = htmltemplate.Must(htmltemplate.New("").Parse(page))
	textPage = texttemplate.Must(texttemplate.New("").Parse(page))
)

func newFake(breaks string) *fake {
	f := &fake{breaks: breaks}
	for id := range f.world {
		f.world[id] = 1 + rand.Int32N(tfbdb.WorldRows)
	}
	return f
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if !(f.breaks == "db: server" && r.URL.Path == "/db") {
		h.Set("Server", "fake")
	}
	switch {
	case f.breaks == "json: date" && r.URL.Path == "/json":
		h.Set("Date", "yesterday")
	case f.breaks == "date":
		h.Set("Date", "Mon, 07 Dec 2026 10:00:00 GMT")
	default:
		f.mu.Lock()
		f.clock++
		h.Set("Date", time.Unix(1_800_000_000+f.clock, 0).UTC().Format(http.TimeFormat))
		f.mu.Unlock()
	}
	switch r.URL.Path {
	case "/plaintext":
		if f.breaks == "plaintext: framing" {
			hijackRaw(w, h.Get("Date"), "Hello, World!")
			return
		}
		body := "Hello, World!"
		if f.breaks == "plaintext: body" {
			body = "Hello, world!"
		}
		h.Set("Content-Type", "text/plain")
		io.WriteString(w, body)
	case "/json":
		ct := "application/json"
		if f.breaks == "json: content-type" {
			ct = "text/plain"
		}
		h.Set("Content-Type", ct)
		json.NewEncoder(w).Encode(map[string]string{"message": "Hello, World!"})
	case "/db":
		h.Set("Content-Type", "application/json")
		rows := f.read(1)
		switch f.breaks {
		case "db: json":
			json.NewEncoder(w).Encode(rows)
		case "db: range":
			io.WriteString(w, `{"id":1,"randomNumber":0}`)
		default:
			json.NewEncoder(w).Encode(rows[0])
		}
	case "/queries", "/updates":
		f.worlds(w, r)
	case "/fortunes":
		f.fortunes(w)
	default:
		http.NotFound(w, r)
	}
}

// hijackRaw answers with neither Content-Length nor chunked framing: the
// body ends when the connection closes.
func hijackRaw(w http.ResponseWriter, date, body string) {
	c, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	defer c.Close()
	buf.WriteString("HTTP/1.1 200 OK\r\nServer: fake\r\nDate: " + date +
		"\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n" + body)
	buf.Flush()
}

type world struct {
	ID           int32 `json:"id"`
	RandomNumber int32 `json:"randomNumber"`
}

func (f *fake) read(n int) []world {
	f.mu.Lock()
	defer f.mu.Unlock()
	ws := make([]world, n)
	for i := range ws {
		id := 1 + rand.Int32N(tfbdb.WorldRows)
		ws[i] = world{id, f.world[id]}
	}
	return ws
}

func (f *fake) worlds(w http.ResponseWriter, r *http.Request) {
	test := strings.TrimPrefix(r.URL.Path, "/")
	v := r.URL.Query().Get("queries")
	n, err := strconv.Atoi(v)
	switch {
	case f.breaks == test+"=foo: count" && v == "foo":
		n = 0
	case f.breaks == test+"=501: count" && v == "501":
	case f.breaks == test+"=foo: status" && v == "foo":
		http.Error(w, "bad queries", http.StatusInternalServerError)
		return
	case err != nil || n < 1:
		n = 1
	case n > 500:
		n = 500
	}
	ws := f.read(n)
	if test == "updates" {
		f.mu.Lock()
		for i := range ws {
			ws[i].RandomNumber = 1 + rand.Int32N(tfbdb.WorldRows)
		}
		if !(f.breaks == "updates=20: not persisted" && n == 20) {
			for i := range ws {
				f.world[ws[i].ID] = ws[i].RandomNumber
			}
			// An id drawn twice: the last value is the table's.
			for i := range ws {
				ws[i].RandomNumber = f.world[ws[i].ID]
			}
		}
		f.mu.Unlock()
	}
	w.Header().Set("Content-Type", "application/json")
	if f.breaks == "queries=20: json" && test == "queries" && n == 20 {
		io.WriteString(w, `[{"id":"5","randomNumber":1}`+strings.Repeat(`,{"id":5,"randomNumber":1}`, 19)+`]`)
		return
	}
	json.NewEncoder(w).Encode(ws)
}

func (f *fake) fortunes(w http.ResponseWriter) {
	type fortune struct {
		ID      int
		Message string
	}
	var fs []fortune
	for i, m := range tfbdb.Fortunes {
		switch {
		case f.breaks == "fortunes: rows" && i == 0:
			continue
		case f.breaks == "fortunes: utf-8" && m == japanese:
			var latin1 []rune // the UTF-8 bytes taken for Latin-1: mojibake
			for _, b := range []byte(m) {
				latin1 = append(latin1, rune(b))
			}
			m = string(latin1)
		case f.breaks == "fortunes: messages" && i == 2:
			m += "!"
		}
		fs = append(fs, fortune{i + 1, m})
	}
	add := tfbdb.AdditionalFortune
	if f.breaks == "fortunes: additional" {
		add = "An additional fortune."
	}
	fs = append(fs, fortune{0, add})
	if f.breaks != "fortunes: sorted" {
		slices.SortFunc(fs, func(a, b fortune) int { return cmp.Compare(a.Message, b.Message) })
	}
	ct := "text/html; charset=utf-8"
	if f.breaks == "fortunes: content-type" {
		ct = "text/html"
	}
	w.Header().Set("Content-Type", ct)
	var b strings.Builder
	if f.breaks == "fortunes: not escaped" {
		textPage.Execute(&b, fs)
	} else {
		htmlPage.Execute(&b, fs)
	}
	out := b.String()
	if f.breaks == "fortunes: html" {
		out = strings.ReplaceAll(out, "</tr>", "</tr>\n")
	}
	io.WriteString(w, out)
}

// lookup reads the fake's table, as Options.World.
func (f *fake) lookup(ctx context.Context, id int32) (int32, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.world[id], nil
}

// TestBrokenRules: a server that breaks exactly one rule fails exactly the
// check of that name, and the faithful server passes.
func TestBrokenRules(t *testing.T) {
	for _, check := range []string{
		"", // none: every check passes
		"plaintext: body",
		"plaintext: framing",
		"json: content-type",
		"json: date",
		"db: server",
		"db: json",
		"db: range",
		"queries=foo: count",
		"queries=501: count",
		"queries=20: json",
		"updates=foo: count",
		"updates=foo: status",
		"updates=20: not persisted",
		"fortunes: html",
		"fortunes: content-type",
		"fortunes: not escaped",
		"fortunes: utf-8",
		"fortunes: rows",
		"fortunes: sorted",
		"fortunes: additional",
		"fortunes: messages",
		"date",
	} {
		t.Run(check, func(t *testing.T) {
			t.Parallel()
			f := newFake(check)
			srv := httptest.NewServer(f)
			defer srv.Close()
			// The fake's clock makes Date change at once.
			fails := Run(srv.URL, Options{World: f.lookup, DateGap: time.Millisecond})
			var got []string
			for _, fl := range fails {
				got = append(got, fl.Check)
			}
			var want []string
			if check != "" {
				want = []string{check}
			}
			if !slices.Equal(got, want) {
				t.Errorf("failures %q, want %q", fails, want)
			}
		})
	}
}

// TestServerName: with Options.Server, every response must carry exactly
// that Server header.
func TestServerName(t *testing.T) {
	f := newFake("")
	srv := httptest.NewServer(f)
	defer srv.Close()
	fails := Run(srv.URL, Options{Server: "TFB", DateGap: time.Millisecond})
	if len(fails) != 3+2*len(queryCases)+1 {
		t.Errorf("%d failures, want one per request: %q", len(fails), fails)
	}
	for _, fl := range fails {
		if !strings.HasSuffix(fl.Check, ": server") || !strings.Contains(fl.Detail, `"fake"`) {
			t.Errorf("failure %q, want a server failure", fl)
		}
	}
}

// TestFailureString: the line "tfb verify" prints.
func TestFailureString(t *testing.T) {
	f := Failure{"queries=foo", "got 0 rows, want 1"}
	if got := f.String(); got != "queries=foo: got 0 rows, want 1" {
		t.Errorf("String() = %q", got)
	}
}

// TestUnreachable: a server that does not answer fails every test type's
// request, by name, quickly.
func TestUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	start := time.Now()
	fails := Run(url, Options{})
	if len(fails) != 3+2*len(queryCases)+1 || fails[0].Check != "plaintext: request" {
		t.Errorf("failures %q", fails)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}
