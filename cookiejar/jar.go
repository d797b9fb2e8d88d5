package cookiejar

import (
	"cmp"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/microframe/microframe/internal/ascii"
)

// Target says where a request goes, which is all the jar needs to pick
// cookies (RFC 6265 section 5.4) or to judge a Set-Cookie (section 5.3).
type Target struct {
	// Host is the request's host, with or without a port:
	// "example.com", "127.0.0.1:8080", "[::1]:443". Case and a trailing dot
	// are ignored. Internationalised names must be in their ASCII
	// (punycode) form, as in URLs.
	Host string
	// Path is the request path ("/a/b"); anything from '?' on is ignored,
	// and "" means "/".
	Path string
	// Secure reports an HTTPS (or WSS) request. Secure cookies are sent only
	// on secure requests, and only secure responses may set them.
	Secure bool
}

// PublicSuffixList tells the jar which domains are public suffixes ("com",
// "co.uk", "github.io"), under which nobody may set a cookie for all
// subdomains. golang.org/x/net/publicsuffix.List satisfies it.
type PublicSuffixList interface {
	// PublicSuffix returns the public suffix of domain: for "a.b.co.uk",
	// "co.uk".
	PublicSuffix(domain string) string
}

// Limits of a Jar. A hostile server cannot make a jar grow beyond them.
const (
	// MaxCookiesPerDomain bounds the cookies stored under one domain; the
	// oldest is evicted to make room.
	MaxCookiesPerDomain = 50
	// MaxCookies bounds the cookies of a Jar; the oldest is evicted to make
	// room.
	MaxCookies = 3000
	// MaxLifetime caps the lifetime a server may give a cookie (RFC 6265bis:
	// 400 days).
	MaxLifetime = 400 * 24 * time.Hour
)

// Errors of Jar.Add explaining why a cookie was refused. Browsers drop such
// cookies silently; the jar does too, and says why.
var (
	// ErrInvalidHost: the Target's host is empty or malformed.
	ErrInvalidHost = errors.New("cookiejar: invalid request host")
	// ErrDomainMismatch: the Domain attribute names a domain the request
	// host is not in, a top-level domain, or a public suffix.
	ErrDomainMismatch = errors.New("cookiejar: cookie domain does not match the request host")
	// ErrInsecureOrigin: a Secure cookie came in a response to a plain
	// HTTP request.
	ErrInsecureOrigin = errors.New("cookiejar: secure cookie set over an insecure connection")
)

// Jar is a client-side cookie store: it keeps the cookies that responses
// set and returns the ones each request should send, applying domain and
// path matching, host-only cookies, expiry, Secure and the cookie name
// prefixes. It implements net/http.CookieJar (see SetCookies).
//
// The zero Jar is empty and ready to use. A Jar is safe for concurrent use
// by many goroutines: reads share a lock, writes take it briefly.
//
// Without PublicSuffixes, a Domain attribute must contain a dot or equal
// the host, which stops "Domain=com" but not "Domain=co.uk"; load
// generators and tests that talk to known hosts do not need more.
type Jar struct {
	// PublicSuffixes, if not nil, refuses Domain attributes naming a public
	// suffix (unless the suffix is the host itself; the cookie is then
	// host-only). Set it before first use.
	PublicSuffixes PublicSuffixList

	now func() time.Time // tests replace the clock

	mu      sync.RWMutex
	domains map[string]map[entryKey]*entry // by cookie domain
	count   int
	seq     uint64
}

// entryKey identifies a cookie within a domain (RFC 6265 5.3 step 11).
type entryKey struct{ name, path string }

// entry is one stored cookie. Entries are never modified once stored (a
// replacement is a new entry), so readers may use them after unlocking.
type entry struct {
	name, value  string
	domain, path string
	hostOnly     bool
	secure       bool
	expires      time.Time // zero: until the jar is dropped
	created      time.Time
	seq          uint64 // creation order, to break ties
}

// clock returns the current time.
func (j *Jar) clock() time.Time {
	if j.now != nil {
		return j.now()
	}
	return time.Now()
}

