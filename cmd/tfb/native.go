package main

import (
	"bytes"
	"html/template"
	"net/http"
	"strconv"
	"sync"

	"github.com/microframe/microframe/conn"
)

// native serves the six tests on the engine's native handler: routing by
// a switch on the path, JSON written by hand with strconv.AppendInt into
// pooled buffers, the fortunes page by html/template into a pooled
// bytes.Buffer. Apart from the database driver's own, /plaintext and
// /json allocate nothing.
type native struct {
	db   *DB
	page *template.Template
}

// scratch is the reusable memory of one request.
type scratch struct {
	buf      []byte
	worlds   []World
	order    []int
	fortunes []Fortune
	html     bytes.Buffer
}

var scratchPool = sync.Pool{New: func() any { return &scratch{buf: make([]byte, 0, 1024)} }}

// maxKeptScratch bounds the memory a pooled scratch keeps: one /updates
// of 500 rows must not pin its arrays for ever.
const maxKeptScratch = 64 << 10

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

func putScratch(s *scratch) {
	if cap(s.buf) > maxKeptScratch || s.html.Cap() > maxKeptScratch || cap(s.worlds) > 500 {
		return
	}
	s.buf, s.worlds, s.order, s.fortunes = s.buf[:0], s.worlds[:0], s.order[:0], s.fortunes[:0]
	clear(s.fortunes[:cap(s.fortunes)]) // drop the message strings
	s.html.Reset()
	scratchPool.Put(s)
}

const (
	helloWorld     = "Hello, World!"
	typeJSON       = "application/json"
	typeText       = "text/plain"
	typeHTML       = "text/html; charset=utf-8"
	unavailableMsg = "database unavailable\n"
)

// ServeCtx answers one request.
func (h *native) ServeCtx(x *conn.Ctx) {
	if m := x.Method(); string(m) != "GET" && string(m) != "HEAD" {
		x.SetHeader("Allow", "GET, HEAD")
		reply(x, http.StatusMethodNotAllowed, typeText, []byte("method not allowed\n"))
		return
	}
	switch string(x.Path()) {
	case "/plaintext":
		x.SetContentType(typeText)
		x.WriteString(helloWorld)
	case "/json":
		var buf [64]byte
		b := append(buf[:0], `{"message":"`...)
		b = append(b, helloWorld...) // needs no escaping
		reply(x, http.StatusOK, typeJSON, append(b, `"}`...))
	case "/db":
		var w World
		if err := h.db.randomWorld(x.Context(), &w); err != nil {
			unavailable(x)
			return
		}
		var buf [64]byte
		reply(x, http.StatusOK, typeJSON, appendWorld(buf[:0], w))
	case "/queries":
		h.worlds(x, false)
	case "/updates":
		h.worlds(x, true)
	case "/fortunes":
		h.fortunes(x)
	default:
		reply(x, http.StatusNotFound, typeText, []byte("not found\n"))
	}
}

// worlds answers /queries, or /updates when update is set.
func (h *native) worlds(x *conn.Ctx, update bool) {
	s := getScratch()
	defer putScratch(s)
	n := queryCount(queryParam(x.Request().RawQuery, "queries"))
	s.worlds = append(s.worlds[:0], make([]World, n)...)
	var err error
	if update {
		err = h.db.updateWorlds(x.Context(), s.worlds, s.order)
	} else {
		err = h.db.randomWorlds(x.Context(), s.worlds)
	}
	if err != nil {
		unavailable(x)
		return
	}
	b := append(s.buf[:0], '[')
	for i, w := range s.worlds {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendWorld(b, w)
	}
	s.buf = append(b, ']')
	reply(x, http.StatusOK, typeJSON, s.buf)
}

// fortunes answers /fortunes.
func (h *native) fortunes(x *conn.Ctx) {
	s := getScratch()
	defer putScratch(s)
	fs, err := h.db.fortunes(x.Context(), s.fortunes[:0])
	s.fortunes = fs
	if err != nil {
		unavailable(x)
		return
	}
	s.fortunes = withAdditional(s.fortunes)
	if err := h.page.Execute(&s.html, s.fortunes); err != nil {
		x.Logger().Error("tfb: fortunes template", "err", err)
		reply(x, http.StatusInternalServerError, typeText, []byte("template failed\n"))
		return
	}
	reply(x, http.StatusOK, typeHTML, s.html.Bytes())
}

// reply sends a whole response: status, type, Content-Length and body.
func reply(x *conn.Ctx, status int, ctype string, body []byte) {
	x.SetStatus(status)
	x.SetContentType(ctype)
	x.SetContentLength(int64(len(body)))
	x.Write(body)
}

// unavailable answers 503: the database failed or timed out.
func unavailable(x *conn.Ctx) {
	reply(x, http.StatusServiceUnavailable, typeText, []byte(unavailableMsg))
}

// appendWorld appends w as {"id":N,"randomNumber":M}.
func appendWorld(b []byte, w World) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, int64(w.ID), 10)
	b = append(b, `,"randomNumber":`...)
	b = strconv.AppendInt(b, int64(w.RandomNumber), 10)
	return append(b, '}')
}

// queryParam returns the raw value of the first name=value pair of
// rawQuery whose name is name (compared as sent, undecoded), nil when
// there is none.
func queryParam(rawQuery []byte, name string) []byte {
	for len(rawQuery) > 0 {
		pair := rawQuery
		if i := bytes.IndexByte(rawQuery, '&'); i >= 0 {
			pair, rawQuery = rawQuery[:i], rawQuery[i+1:]
		} else {
			rawQuery = nil
		}
		if len(pair) > len(name) && pair[len(name)] == '=' && string(pair[:len(name)]) == name {
			return pair[len(name)+1:]
		}
	}
	return nil
}
