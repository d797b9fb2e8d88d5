package sessionstore

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
)

// contextKey is the context key of the request's Handle.
type contextKey struct{}

// NewContext returns a copy of ctx carrying h, for FromContext. Middleware
// calls it; frameworks with their own glue may too.
func NewContext(ctx context.Context, h *Handle) context.Context {
	return context.WithValue(ctx, contextKey{}, h)
}

// FromContext returns the Handle stored in ctx by Middleware (or
// NewContext), or nil if there is none.
func FromContext(ctx context.Context) *Handle {
	h, _ := ctx.Value(contextKey{}).(*Handle)
	return h
}

// Middleware returns a net/http handler that gives next a session:
// FromContext(r.Context()) returns the request's Handle. The session is
// loaded only if next uses it, and the Set-Cookie header is added just
// before the response head is sent: at next's first WriteHeader, Write,
// ReadFrom or Flush, or when next returns without writing. After that point
// the session can still be changed, but not created or renewed (ErrCommitted).
//
// The ResponseWriter passed to next keeps http.Flusher, http.Hijacker and
// io.ReaderFrom and has an Unwrap method for http.ResponseController.
// Store failures that next did not see are logged to m.Logger; the response
// itself is left as next made it.
func (m *Manager) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := m.LoadHeader(r.Context(), r.Header["Cookie"]...)
		sw := &sessionWriter{ResponseWriter: w, h: h, tls: r.TLS != nil, m: m}
		next.ServeHTTP(sw, r.WithContext(NewContext(r.Context(), h)))
		sw.commit()
	})
}

// sessionWriter adds the session cookie before the response head.
type sessionWriter struct {
	http.ResponseWriter
	h         *Handle
	m         *Manager
	tls       bool
	committed bool
}

// commit adds the Set-Cookie header, once.
func (w *sessionWriter) commit() {
	if w.committed {
		return
	}
	w.committed = true
	if _, err := CommitHeader(w.h, httpHeader(w.Header()), w.tls); err != nil && w.m.Logger != nil {
		w.m.Logger.Error("sessionstore: session commit", "err", err)
	}
}

// WriteHeader commits the session cookie, then writes the status.
func (w *sessionWriter) WriteHeader(code int) {
	if code >= 200 || code == http.StatusSwitchingProtocols {
		w.commit()
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write commits the session cookie, then writes p.
func (w *sessionWriter) Write(p []byte) (int, error) {
	w.commit()
	return w.ResponseWriter.Write(p)
}

// ReadFrom commits the session cookie, then copies from r, using the
// underlying writer's ReadFrom (sendfile) when it has one.
func (w *sessionWriter) ReadFrom(r io.Reader) (int64, error) {
	w.commit()
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(writerOnly{w.ResponseWriter}, r)
}

// Flush commits the session cookie, then flushes if the underlying writer
// can.
func (w *sessionWriter) Flush() {
	w.commit()
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack hands over the connection when the underlying writer allows it.
// No cookie is sent: a hijacked connection has no response head of ours.
func (w *sessionWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.committed = true
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap returns the underlying ResponseWriter, for
// http.ResponseController.
func (w *sessionWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// httpHeader is an http.Header as a ResponseHeader: the methods change the
// map in place and return it.
type httpHeader http.Header

func (h httpHeader) AddHeader(name, value string) httpHeader {
	http.Header(h).Add(name, value)
	return h
}
func (h httpHeader) WithHeader(name, value string) httpHeader {
	http.Header(h).Set(name, value)
	return h
}
func (h httpHeader) Header(name string) string { return http.Header(h).Get(name) }

// writerOnly hides every method but Write, so io.Copy cannot loop back
// into ReadFrom.
type writerOnly struct{ io.Writer }
