// Package verify checks a running TechEmpower benchmark server against
// the benchmark's rules, over HTTP, and names every rule it breaks. It is
// what "tfb verify" runs, against cmd/tfb and its peers alike.
//
// Run requests each test type (/plaintext, /json, /db,
// /queries?queries=N, /updates?queries=N, /fortunes) and checks, on every
// response: status 200; the Content-Type of the test; a Server header
// (exactly Options.Server, when set); a Date header that parses as an HTTP date; a Content-Length or chunked
// framing. Then each body: the exact text and JSON objects, JSON rows
// with exactly the keys id and randomNumber, both integers in 1..10000;
// the row count of queries (missing, empty, 0, foo, -1 → 1; 1, 20, 500;
// 501 → 500); the fortunes page's exact skeleton, its 13 rows sorted by
// message, the request-time fortune with id 0, the <script> fortune
// escaped and the Japanese one intact in UTF-8. Finally that the Date
// header changed between two requests DateGap apart (the benchmark's own
// verifier waits longer; a bit over a second suffices for a header with a
// resolution of one second).
//
// The checks assume that nothing else writes the World table meanwhile
// (Options.World compares what /updates returned with the table).
package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/microframe/microframe/cmd/tfb/internal/tfbdb"
)

// hello is the /plaintext body and the /json message.
const hello = "Hello, World!"

// DefaultDateGap is the default of Options.DateGap.
const DefaultDateGap = 1100 * time.Millisecond

// Failure is one broken rule: Check names it, as "endpoint: rule" (such
// as "queries=foo: count" or "fortunes: not escaped") or "date" for the
// Date header that did not change; Detail says what was seen.
type Failure struct {
	Check  string
	Detail string
}

// String is "check: detail", one line.
func (f Failure) String() string { return f.Check + ": " + f.Detail }

// Options tune Run. The zero value is ready to use.
type Options struct {
	// Client makes the requests. Nil means a client of its own, without
	// transparent compression, with a timeout of 10 seconds per request,
	// whose connections are closed when Run returns.
	Client *http.Client
	// DateGap is the time between the two requests whose Date headers
	// must differ. Zero means DefaultDateGap.
	DateGap time.Duration
	// Server, when set, is the exact Server header every response must
	// carry; empty means any non-empty value (the benchmark's rule).
	Server string
	// World, when set, reads the randomNumber of World row id from the
	// server's database: Run then checks that each row /updates returned
	// holds the returned value.
	World func(ctx context.Context, id int32) (int32, error)
}

// queryCases are the values of the queries parameter Run sends, and the
// row count each must give. An empty value with the parameter absent is
// written "(missing)".
var queryCases = []struct {
	value string
	want  int
}{
	{"(missing)", 1}, {"", 1}, {"0", 1}, {"foo", 1}, {"-1", 1},
	{"1", 1}, {"20", 20}, {"500", 500}, {"501", 500},
}

// Run checks the server at baseURL (like "http://127.0.0.1:8080", no
// trailing slash needed) and returns the rules it breaks, in the order
// checked; none means it passed. It takes at least DateGap.
func Run(baseURL string, opts Options) []Failure {
	r := &run{base: strings.TrimSuffix(baseURL, "/"), opts: opts, client: opts.Client}
	if r.client == nil {
		tr := &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 2}
		defer tr.CloseIdleConnections()
		r.client = &http.Client{Transport: tr, Timeout: 10 * time.Second}
	}
	if r.opts.DateGap <= 0 {
		r.opts.DateGap = DefaultDateGap
	}
	firstDate, firstAt := r.plaintext()
	r.json()
	r.db()
	for _, q := range queryCases {
		r.worlds("queries", q.value, q.want)
	}
	for _, q := range queryCases {
		r.worlds("updates", q.value, q.want)
	}
	r.fortunes()
	r.dateChanges(firstDate, firstAt)
	return r.fails
}

// run is the state of one Run.
type run struct {
	base   string
	opts   Options
	client *http.Client
	fails  []Failure
}

func (r *run) fail(check, format string, args ...any) {
	r.fails = append(r.fails, Failure{check, fmt.Sprintf(format, args...)})
}

// get requests path and checks what every test type shares: status 200,
// the media type want (and charset, when want has one), Server, Date and
// framing. It returns the body and the response, or nil when there is
// nothing more to check.
func (r *run) get(name, path, want string) ([]byte, *http.Response) {
	resp, err := r.client.Get(r.base + path)
	if err != nil {
		r.fail(name+": request", "GET %s: %v", path, err)
		return nil, nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		r.fail(name+": request", "GET %s: reading the body: %v", path, err)
		return nil, nil
	}
	if resp.StatusCode != http.StatusOK {
		r.fail(name+": status", "GET %s: status %d, want 200 (body %.100q)", path, resp.StatusCode, body)
		return nil, nil
	}
	r.checkType(name, resp.Header.Get("Content-Type"), want)
	switch sv := resp.Header.Get("Server"); {
	case sv == "":
		r.fail(name+": server", "no Server header")
	case r.opts.Server != "" && sv != r.opts.Server:
		r.fail(name+": server", "Server %q, want %q", sv, r.opts.Server)
	}
	if d := resp.Header.Get("Date"); d == "" {
		r.fail(name+": date", "no Date header")
	} else if _, err := http.ParseTime(d); err != nil {
		r.fail(name+": date", "Date %q does not parse: %v", d, err)
	}
	if resp.ContentLength < 0 && !slices.Contains(resp.TransferEncoding, "chunked") {
		r.fail(name+": framing", "neither Content-Length nor Transfer-Encoding: chunked")
	}
	return body, resp
}

