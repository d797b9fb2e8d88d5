package cookiejar

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// clockJar returns a Jar whose clock the test moves.
func clockJar() (*Jar, *time.Time) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	j := &Jar{}
	j.now = func() time.Time { return now }
	return j, &now
}

func plain(host, path string) Target { return Target{Host: host, Path: path} }
func https(host, path string) Target { return Target{Host: host, Path: path, Secure: true} }

// mustAdd stores a Set-Cookie line or fails.
func mustAdd(t *testing.T, j *Jar, from Target, line string) {
	t.Helper()
	if err := j.AddSetCookie(from, line); err != nil {
		t.Fatalf("AddSetCookie(%q): %v", line, err)
	}
}

func TestJarMatching(t *testing.T) {
	j, _ := clockJar()
	mustAdd(t, j, plain("www.example.com", "/"), "host=1")
	mustAdd(t, j, plain("www.example.com", "/"), "dom=2; Domain=example.com")
	mustAdd(t, j, plain("www.example.com", "/a/b/page"), "defpath=3")
	mustAdd(t, j, plain("www.example.com", "/"), "sub=4; Path=/sub")
	mustAdd(t, j, https("www.example.com", "/"), "sec=5; Secure")
	mustAdd(t, j, plain("127.0.0.1:8080", "/"), "ip=6")

	tests := []struct {
		to   Target
		want string
	}{
		{plain("www.example.com", "/"), "host=1; dom=2"},
		{plain("WWW.Example.COM.", "/"), "host=1; dom=2"}, // case and trailing dot
		{plain("www.example.com:9999", "/"), "host=1; dom=2"},
		{plain("example.com", "/"), "dom=2"},
		{plain("deep.sub.example.com", "/"), "dom=2"},
		{plain("notexample.com", "/"), ""},
		{plain("example.org", "/"), ""},
		{plain("www.example.com", "/a/b"), "defpath=3; host=1; dom=2"},
		{plain("www.example.com", "/a/b/"), "defpath=3; host=1; dom=2"},
		{plain("www.example.com", "/a/b/c?q=1"), "defpath=3; host=1; dom=2"},
		{plain("www.example.com", "/a/bc"), "host=1; dom=2"},
		{plain("www.example.com", "/a"), "host=1; dom=2"},
		{plain("www.example.com", "/sub/x"), "sub=4; host=1; dom=2"},
		{plain("www.example.com", "/subway"), "host=1; dom=2"},
		{plain("www.example.com", ""), "host=1; dom=2"},
		{https("www.example.com", "/"), "host=1; dom=2; sec=5"},
		{plain("127.0.0.1", "/"), "ip=6"},
		{plain("0.0.1", "/"), ""},
		{plain("[::1]:80", "/"), ""},
		{plain("", "/"), ""},
	}
	for _, tt := range tests {
		if got := j.CookieHeader(tt.to); got != tt.want {
			t.Errorf("CookieHeader(%+v) = %q, want %q", tt.to, got, tt.want)
		}
	}
	if got := j.Matching(plain("example.com", "/")); len(got) != 1 || got[0] != (Cookie{Name: "dom", Value: "2"}) {
		t.Errorf("Matching = %+v", got)
	}
	if j.Len() != 6 {
		t.Errorf("Len = %d, want 6", j.Len())
	}
}

func TestJarRefuses(t *testing.T) {
	var j Jar
	tests := []struct {
		from Target
		line string
		want error
	}{
		{plain("example.com", "/"), "a=1; Domain=other.com", ErrDomainMismatch},
		{plain("example.com", "/"), "a=1; Domain=ample.com", ErrDomainMismatch},
		{plain("example.com", "/"), "a=1; Domain=www.example.com", ErrDomainMismatch},
		{plain("www.example.com", "/"), "a=1; Domain=com", ErrDomainMismatch},
		{plain("127.0.0.1", "/"), "a=1; Domain=0.0.1", ErrDomainMismatch},
		{plain("example.com", "/"), "a=1; Secure", ErrInsecureOrigin},
		{https("example.com", "/"), "__Secure-a=1", ErrNeedsSecure},
		{https("example.com", "/"), "__Host-a=1; Secure", ErrHostPrefix},
		{https("example.com", "/"), "__Host-a=1; Secure; Path=/; Domain=example.com", ErrHostPrefix},
		{plain("example.com", "/"), "=1", ErrInvalidName},
		// One dot is stripped; ".example.com" then matches no host.
		{plain("www.example.com", "/"), "a=1; Domain=..example.com", ErrDomainMismatch},
		{plain("example.com", "/"), "a=1; Domain=..example.com", ErrDomainMismatch},
		{plain("bad host", "/"), "a=1", ErrInvalidHost},
		{plain("[::1", "/"), "a=1", ErrInvalidHost},
	}
	for _, tt := range tests {
		if err := j.AddSetCookie(tt.from, tt.line); !errors.Is(err, tt.want) {
			t.Errorf("AddSetCookie(%v, %q) = %v, want %v", tt.from, tt.line, err, tt.want)
		}
	}
	if j.Len() != 0 {
		t.Fatalf("refused cookies were stored: Len %d", j.Len())
	}
	// The accepted forms of the same cookies.
	for _, ok := range []struct {
		from Target
		line string
	}{
		{https("example.com", "/x"), "__Host-a=1; Secure; Path=/"},
		{https("example.com", "/"), "__Secure-a=1; Secure; Domain=example.com"},
		{plain("localhost", "/"), "a=1; Domain=localhost"}, // a dotless domain equal to the host
		{plain("[::1]:80", "/"), "a=1; Domain=::1"},
	} {
		if err := j.AddSetCookie(ok.from, ok.line); err != nil {
			t.Errorf("AddSetCookie(%v, %q) = %v", ok.from, ok.line, err)
		}
	}
}

