package framework

import (
	"net/http"
	"net/url"
)

// CrossOrigin returns middleware that refuses cross-site requests with an
// unsafe method (POST, PUT, PATCH, DELETE, anything but GET, HEAD and
// OPTIONS) with 403 Forbidden, using Go's http.CrossOriginProtection: a
// browser request is cross-site when its Sec-Fetch-Site header says so
// (every current browser sends it) or, failing that, when its Origin
// header names another host than the request's Host. Same-origin requests
// pass, and so do requests with neither header: those are not from a
// browser (curl, other servers), which cannot carry a victim's cookies.
// This stops cross-site request forgery (a page elsewhere posting a form to
// the app with the user's session cookie, including a forged login, which
// SameSite=Lax cookies do not stop) without tokens in forms.
//
// p configures trusted origins and exempt paths (AddTrustedOrigin,
// AddInsecureBypassPattern); nil means none. Its deny handler is not used:
// the refusal is a framework error response, logged at level Debug.
// Safe methods are passed through without any work.
func CrossOrigin(p *http.CrossOriginProtection) Middleware {
	if p == nil {
		p = http.NewCrossOriginProtection()
	}
	return func(next Handler) Handler {
		return func(r *Request) Response {
			switch r.Method() {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
				return next(r)
			}
			// Check reads the method, Host, these two headers and, for
			// bypass patterns, the path: a small request is enough, and
			// leaves Request.HTTPRequest unbuilt for the handler.
			h := http.Header{}
			for _, name := range [...]string{"Sec-Fetch-Site", "Origin"} {
				if v := r.Header(name); v != "" {
					h[name] = []string{v}
				}
			}
			hr := &http.Request{Method: r.Method(), Host: r.Host(), URL: &url.URL{Path: r.Path()}, Header: h}
			if err := p.Check(hr); err != nil {
				return Error(&HTTPError{Code: http.StatusForbidden, Message: "cross-site request refused", Err: err})
			}
			return next(r)
		}
	}
}

// DefaultContentSecurityPolicy is the Content-Security-Policy of
// SecurityHeaders when none is given: content (scripts, styles, images,
// fonts, fetches) only from the page's own origin, no inline scripts or
// styles, no plugins, no framing by any page (clickjacking), forms that
// post only to the same origin, and no <base> tag pointing elsewhere.
const DefaultContentSecurityPolicy = "default-src 'self'; object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"

// SecurityHeaders returns middleware that adds the response headers that
// make browsers restrict what a page may do, unless the handler set them
// already:
//
//   - Content-Security-Policy: csp, or DefaultContentSecurityPolicy when
//     csp is "";
//   - X-Content-Type-Options: nosniff (a response is only ever what its
//     Content-Type says, never sniffed into HTML or script);
//   - Referrer-Policy: strict-origin-when-cross-origin (other sites see
//     the origin, never the path and query, and nothing after a downgrade
//     to http);
//   - X-Frame-Options: DENY, for browsers older than frame-ancestors.
func SecurityHeaders(csp string) Middleware {
	if csp == "" {
		csp = DefaultContentSecurityPolicy
	}
	headers := [...][2]string{
		{"Content-Security-Policy", csp},
		{"X-Content-Type-Options", "nosniff"},
		{"Referrer-Policy", "strict-origin-when-cross-origin"},
		{"X-Frame-Options", "DENY"},
	}
	return func(next Handler) Handler {
		return func(r *Request) Response {
			resp := next(r)
			for _, h := range headers {
				if resp.Header(h[0]) == "" {
					resp = resp.WithHeader(h[0], h[1])
				}
			}
			return resp
		}
	}
}