// checkType compares the Content-Type got with want: the same media type,
// and the same charset when want names one.
func (r *run) checkType(name, got, want string) {
	wt, wp, _ := mime.ParseMediaType(want)
	gt, gp, err := mime.ParseMediaType(got)
	switch {
	case got == "":
		r.fail(name+": content-type", "no Content-Type, want %q", want)
	case err != nil || gt != wt:
		r.fail(name+": content-type", "Content-Type %q, want %q", got, want)
	case wp["charset"] != "" && !strings.EqualFold(gp["charset"], wp["charset"]):
		r.fail(name+": content-type", "Content-Type %q, want charset %s", got, wp["charset"])
	}
}

// plaintext checks /plaintext and returns its Date and when it arrived.
func (r *run) plaintext() (string, time.Time) {
	body, resp := r.get("plaintext", "/plaintext", "text/plain")
	if resp == nil {
		return "", time.Time{}
	}
	if string(body) != hello {
		r.fail("plaintext: body", "%.100q, want %q", body, hello)
	}
	return resp.Header.Get("Date"), time.Now()
}

// json checks /json: one object, one key.
func (r *run) json() {
	body, _ := r.get("json", "/json", "application/json")
	if body == nil {
		return
	}
	var m map[string]any
	if err := strictJSON(body, &m); err != nil || len(m) != 1 || m["message"] != hello {
		r.fail("json: body", "%.100q, want {\"message\":%q}", body, hello)
	}
}

// db checks /db: one World object.
func (r *run) db() {
	body, _ := r.get("db", "/db", "application/json")
	if body == nil {
		return
	}
	var row map[string]json.RawMessage
	if err := strictJSON(body, &row); err != nil {
		r.fail("db: json", "%.100q is not a JSON object: %v", body, err)
		return
	}
	r.checkWorld("db", row)
}

// worlds checks /queries or /updates (test) with the queries parameter
// value ("(missing)": none), which must give want rows.
func (r *run) worlds(test, value string, want int) {
	name, path := test+"="+value, "/"+test
	if value != "(missing)" {
		path += "?queries=" + value
	}
	body, _ := r.get(name, path, "application/json")
	if body == nil {
		return
	}
	var rows []map[string]json.RawMessage
	if err := strictJSON(body, &rows); err != nil {
		r.fail(name+": json", "%.100q is not a JSON array of objects: %v", body, err)
		return
	}
	if len(rows) != want {
		r.fail(name+": count", "got %d rows, want %d", len(rows), want)
	}
	worlds := make([][2]int32, 0, len(rows))
	for _, row := range rows {
		if w, ok := r.checkWorld(name, row); ok {
			worlds = append(worlds, w)
		} else {
			return // one report per response
		}
	}
	if test == "updates" && r.opts.World != nil {
		r.persisted(name, worlds)
	}
}

// persisted checks that the table holds what /updates returned (where the
// response names an id twice, the last value).
func (r *run) persisted(name string, worlds [][2]int32) {
	last := make(map[int32]int32, len(worlds))
	for _, w := range worlds {
		last[w[0]] = w[1]
	}
	for _, w := range worlds {
		if last[w[0]] != w[1] {
			r.fail(name+": not persisted", "row %d returned twice, with %d and %d", w[0], w[1], last[w[0]])
			return
		}
	}
	for id, n := range last {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		got, err := r.opts.World(ctx, id)
		cancel()
		if err != nil {
			r.fail(name+": not persisted", "reading row %d: %v", id, err)
			return
		}
		if got != n {
			r.fail(name+": not persisted", "row %d returned as %d, the table holds %d", id, n, got)
			return
		}
	}
}

// integer matches a JSON integer literal.
var integer = regexp.MustCompile(`^-?(0|[1-9][0-9]*)$`)

// checkWorld checks one World object: exactly the keys id and
// randomNumber, integers in 1..tfbdb.WorldRows. It reports at most one
// failure and returns the row.
func (r *run) checkWorld(name string, row map[string]json.RawMessage) ([2]int32, bool) {
	var w [2]int32
	for i, key := range []string{"id", "randomNumber"} {
		v, ok := row[key]
		if !ok || len(row) != 2 || !integer.Match(v) {
			r.fail(name+": json", "row %s, want {\"id\":int,\"randomNumber\":int}", show(row))
			return w, false
		}
		var n int64
		json.Unmarshal(v, &n)
		if n < 1 || n > tfbdb.WorldRows {
			r.fail(name+": range", "row %s: %s %d outside 1..%d", show(row), key, n, tfbdb.WorldRows)
			return w, false
		}
		w[i] = int32(n)
	}
	return w, true
}

func show(row map[string]json.RawMessage) string {
	b, _ := json.Marshal(row)
	return string(b)
}

// strictJSON decodes one JSON value into v, allowing whitespace around
// it but nothing else after it.
func strictJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("data after the JSON value")
	}
	return nil
}

// dateChanges requests /plaintext again DateGap after the first request
// answered with date, and checks that the Date header changed.
func (r *run) dateChanges(date string, at time.Time) {
	if date == "" {
		return // already reported
	}
	time.Sleep(time.Until(at.Add(r.opts.DateGap)))
	resp, err := r.client.Get(r.base + "/plaintext")
	if err != nil {
		r.fail("date", "second request: %v", err)
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if d := resp.Header.Get("Date"); d == date {
		r.fail("date", "unchanged after %v (%s)", r.opts.DateGap, d)
	}
}
