package cookiejar

import (
	"net/http"
	"net/url"
	"strings"
)

// The jar is an http.CookieJar, so an http.Client can use it.
var _ http.CookieJar = (*Jar)(nil)

// FromHTTP converts a net/http cookie. A quoted value (c.Quoted) gets its
// double quotes back; Raw, RawExpires and Unparsed are dropped.
func FromHTTP(c *http.Cookie) Cookie {
	v := c.Value
	if c.Quoted {
		v = `"` + v + `"`
	}
	out := Cookie{
		Name: c.Name, Value: v, Path: c.Path, Domain: c.Domain,
		Expires: c.Expires, MaxAge: c.MaxAge,
		Secure: c.Secure, HttpOnly: c.HttpOnly, Partitioned: c.Partitioned,
	}
	switch c.SameSite {
	case http.SameSiteLaxMode:
		out.SameSite = SameSiteLax
	case http.SameSiteStrictMode:
		out.SameSite = SameSiteStrict
	case http.SameSiteNoneMode:
		out.SameSite = SameSiteNone
	}
	return out
}

// HTTP converts c to a net/http cookie. A value in double quotes becomes
// the unquoted value with Quoted set.
func (c *Cookie) HTTP() *http.Cookie {
	out := &http.Cookie{
		Name: c.Name, Value: c.Value, Path: c.Path, Domain: c.Domain,
		Expires: c.Expires, MaxAge: c.MaxAge,
		Secure: c.Secure, HttpOnly: c.HttpOnly, Partitioned: c.Partitioned,
	}
	if len(c.Value) >= 2 && c.Value[0] == '"' && c.Value[len(c.Value)-1] == '"' {
		out.Value, out.Quoted = c.Value[1:len(c.Value)-1], true
	}
	switch c.SameSite {
	case SameSiteLax:
		out.SameSite = http.SameSiteLaxMode
	case SameSiteStrict:
		out.SameSite = http.SameSiteStrictMode
	case SameSiteNone:
		out.SameSite = http.SameSiteNoneMode
	}
	return out
}

// targetOf returns the Target of a URL; ok is false for schemes other than
// http, https, ws and wss.
func targetOf(u *url.URL) (Target, bool) {
	switch strings.ToLower(u.Scheme) {
	case "http", "ws":
		return Target{Host: u.Host, Path: u.EscapedPath()}, true
	case "https", "wss":
		return Target{Host: u.Host, Path: u.EscapedPath(), Secure: true}, true
	}
	return Target{}, false
}

// SetCookies implements http.CookieJar: it stores the cookies of a response
// to u, as Add does, ignoring the ones Add refuses.
func (j *Jar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	t, ok := targetOf(u)
	if !ok {
		return
	}
	for _, c := range cookies {
		_ = j.Add(t, FromHTTP(c))
	}
}

// Cookies implements http.CookieJar: it returns the cookies to send with a
// request to u, with Name and Value (and Quoted) set.
func (j *Jar) Cookies(u *url.URL) []*http.Cookie {
	t, ok := targetOf(u)
	if !ok {
		return nil
	}
	var out []*http.Cookie
	for _, c := range j.Matching(t) {
		out = append(out, c.HTTP())
	}
	return out
}