// canonicalHost lowercases host and strips the port, brackets and trailing
// dot.
func canonicalHost(host string) (string, error) {
	if strings.HasPrefix(host, "[") {
		end := strings.IndexByte(host, ']')
		if end < 0 {
			return "", ErrInvalidHost
		}
		host = host[1:end]
	} else if i := strings.LastIndexByte(host, ':'); i >= 0 && strings.IndexByte(host, ':') == i {
		host = host[:i]
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "" || strings.ContainsAny(host, " \t/;,\x00") {
		return "", ErrInvalidHost
	}
	return host, nil
}

// isIP reports whether host is an IP address literal. Only strings made of
// digits and dots, or holding a colon, can be one; checking that first
// spares host names the allocation of ParseAddr's error.
func isIP(host string) bool {
	if strings.IndexByte(host, ':') < 0 {
		for i := 0; i < len(host); i++ {
			if c := host[i]; c != '.' && (c < '0' || c > '9') {
				return false
			}
		}
	}
	_, err := netip.ParseAddr(host)
	return err == nil
}

// domainMatch implements RFC 6265 5.1.3: host equals domain, or host ends
// with "."+domain and is not an IP address.
func domainMatch(host, domain string) bool {
	if host == domain {
		return true
	}
	return len(host) > len(domain) && host[len(host)-len(domain)-1] == '.' &&
		strings.HasSuffix(host, domain) && !isIP(host)
}

// pathMatch implements RFC 6265 5.1.4.
func pathMatch(reqPath, cookiePath string) bool {
	if !strings.HasPrefix(reqPath, cookiePath) {
		return false
	}
	return len(reqPath) == len(cookiePath) || cookiePath[len(cookiePath)-1] == '/' ||
		reqPath[len(cookiePath)] == '/'
}

// requestPath returns the path of t, without query, defaulting to "/".
func requestPath(p string) string {
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	if p == "" || p[0] != '/' {
		return "/"
	}
	return p
}

// defaultPath implements RFC 6265 5.1.4's default-path: the request path
// up to, not including, its last '/'.
func defaultPath(reqPath string) string {
	i := strings.LastIndexByte(reqPath, '/')
	if i <= 0 {
		return "/"
	}
	return reqPath[:i]
}

// Add stores c as received in a response to a request to t, following the
// storage model of RFC 6265 section 5.3. A cookie with MaxAge < 0 or an
// Expires in the past deletes the stored cookie of the same name, domain
// and path. Add returns an error (and stores nothing) when a browser would
// ignore the cookie: an invalid name or value, a Domain the host does not
// belong to, a Secure cookie from an insecure request, or a broken prefix
// rule.
func (j *Jar) Add(t Target, c Cookie) error {
	host, err := canonicalHost(t.Host)
	if err != nil {
		return err
	}
	if !ascii.IsToken(c.Name) {
		return c.errorf(ErrInvalidName, "not a token")
	}
	if len(c.Name)+len(c.Value) > MaxCookieSize {
		return c.errorf(ErrTooLarge, "%d bytes", len(c.Name)+len(c.Value))
	}
	for i := 0; i < len(c.Value); i++ {
		if b := c.Value[i]; b < 0x20 || b == 0x7f || b == ';' {
			return c.errorf(ErrInvalidValue, "byte %q at offset %d", b, i)
		}
	}
	e := &entry{name: c.Name, value: c.Value, domain: host, hostOnly: true, secure: c.Secure}
	if c.Domain != "" {
		d := strings.ToLower(strings.TrimPrefix(c.Domain, "."))
		switch {
		case j.PublicSuffixes != nil && !isIP(d) && j.PublicSuffixes.PublicSuffix(d) == d:
			if d != host {
				return c.errorf(ErrDomainMismatch, "%q is a public suffix", d)
			}
		case !domainMatch(host, d):
			return c.errorf(ErrDomainMismatch, "domain %q, host %q", d, host)
		case !strings.Contains(d, ".") && d != host:
			return c.errorf(ErrDomainMismatch, "domain %q is a top-level domain", d)
		default:
			e.domain, e.hostOnly = d, false
		}
	}
	e.path = c.Path
	if e.path == "" || e.path[0] != '/' {
		e.path = defaultPath(requestPath(t.Path))
	}
	if c.Secure && !t.Secure {
		return c.errorf(ErrInsecureOrigin, "")
	}
	if hasPrefixFold(c.Name, "__Secure-") && !c.Secure {
		return c.errorf(ErrNeedsSecure, "name prefix")
	}
	if hasPrefixFold(c.Name, "__Host-") && (!c.Secure || !e.hostOnly || c.Path != "/") {
		return c.errorf(ErrHostPrefix, "")
	}

	now := j.clock()
	remove := false
	switch {
	case c.MaxAge < 0:
		remove = true
	case c.MaxAge > 0:
		e.expires = now.Add(min(time.Duration(c.MaxAge)*time.Second, MaxLifetime))
	case !c.Expires.IsZero():
		remove = !c.Expires.After(now)
		e.expires = c.Expires
		if limit := now.Add(MaxLifetime); e.expires.After(limit) {
			e.expires = limit
		}
	}

	j.mu.Lock()
	defer j.mu.Unlock()
	key := entryKey{e.name, e.path}
	m := j.domains[e.domain]
	old := m[key]
	if old != nil {
		delete(m, key)
		j.count--
	}
	if remove {
		if len(m) == 0 {
			delete(j.domains, e.domain)
		}
		return nil
	}
	if m == nil {
		if j.domains == nil {
			j.domains = make(map[string]map[entryKey]*entry)
		}
		m = make(map[entryKey]*entry)
		j.domains[e.domain] = m
	}
	j.seq++
	e.seq, e.created = j.seq, now
	if old != nil {
		e.created = old.created // a replacement keeps its age (5.3 step 11.3)
	}
	if len(m) >= MaxCookiesPerDomain {
		j.evict(m, now)
	}
	if j.count >= MaxCookies {
		j.evictGlobal(now)
		j.domains[e.domain] = m // evictGlobal drops empty domains
	}
	m[key] = e
	j.count++
	return nil
}

// evict removes the expired cookies of m, or if there are none its oldest
// one. j.mu is held.
func (j *Jar) evict(m map[entryKey]*entry, now time.Time) {
	var oldest entryKey
	var oldestE *entry
	removed := false
	for k, e := range m {
		if !e.expires.IsZero() && !e.expires.After(now) {
			delete(m, k)
			j.count--
			removed = true
		} else if oldestE == nil || e.seq < oldestE.seq {
			oldest, oldestE = k, e
		}
	}
	if !removed && oldestE != nil {
		delete(m, oldest)
		j.count--
	}
}

// evictGlobal removes every expired cookie, or if there are none the
// oldest cookie of the jar. j.mu is held.
func (j *Jar) evictGlobal(now time.Time) {
	var oldestM map[entryKey]*entry
	var oldestE *entry
	before := j.count
	for d, m := range j.domains {
		for k, e := range m {
			if !e.expires.IsZero() && !e.expires.After(now) {
				delete(m, k)
				j.count--
			} else if oldestE == nil || e.seq < oldestE.seq {
				oldestM, oldestE = m, e
			}
		}
		if len(m) == 0 {
			delete(j.domains, d)
		}
	}
	if j.count == before && oldestE != nil {
		delete(oldestM, entryKey{oldestE.name, oldestE.path})
		j.count--
	}
}

// AddSetCookie parses the value of a Set-Cookie header received in a
// response to a request to t and stores the cookie, as Add. It returns the
// parse error or Add's error.
func (j *Jar) AddSetCookie(t Target, setCookie string) error {
	c, err := ParseSetCookie(setCookie)
	if err != nil {
		return err
	}
	return j.Add(t, c)
}

// maxSelected is how many matching cookies AppendCookieHeader gathers
// without allocating.
const maxSelected = 16

// selectFor appends to sel the live cookies to send to t, in the order of
// RFC 6265 5.4 step 2: longer paths first, then earlier created.
func (j *Jar) selectFor(sel []*entry, t Target) []*entry {
	host, err := canonicalHost(t.Host)
	if err != nil {
		return sel
	}
	path := requestPath(t.Path)
	now := j.clock()
	ip := isIP(host)
	j.mu.RLock()
	for d := host; ; {
		for _, e := range j.domains[d] {
			if e.hostOnly && d != host || e.secure && !t.Secure || !pathMatch(path, e.path) ||
				!e.expires.IsZero() && !e.expires.After(now) {
				continue
			}
			sel = append(sel, e)
		}
		i := strings.IndexByte(d, '.')
		if ip || i < 0 {
			break
		}
		d = d[i+1:]
	}
	j.mu.RUnlock()
	slices.SortFunc(sel, func(a, b *entry) int {
		if c := cmp.Compare(len(b.path), len(a.path)); c != 0 {
			return c
		}
		if c := a.created.Compare(b.created); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	return sel
}

// AppendCookieHeader appends to dst the value of the Cookie header for a
// request to t ("a=1; b=2"), and returns the extended slice; dst is
// returned unchanged when no cookie matches. It allocates only when dst
// must grow or more than 16 cookies match, which suits load generators.
func (j *Jar) AppendCookieHeader(dst []byte, t Target) []byte {
	var buf [maxSelected]*entry
	for i, e := range j.selectFor(buf[:0], t) {
		if i > 0 {
			dst = append(dst, "; "...)
		}
		dst = append(dst, e.name...)
		dst = append(dst, '=')
		dst = append(dst, e.value...)
	}
	return dst
}

// CookieHeader returns the value of the Cookie header for a request to t,
// or "" when no cookie matches.
func (j *Jar) CookieHeader(t Target) string {
	return string(j.AppendCookieHeader(nil, t))
}

// Matching returns the cookies to send to t, in sending order, with Name
// and Value set. It returns nil if none match.
func (j *Jar) Matching(t Target) []Cookie {
	var out []Cookie
	for _, e := range j.selectFor(nil, t) {
		out = append(out, Cookie{Name: e.name, Value: e.value})
	}
	return out
}

// Len returns the number of cookies stored, including expired ones not yet
// evicted.
func (j *Jar) Len() int {
	j.mu.RLock()
	defer j.mu.RUnlock()
	return j.count
}

// Clear removes every cookie.
func (j *Jar) Clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.domains, j.count = nil, 0
}
