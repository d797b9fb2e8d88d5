package framework

import (
	"net/http"
	"strings"

	"github.com/microframe/microframe/internal/cookieheader"
)

// Browsers send every cookie of a site, including junk set by other apps on
// the same host (localhost collects many). Parsing is therefore lenient: a
// malformed pair is skipped and the others are kept, where
// http.ParseCookie would reject the whole line, and names and values are
// read as browsers send them back (a name need not be a token, a value
// may hold spaces, commas and UTF-8). The rules are in internal/cookieheader.

// Cookie returns the value of the request cookie name, "" when there is
// none. With several cookies of that name, the first one wins.
func (r *Request) Cookie(name string) string {
	v, _ := r.LookupCookie(name)
	return v
}

// LookupCookie returns the value of the request cookie name and whether the
// request carries one.
func (r *Request) LookupCookie(name string) (string, bool) {
	var value string
	found := false
	r.eachCookieLine(func(line string) bool {
		eachCookie(line, func(n, v string) bool {
			if n == name {
				value, found = strings.Clone(v), true
			}
			return !found
		})
		return !found
	})
	return value, found
}

// Cookies returns every cookie the request carries, in order.
func (r *Request) Cookies() []*http.Cookie {
	var cs []*http.Cookie
	r.eachCookieLine(func(line string) bool {
		eachCookie(line, func(n, v string) bool {
			cs = append(cs, &http.Cookie{Name: strings.Clone(n), Value: strings.Clone(v)})
			return true
		})
		return true
	})
	return cs
}

// eachCookieLine calls fn with each Cookie header line until fn returns
// false. On the native path the line is a view of the connection's buffer.
func (r *Request) eachCookieLine(fn func(string) bool) { r.t.cookieLines(fn) }

// eachCookie calls fn with the name and value of each well-formed pair of a
// Cookie line ("a=1; b=2") until fn returns false, by the rules of
// internal/cookieheader (shared with cookiejar and sessionstore, so the
// session middleware of framework/session and sessionstore read a cookie
// alike): surrounding double quotes of a value are removed, a pair without
// "=" or with a control character is skipped.
func eachCookie(line string, fn func(name, value string) bool) { cookieheader.Scan(line, fn) }
