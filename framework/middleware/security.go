package middleware

import "github.com/microframe/microframe/framework"

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
func SecurityHeaders(csp string) framework.Middleware {
	if csp == "" {
		csp = DefaultContentSecurityPolicy
	}
	headers := [...]string{
		"Content-Security-Policy", csp,
		"X-Content-Type-Options", "nosniff",
		"Referrer-Policy", "strict-origin-when-cross-origin",
		"X-Frame-Options", "DENY",
	}
	return func(next framework.Handler) framework.Handler {
		return func(r *framework.Request) framework.Response {
			resp := next(r)
			var missing [len(headers)]string
			n := 0
			for i := 0; i < len(headers); i += 2 {
				if resp.Header(headers[i]) == "" {
					missing[n], missing[n+1] = headers[i], headers[i+1]
					n += 2
				}
			}
			return resp.WithHeaders(missing[:n]...)
		}
	}
}
