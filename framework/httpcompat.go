package framework

import (
	"context"
	"io"
	"net/http"
)

// This file is the bridge to net/http in the other direction: http.Handlers
// and net/http middleware running inside the framework, on either path.

// HTTPRequest returns the request as an *http.Request, for code written
// against net/http. Through net/http it is a shallow copy of the original
// request (with the context of SetContext, if any); on the native path it
// is built on the first call: URL, headers, context, remote address, TLS
// state, and the path parameters for r.PathValue. Either way its Body
// reads like Body: replayable, and bounded by App.MaxBodyBytes. Changes
// made to it do not flow back into the Request, except through FromHTTP.
func (r *Request) HTTPRequest() *http.Request {
	if r.httpReq != nil {
		return r.httpReq
	}
	hr := r.t.httpRequest(r)
	hr.Pattern = r.Pattern()
	r.httpReqs = append(r.httpReqs, hr)
	r.giveBody(hr)
	for i := 0; i < r.params.Len(); i++ {
		name, value := r.params.At(i)
		hr.SetPathValue(name, decodePath(value))
	}
	r.httpReq = hr
	return r.httpReq
}

// giveBody sets the Body of hr, a request made for r, to a reader of the
// body the handlers now see, and remembers it, so that adopt can tell
// whether middleware replaced it.
func (r *Request) giveBody(hr *http.Request) {
	hr.Body = r.bodyReaderOf(r.view.body)
	r.given = hr.Body
}

// bodyReaderOf returns a new reader of b (nil for the request's own body)
// for an *http.Request: http.NoBody when b is known to be empty.
func (r *Request) bodyReaderOf(b *body) io.ReadCloser {
	if b == nil {
		b = &r.body
		r.openBody()
	}
	if b.err == io.EOF && b.size() == 0 {
		return http.NoBody
	}
	return &bodyReader{r: r, b: b}
}

// fromHTTPHandler adapts an http.Handler to a Handler.
func fromHTTPHandler(h http.Handler) Handler {
	return func(r *Request) Response {
		hr := r.HTTPRequest()
		for i := 0; i < r.params.Len(); i++ {
			name, value := r.params.At(i)
			hr.SetPathValue(name, decodePath(value))
		}
		r.presetHeaders(r.t.responseWriter().Header())
		return r.t.serveHTTP(h, hr)
	}
}

type requestKey struct{}

// FromHTTP turns net/http middleware (func(http.Handler) http.Handler, the
// shape of most third-party middleware) into a Middleware. The middleware
// sees an *http.Request and an http.ResponseWriter (on the native path,
// ones built for it); what it changes (the context, headers, the URL path,
// the body, a wrapped ResponseWriter) is what the handlers after it see and
// write to. Once it returns, the middleware before it see the Request as
// it was before.
//
// A Body the middleware wraps or replaces (otelhttp's byte counter,
// http.MaxBytesReader, a logging reader) is what Request.Body and the
// handlers after it read, through the replacement, on every path; a read
// past an http.MaxBytesReader's limit is ErrBodyTooLarge (413). The Body
// the middleware receives is replayable like Request.Body: one that reads
// it all and passes the request on leaves every byte for the next.
//
// Once the request is routed, the Pattern field of the *http.Request the
// middleware received, and of the one it passed on, holds the matched
// route (see Request.Pattern): a middleware of the App reads it after
// calling the next handler, one of a Group (which runs after routing) at
// once. otelhttp names its spans by it and a Prometheus label can be read
// from it, with no formatter.
//
// Such a middleware writes the response itself, so the Response the inner
// handlers return is sent from inside it; the middleware before it in the
// chain see a Response that records what was written: its StatusCode,
// Header and BytesWritten. A header they add to that Response is too late
// on net/http; middleware that tags every response sets its header before
// calling next, with Request.SetResponseHeader.
func FromHTTP(mw func(http.Handler) http.Handler) Middleware {
	return func(next Handler) Handler {
		inner := http.HandlerFunc(func(w http.ResponseWriter, hr *http.Request) {
			r, _ := hr.Context().Value(requestKey{}).(*Request)
			if r == nil { // not through WriteError: without r, it cannot render
				http.Error(w, "framework: FromHTTP middleware replaced the request context", http.StatusInternalServerError)
				return
			}
			r.adopt(w, hr)
			r.app.send(r, next(r))
		})
		h := mw(inner)
		return func(r *Request) Response {
			hr := r.HTTPRequest()
			hr = hr.WithContext(context.WithValue(hr.Context(), requestKey{}, r))
			r.httpReqs = append(r.httpReqs, hr)
			outer := r.view
			defer func() { r.view = outer }()
			r.presetHeaders(r.t.responseWriter().Header())
			return r.t.serveHTTP(h, hr)
		}
	}
}