type suffixes map[string]bool

func (s suffixes) PublicSuffix(d string) string {
	for ; d != ""; d = d[strings.IndexByte(d+".", '.')+1:] {
		if s[d] {
			return d
		}
	}
	return ""
}

// TestJarRFC6265UserAgent checks the storage rules of RFC 6265 5.2-5.3 as a
// user agent applies them: any name without '=', ';' or control characters
// is stored and sent back; the last Path wins, an empty one meaning the
// default path.
func TestJarRFC6265UserAgent(t *testing.T) {
	j, _ := clockJar()
	from := plain("home.example.org", "/dog/food")
	for _, line := range []string{"@a=1", "(a=2", "foo bar=3", "név=4"} {
		mustAdd(t, j, from, line+"; Path=/")
	}
	if got, want := j.CookieHeader(plain("home.example.org", "/")), "@a=1; (a=2; foo bar=3; név=4"; got != want {
		t.Errorf("CookieHeader = %q, want %q", got, want)
	}
	for _, c := range []Cookie{{Name: "a=b"}, {Name: "a;b"}, {Name: "a\x01b"}, {Name: "a\x7f"}, {Name: ""}} {
		if err := j.Add(from, c); !errors.Is(err, ErrInvalidName) {
			t.Errorf("Add(name %q) = %v, want ErrInvalidName", c.Name, err)
		}
	}

	// Path=/dog; Path= : the empty Path comes last, so the cookie gets the
	// default path of the request to "/", which is "/".
	j2, _ := clockJar()
	mustAdd(t, j2, plain("home.example.org", "/"), "x=1; Path=/dog; Path=")
	if got := j2.CookieHeader(plain("home.example.org", "/cat")); got != "x=1" {
		t.Errorf("Path=/dog; Path= from /: CookieHeader(/cat) = %q, want x=1 (path /)", got)
	}
	mustAdd(t, j2, plain("home.example.org", "/"), "y=1; Path=; Path=/dog")
	if got := j2.CookieHeader(plain("home.example.org", "/cat")); got != "x=1" {
		t.Errorf("Path=; Path=/dog: y sent to /cat: %q", got)
	}
	if got := j2.CookieHeader(plain("home.example.org", "/dog")); got != "y=1; x=1" {
		t.Errorf("CookieHeader(/dog) = %q, want y=1; x=1", got)
	}
}

func TestJarPublicSuffixes(t *testing.T) {
	j := &Jar{PublicSuffixes: suffixes{"co.uk": true, "uk": true, "github.io": true}}
	if err := j.AddSetCookie(plain("shop.co.uk", "/"), "a=1; Domain=co.uk"); !errors.Is(err, ErrDomainMismatch) {
		t.Fatalf("Domain=co.uk accepted: %v", err)
	}
	// Setting for the suffix itself from the suffix host makes a host-only cookie.
	mustAdd(t, j, plain("github.io", "/"), "b=2; Domain=github.io")
	if got := j.CookieHeader(plain("user.github.io", "/")); got != "" {
		t.Fatalf("public-suffix cookie leaked to a subdomain: %q", got)
	}
	if got := j.CookieHeader(plain("github.io", "/")); got != "b=2" {
		t.Fatalf("host-only suffix cookie = %q", got)
	}
}

func TestJarExpiry(t *testing.T) {
	j, now := clockJar()
	from := plain("example.com", "/")
	mustAdd(t, j, from, "short=1; Max-Age=60")
	mustAdd(t, j, from, "dated=2; Expires="+now.Add(time.Hour).Format(timeFormat))
	mustAdd(t, j, from, "both=3; Max-Age=60; Expires="+now.Add(time.Hour).Format(timeFormat))
	mustAdd(t, j, from, "forever=4; Max-Age=999999999")
	mustAdd(t, j, from, "session=5")
	mustAdd(t, j, from, "past=6; Expires=Thu, 01 Jan 1970 00:00:00 GMT")
	if got := j.CookieHeader(from); got != "short=1; dated=2; both=3; forever=4; session=5" {
		t.Fatalf("at start: %q", got)
	}
	*now = now.Add(61 * time.Second)
	if got := j.CookieHeader(from); got != "dated=2; forever=4; session=5" {
		t.Fatalf("after 61s: %q (Max-Age must win over Expires)", got)
	}
	*now = now.Add(time.Hour)
	if got := j.CookieHeader(from); got != "forever=4; session=5" {
		t.Fatalf("after an hour: %q", got)
	}
	*now = now.Add(MaxLifetime)
	if got := j.CookieHeader(from); got != "session=5" {
		t.Fatalf("after 400 days: %q (lifetime not capped)", got)
	}
	// Deleting: Max-Age=0 and a past Expires both remove the cookie.
	mustAdd(t, j, from, "session=x; Max-Age=0")
	if got := j.CookieHeader(from); got != "" || j.Len() != 4 {
		t.Fatalf("after delete: %q, Len %d (expired ones wait for eviction)", got, j.Len())
	}
}

