package middleware

import (
	"net/http"
	"net/url"

	"github.com/microframe/microframe/framework"
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
func CrossOrigin(p *http.CrossOriginProtection) framework.Middleware {
	if p == nil {
		p = http.NewCrossOriginProtection()
	}
	return func(next framework.Handler) framework.Handler {
		return func(r *framework.Request) framework.Response {
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
				return framework.Error(&framework.HTTPError{Code: http.StatusForbidden, Message: "cross-site request refused", Err: err})
			}
			return next(r)
		}
	}
}
