package main

import (
	"bytes"
	"context"
	"html/template"
	"net/http"
	"strconv"
	"sync"

	"github.com/microframe/microframe/cmd/tfb/internal/tfbdb"
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

// detached is the parent of the native handler's database contexts: the
// work is bounded by DB.Timeout but not tied to the request's context,
// whose Done (which pgx and context.WithTimeout call) makes the engine
// watch the connection for a hang-up: an epoll_ctl pair per request,
// about 8% of the CPU of /db in the profile of docs/tfb.md, to save at
// most one query's time for a client that left. The framework handler
// passes the request's context, as an app would.
var detached = context.Background()

// scratch is the reusable memory of one request.
type scratch struct {
	buf      []byte
	worlds   []World
	order    []int
	fortunes []Fortune
	html     bytes.Buffer
}

var scratchPool = sync.Pool{New: func() any { return &scratch{buf: make([]byte, 0, 1024)} }}

// maxKeptScratch bounds the buffers a pooled scratch keeps (its rows are
// 500 at most, 4 KiB).
const maxKeptScratch = 64 << 10

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

func putScratch(s *scratch) {
	if cap(s.buf) > maxKeptScratch || s.html.Cap() > maxKeptScratch {
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
		replyString(x, http.StatusMethodNotAllowed, "method not allowed\n")
		return
	}
	switch string(x.Path()) {
	case "/plaintext":
		x.SetContentType(typeText)
		x.WriteString(helloWorld)
	case "/json":
		s := getScratch()
		s.buf = append(s.buf[:0], `{"message":"`...)
		s.buf = append(s.buf, helloWorld...) // needs no escaping
		s.buf = append(s.buf, `"}`...)
		reply(x, http.StatusOK, typeJSON, s.buf)
		putScratch(s)
	case "/db":
		var w World
		if err := h.db.randomWorld(detached, &w); err != nil {
			unavailable(x)
			return
		}
		s := getScratch()
		s.buf = appendWorld(s.buf[:0], w)
		reply(x, http.StatusOK, typeJSON, s.buf)
		putScratch(s)
	case "/queries":
		h.worlds(x, false)
	case "/updates":
		h.worlds(x, true)
	case "/fortunes":
		h.fortunes(x)
	default:
		replyString(x, http.StatusNotFound, "not found\n")
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
		s.order, err = h.db.updateWorlds(detached, s.worlds, s.order)
	} else {
		err = h.db.randomWorlds(detached, s.worlds)
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
	fs, err := h.db.fortunes(detached, s.fortunes[:0])
	s.fortunes = fs
	if err != nil {
		unavailable(x)
		return
	}
	s.fortunes = tfbdb.WithAdditional(s.fortunes)
	if err := h.page.Execute(&s.html, s.fortunes); err != nil {
		x.Logger().Error("tfb: fortunes template", "err", err)
		replyString(x, http.StatusInternalServerError, "template failed\n")
		return
	}
	reply(x, http.StatusOK, typeHTML, s.html.Bytes())
}

// reply sends a whole response: status, type, Content-Length and body.
// The connection copies body: the caller may reuse it at once.
func reply(x *conn.Ctx, status int, ctype string, body []byte) {
	x.SetStatus(status)
	x.SetContentType(ctype)
	x.SetContentLength(int64(len(body)))
	x.Write(body)
}

// replyString sends a whole text/plain response, body s.
func replyString(x *conn.Ctx, status int, s string) {
	x.SetStatus(status)
	x.SetContentType(typeText)
	x.SetContentLength(int64(len(s)))
	x.WriteString(s)
}

// unavailable answers 503: the database failed or timed out.
func unavailable(x *conn.Ctx) {
	replyString(x, http.StatusServiceUnavailable, unavailableMsg)
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
