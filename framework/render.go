package framework

import (
	"slices"
	"strings"
)

// ErrorRenderer builds the response a client sees for a failed request.
// e.Code is the status to send and e.Message the text fit for the client,
// both as Error computes them; e.Err is the error the handler returned (use
// errors.As on it for details, such as a *ValidationError's Field). The
// headers the failed Response carried (the Allow of a 405, cookies set by
// middleware) are added to what the renderer returns. A renderer that
// returns an error Response gets TextErrors' answer instead.
type ErrorRenderer func(r *Request, e *HTTPError) Response

// TextErrors renders an error as its message in a text/plain body.
func TextErrors(r *Request, e *HTTPError) Response {
	return Text(e.Message+"\n").WithStatus(e.Code).WithHeader("X-Content-Type-Options", "nosniff")
}

// errorBody is the JSON form of an error.
type errorBody struct {
	Error  string       `json:"error"`
	Field  string       `json:"field,omitempty"`
	Fields []fieldError `json:"fields,omitempty"`
}

type fieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// JSONErrors renders an error as a JSON object {"error": "message"}. For
// validation errors (see Invalid) it adds "field", naming the (first)
// field at fault, and "fields", listing each with its reason:
//
//	{"error": "\"title\" must not be empty; \"url\" must start with https://",
//	 "field": "title",
//	 "fields": [{"field": "title", "reason": "must not be empty"},
//	            {"field": "url", "reason": "must start with https://"}]}
func JSONErrors(r *Request, e *HTTPError) Response {
	b := errorBody{Error: e.Message}
	if ves := validationErrors(e.Err); len(ves) > 0 {
		b.Field = ves[0].Field
		for _, ve := range ves {
			b.Fields = append(b.Fields, fieldError{ve.Field, ve.Reason})
		}
	}
	return JSON(b).WithStatus(e.Code).WithHeader("X-Content-Type-Options", "nosniff")
}

// DefaultErrors is the renderer of an App without one: JSONErrors for a
// client whose Accept header names a JSON type ahead of text/html, such as
// "application/json", and TextErrors for the rest (browsers, curl).
func DefaultErrors(r *Request, e *HTTPError) Response {
	if AcceptsJSON(r) {
		return JSONErrors(r, e)
	}
	return TextErrors(r, e)
}

// AcceptsJSON reports whether r's Accept header lists a JSON media type
// (application/json or one ending in "+json") before any HTML one, with a
// non-zero quality. A missing Accept, or "*/*", is not a request for JSON.
func AcceptsJSON(r *Request) bool {
	return preferred(r.Header("Accept"), isJSONType)
}

// AcceptsHTML reports whether r's Accept header lists text/html (or
// application/xhtml+xml) before any JSON type, with a non-zero quality, as
// browsers do for pages.
func AcceptsHTML(r *Request) bool {
	return preferred(r.Header("Accept"), func(mt string) bool {
		return mt == "text/html" || mt == "application/xhtml+xml"
	})
}

func isJSONType(mt string) bool { return mt == "application/json" || strings.HasSuffix(mt, "+json") }

// preferred reports whether the first media range in accept that is JSON
// or HTML satisfies want. Quality values are only checked for zero: a
// client that lists a type first prefers it in practice.
func preferred(accept string, want func(string) bool) bool {
	for accept != "" {
		var part string
		part, accept, _ = strings.Cut(accept, ",")
		mt, params, _ := strings.Cut(part, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
		if !isJSONType(mt) && mt != "text/html" && mt != "application/xhtml+xml" {
			continue
		}
		if zeroQuality(params) {
			continue // q=0: not acceptable
		}
		return want(mt)
	}
	return false
}

// errorRenderer picks the renderer for r: its route's group's, else (for
// a request no route took) the group whose prefix covers the path, else
// the App's.
func (a *App) errorRenderer(r *Request) ErrorRenderer {
	g := a.groupFor(r.Path())
	if r.route != nil {
		g = r.route.group
	}
	if er := g.errorRenderer(); er != nil {
		return er
	}
	if a.ErrorRenderer != nil {
		return a.ErrorRenderer
	}
	return DefaultErrors
}

// renderError turns an error Response into what the client sees.
func (a *App) renderError(r *Request, resp Response, code int, msg string) Response {
	e := &HTTPError{Code: code, Message: msg, Err: resp.err}
	out := a.errorRenderer(r)(r, e)
	if out.kind == kindError {
		out = TextErrors(r, e)
	}
	out.header = slices.Concat(resp.header, out.header)
	return out
}

// zeroQuality reports whether the parameters of a media range (after its
// first ';') hold q=0 (or 0.0, 0.00...).
func zeroQuality(params string) bool {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		name, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(name, "q") {
			return strings.HasPrefix(v, "0") && strings.Trim(v, "0.") == ""
		}
	}
	return false
}

// RenderError returns the response r's ErrorRenderer (its group's, else
// the App's) makes of err, with the status and message Error gives it,
// without logging it: for middleware that logs an error its own way and
// answers it as the App answers errors (see framework/middleware.Recover).
// A handler returns Error(err) instead, which is logged when sent.
func RenderError(r *Request, err error) Response {
	resp := Error(err)
	code, msg := errorStatus(resp.err)
	return r.app.renderError(r, resp, code, msg)
}
