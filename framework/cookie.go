package framework

import (
	"net/http"
	"strings"
)

// Browsers send every cookie of a site, including junk set by other apps on
// the same host (localhost collects many). Parsing is therefore lenient: a
// malformed pair is skipped and the others are kept, where
// http.ParseCookie would reject the whole line.

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
// Cookie line ("a=1; b=2") until fn returns false. Surrounding double quotes
// of a value are removed, as RFC 6265 allows them.
func eachCookie(line string, fn func(name, value string) bool) {
	for part := range strings.SplitSeq(line, ";") {
		part = strings.TrimSpace(part)
		name, value, ok := strings.Cut(part, "=")
		if !ok || !validCookieName(name) {
			continue
		}
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			value = value[1 : len(value)-1]
		}
		if !validCookieValue(value) {
			continue
		}
		if !fn(name, value) {
			return
		}
	}
}

// validCookieName reports whether s is an RFC 9110 token.
func validCookieName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
}

// validCookieValue reports whether s holds only RFC 6265 cookie-octets.
func validCookieValue(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c >= 0x7f || c == '"' || c == ';' || c == '\\' {
			return false
		}
	}
	return true
}