func TestJarReplaceAndOrder(t *testing.T) {
	j, now := clockJar()
	from := plain("example.com", "/a/b")
	mustAdd(t, j, from, "first=1; Path=/")
	*now = now.Add(time.Second)
	mustAdd(t, j, from, "second=1; Path=/")
	mustAdd(t, j, from, "deep=1; Path=/a")
	*now = now.Add(time.Second)
	// Replacing keeps the original creation time, hence the order.
	mustAdd(t, j, from, "first=2; Path=/")
	if got := j.CookieHeader(from); got != "deep=1; first=2; second=1" {
		t.Fatalf("order: %q", got)
	}
	// The same name under another path is another cookie.
	mustAdd(t, j, from, "first=3; Path=/a")
	if got := j.CookieHeader(from); got != "deep=1; first=3; first=2; second=1" {
		t.Fatalf("same name, two paths: %q", got)
	}
	// A domain cookie and a host-only cookie of the same name, domain and
	// path are the same cookie.
	mustAdd(t, j, plain("example.com", "/"), "x=host")
	mustAdd(t, j, plain("example.com", "/"), "x=domain; Domain=example.com")
	if got := j.CookieHeader(plain("example.com", "/")); got != "first=2; second=1; x=domain" {
		t.Fatalf("replacement across host-only/domain: %q", got)
	}
	if got := j.CookieHeader(plain("www.example.com", "/")); got != "x=domain" {
		t.Fatalf("domain cookie on a subdomain: %q", got)
	}
}

func TestJarLimits(t *testing.T) {
	j, now := clockJar()
	from := plain("example.com", "/")
	for i := range MaxCookiesPerDomain + 5 {
		*now = now.Add(time.Millisecond)
		mustAdd(t, j, from, fmt.Sprintf("c%d=%d", i, i))
	}
	if j.Len() != MaxCookiesPerDomain {
		t.Fatalf("Len = %d, want %d", j.Len(), MaxCookiesPerDomain)
	}
	got := j.CookieHeader(from)
	if strings.Contains(got, "c0=") || strings.Contains(got, "c4=") || !strings.Contains(got, "c5=") {
		t.Fatalf("the oldest cookies were not the ones evicted: %.80q", got)
	}
	// Total limit across many domains.
	j.Clear()
	for i := range MaxCookies + 10 {
		mustAdd(t, j, plain(fmt.Sprintf("h%d.example", i%100), "/"), fmt.Sprintf("c%d=1", i))
	}
	if j.Len() != MaxCookies {
		t.Fatalf("Len = %d, want %d", j.Len(), MaxCookies)
	}
	if got := j.CookieHeader(plain("h0.example", "/")); strings.Contains(got, "c0=") || !strings.Contains(got, "c3000=") {
		t.Fatalf("global eviction: %.80q", got)
	}
}

func TestJarConcurrent(t *testing.T) {
	var j Jar
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			host := fmt.Sprintf("vu%d.example.com", g%4)
			var buf []byte
			for i := range 300 {
				if err := j.AddSetCookie(plain(host, "/"), fmt.Sprintf("g%d=%d; Domain=example.com", g, i)); err != nil {
					t.Error(err)
					return
				}
				buf = j.AppendCookieHeader(buf[:0], plain(host, "/"))
				if !strings.Contains(string(buf), fmt.Sprintf("g%d=%d", g, i)) {
					t.Errorf("own cookie missing: %q", buf)
					return
				}
				if i%50 == 0 {
					_ = j.Len()
				}
			}
		})
	}
	wg.Wait()
	if j.Len() != 16 {
		t.Fatalf("Len = %d, want one cookie per goroutine", j.Len())
	}
}

func TestJarAppendCookieHeaderAllocs(t *testing.T) {
	var j Jar
	for i := range 5 {
		mustAdd(t, &j, plain("api.example.com", "/"), fmt.Sprintf("c%d=v%d; Domain=example.com", i, i))
	}
	mustAdd(t, &j, plain("api.example.com", "/"), "session=abc; Path=/v1")
	to := plain("api.example.com", "/v1/items")
	buf := make([]byte, 0, 256)
	allocs := testing.AllocsPerRun(1000, func() { buf = j.AppendCookieHeader(buf[:0], to) })
	if allocs != 0 {
		t.Fatalf("AppendCookieHeader allocates %v times", allocs)
	}
	if !strings.HasPrefix(string(buf), "session=abc; c0=v0") {
		t.Fatalf("header %q", buf)
	}
}
