package verify

import (
	"cmp"
	"html"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/microframe/microframe/cmd/tfb/internal/tfbdb"
)

// The fortunes page, around its rows, exactly.
const (
	fortunesHead = `<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr>`
	fortunesTail = `</table></body></html>`
)

// fortuneRow matches one row at the start of the rest of the page; the
// message is taken up to the first "</td></tr>", unescaped markup
// included, so that a missing escape is reported as such.
var fortuneRow = regexp.MustCompile(`^<tr><td>(-?[0-9]+)</td><td>(.*?)</td></tr>`)

// japanese is the fortune that must arrive intact in UTF-8.
var japanese = tfbdb.Fortunes[11]

// fortunes checks /fortunes.
func (r *run) fortunes() {
	body, _ := r.get("fortunes", "/fortunes", "text/html; charset=utf-8")
	if body == nil {
		return
	}
	page := strings.TrimSuffix(string(body), "\n")
	rest, ok := strings.CutPrefix(page, fortunesHead)
	if ok {
		rest, ok = strings.CutSuffix(rest, fortunesTail)
	}
	if !ok {
		r.fail("fortunes: html", "the page is not %s<tr>…</tr>…%s: %.200q", fortunesHead, fortunesTail, page)
		return
	}
	type row struct {
		id      int
		message string // unescaped
	}
	var rows []row
	escaped := true
	for rest != "" {
		m := fortuneRow.FindStringSubmatch(rest)
		if m == nil {
			r.fail("fortunes: html", "not a row <tr><td>ID</td><td>MESSAGE</td></tr> at %.100q", rest)
			return
		}
		rest = rest[len(m[0]):]
		if strings.ContainsAny(m[2], "<>") {
			escaped = false
		}
		id, _ := strconv.Atoi(m[1])
		rows = append(rows, row{id, html.UnescapeString(m[2])})
	}
	if !escaped {
		r.fail("fortunes: not escaped", "a message holds a raw < or >: html/template's escaping is missing")
	}
	if !strings.Contains(string(body), japanese) {
		r.fail("fortunes: utf-8", "the page does not hold %q as UTF-8 bytes", japanese)
	}
	if len(rows) != len(tfbdb.Fortunes)+1 {
		r.fail("fortunes: rows", "got %d rows, want %d", len(rows), len(tfbdb.Fortunes)+1)
	}
	if !slices.IsSortedFunc(rows, func(a, b row) int { return cmp.Compare(a.message, b.message) }) {
		r.fail("fortunes: sorted", "the rows are not sorted by message")
	}
	additional := false
	for _, rw := range rows {
		switch {
		case rw.id == 0: // the additional check's
			additional = additional || rw.message == tfbdb.AdditionalFortune
		case rw.id >= 1 && rw.id <= len(tfbdb.Fortunes):
			// The Japanese fortune's bytes are the utf-8 check's.
			if want := tfbdb.Fortunes[rw.id-1]; rw.message != want && want != japanese {
				r.fail("fortunes: messages", "row %d is %q, want %q", rw.id, rw.message, want)
			}
		default:
			r.fail("fortunes: messages", "row %d (%q) is not a fortune", rw.id, rw.message)
		}
	}
	if !additional {
		r.fail("fortunes: additional", "no row {0, %q}", tfbdb.AdditionalFortune)
	}
}