// WriteError answers err to w, rendered as the App answers an Error(err)
// of its handlers (its ErrorRenderer: JSON for a JSON group or a client
// that asks for it) and logged the same way, for net/http middleware
// inside FromHTTP that answers a request itself. hr is the request the
// middleware was given (or one derived from it). Headers the middleware
// set on w are kept. For example, go-chi/httprate's 429:
//
//	limit := httprate.Limit(100, time.Minute, httprate.WithLimitHandler(
//		func(w http.ResponseWriter, r *http.Request) {
//			framework.WriteError(w, r, &framework.HTTPError{Code: http.StatusTooManyRequests})
//		}))
//	app.Use(framework.FromHTTP(limit))
//
// Outside an App (hr did not come through FromHTTP), it writes the status
// and message as http.Error does.
func WriteError(w http.ResponseWriter, hr *http.Request, err error) {
	r, _ := hr.Context().Value(requestKey{}).(*Request)
	if r == nil {
		code, msg := errorStatus(err)
		http.Error(w, msg, code)
		return
	}
	outer := r.view
	defer func() { r.view = outer }()
	r.view = newView(&httpTransport{hr: hr, w: w})
	r.app.send(r, Error(err))
}

// adopt makes r read from hr and write to w, the request and writer a
// net/http middleware passed on, until the middleware returns: the view
// is replaced whole. See bodyAfter for the body. Routing sets the Pattern
// of hr itself (the middleware reads it after the next handler returns, as
// otelhttp does), not only of the copy made here.
func (r *Request) adopt(w http.ResponseWriter, hr *http.Request) {
	b, fresh := r.bodyAfter(hr.Body)
	if fresh { // the next one reads from the first byte: a copy with its own reader
		r.httpReqs = append(r.httpReqs, hr)
		hr = hr.WithContext(hr.Context())
		hr.Body = r.bodyReaderOf(b)
	}
	v := newView(&httpTransport{hr: hr, w: w})
	v.httpReq, v.given, v.body = hr, hr.Body, b
	r.view = v
	r.httpReqs = append(r.httpReqs, hr)
}

// bodyAfter returns the body the handlers after a net/http middleware
// read, given the Body of the request it passed on (nil for the request's
// own), and whether an *http.Request needs a new reader of it. A Body
// other than one r gave out is the middleware's replacement (a wrapper,
// or a body of its own), read through (see replaceBody). A body passed on
// as it was given but already read (by a middleware that checked it)
// starts again at its first byte for the next one, like Body.
func (r *Request) bodyAfter(rc io.ReadCloser) (b *body, fresh bool) {
	br, ours := rc.(*bodyReader)
	ours = ours && br.r == r
	switch {
	case rc == r.given && (!ours || br.off == 0):
		return r.view.body, false
	case ours:
		if br.b != r.curBody() {
			r.form.reset() // parsed from another body
		}
		if br.b == &r.body {
			return nil, true
		}
		return br.b, true
	}
	return r.replaceBody(rc), true
}
