package engine

import (
	"net/http"

	"github.com/microframe/microframe/conn"
	"github.com/microframe/microframe/internal/httpbridge"
)

// Adapt returns a native handler that serves h the way net/http's server would.
// h gets the *http.Request net/http builds for the same bytes (Host out of
// Header and in Host, RemoteAddr, TLS, Proto, RequestURI, ContentLength,
// TransferEncoding, Close; a Body that streams the decoded body and sends
// "100 Continue" on its first read when the client expects it), with a
// context that is cancelled when ServeHTTP returns, when a write to the
// client fails, and on a forced shutdown.
//
// The http.ResponseWriter copies the header map when the status is
// written, sniffs a Content-Type when none was set, and implements
// http.Flusher, http.Hijacker (WebSocket libraries work) and what
// http.ResponseController needs for read and write deadlines and full
// duplex. Not supported: response trailers and 1xx responses other than
// the automatic 100 Continue. "OPTIONS *" is answered by the engine (200,
// Content-Length: 0) without calling h, as net/http's server does.
//
// This is the compatibility path: it allocates what net/http allocates
// (the request, its URL, Header map and context). Native handlers avoid
// that.
func Adapt(h http.Handler) conn.Handler { return &httpAdapter{h: h} }

type httpAdapter struct{ h http.Handler }

// ServeCtx implements conn.Handler.
func (a *httpAdapter) ServeCtx(x *conn.Ctx) { httpbridge.Serve(a.h, x) }
