package cookiejar

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/microframe/microframe/internal/ascii"
)

// Cookie is one cookie: a name and a value, plus the attributes a server
// sets with Set-Cookie. In a Cookie request header only Name and Value
// exist; ParseCookieHeader leaves the other fields zero.
type Cookie struct {
	// Name is an RFC 9110 token: letters, digits and !#$%&'*+-.^_`|~.
	// A name starting with "__Secure-" or "__Host-" (in any case) carries
	// the browser rules of those prefixes, which Format enforces. The Jar
	// and ParseSetCookie, acting as a user agent, also accept other names
	// (any without '=', ';' or control characters); Format does not.
	Name string
	// Value is a sequence of RFC 6265 cookie-octets (printable ASCII except
	// space, double quote, comma, semicolon and backslash), optionally
	// enclosed in double quotes. Use a Codec, or base64, for anything else.
	Value string

	// Path limits the cookie to request paths at or below it. It must
	// begin with "/". Empty means the directory of the request that set it.
	Path string
	// Domain lets the cookie be sent to the domain and all its subdomains.
	// Empty means the exact host that set it, only (host-only cookie).
	// A leading dot is allowed and ignored.
	Domain string
	// Expires is when the client should delete the cookie. The zero time
	// means no Expires attribute. It is sent in UTC with second precision.
	Expires time.Time
	// MaxAge is the cookie's lifetime in seconds, which clients prefer to
	// Expires. 0 means no Max-Age attribute; a negative value means delete
	// the cookie now and is sent as "Max-Age=0".
	MaxAge int
	// Secure restricts the cookie to HTTPS requests.
	Secure bool
	// HttpOnly hides the cookie from JavaScript (document.cookie).
	HttpOnly bool
	// SameSite controls whether the cookie is sent on cross-site requests.
	SameSite SameSite
	// Partitioned (CHIPS) keys a third-party cookie by the top-level site
	// that embedded it. It requires Secure.
	Partitioned bool
}

// SameSite is the value of the SameSite attribute.
type SameSite uint8

// SameSite values. The zero value omits the attribute, and browsers then
// behave as for Lax.
const (
	SameSiteDefault SameSite = iota // attribute omitted
	SameSiteLax                     // sent on top-level navigations, not on cross-site subrequests
	SameSiteStrict                  // never sent on cross-site requests
	SameSiteNone                    // always sent; requires Secure
)

// String returns the attribute value ("Lax", "Strict", "None"), or "" for
// SameSiteDefault and unknown values.
func (s SameSite) String() string {
	switch s {
	case SameSiteLax:
		return "Lax"
	case SameSiteStrict:
		return "Strict"
	case SameSiteNone:
		return "None"
	}
	return ""
}

// Errors from Format and the parsers. They are wrapped with the cookie's
// name and details; test for them with errors.Is.
var (
	// ErrInvalidName: the name is empty or not a token.
	ErrInvalidName = errors.New("cookiejar: invalid cookie name")
	// ErrInvalidValue: the value holds a byte that is not a cookie-octet
	// (Format), or a control character (parsers, Jar).
	ErrInvalidValue = errors.New("cookiejar: invalid cookie value")
	// ErrInvalidPath: the Path does not begin with "/", holds a control
	// character or ';', ends in whitespace, or is longer than 1024 bytes
	// (a user agent strips the whitespace and ignores the long path, so
	// the cookie would come back with another path).
	ErrInvalidPath = errors.New("cookiejar: invalid cookie path")
	// ErrInvalidDomain: the Domain is not a host name or IPv4 address.
	ErrInvalidDomain = errors.New("cookiejar: invalid cookie domain")
	// ErrInvalidExpires: the Expires year is outside 1601-9999, which
	// the cookie date format cannot express.
	ErrInvalidExpires = errors.New("cookiejar: invalid cookie expiry")
	// ErrTooLarge: name and value together exceed MaxCookieSize bytes,
	// which browsers silently drop.
	ErrTooLarge = errors.New("cookiejar: cookie too large")
	// ErrNeedsSecure: SameSite=None, Partitioned and the "__Secure-" and
	// "__Host-" name prefixes require the Secure attribute.
	ErrNeedsSecure = errors.New("cookiejar: cookie attribute requires Secure")
	// ErrHostPrefix: a "__Host-" cookie must have Path "/" and no Domain.
	ErrHostPrefix = errors.New(`cookiejar: "__Host-" cookie needs Path=/ and no Domain`)
)

// MaxCookieSize is the largest name plus value, in bytes, that Format
// writes and that clients are required to keep (RFC 6265bis).
const MaxCookieSize = 4096

// Format returns the cookie as the value of a Set-Cookie header, or an
// error, wrapping one of the Err variables, if the cookie is invalid: a bad
// name, value, path, domain or expiry, or an attribute combination that
// browsers reject. It never returns a header that a browser would
// misread.
func (c *Cookie) Format() (string, error) {
	var buf [128]byte
	b, err := c.AppendFormat(buf[:0])
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// AppendFormat appends the Set-Cookie header value of c to dst and returns
// the extended slice; on error, it returns dst unchanged and the error that
// Format would return. It allocates only if dst must grow.
func (c *Cookie) AppendFormat(dst []byte) ([]byte, error) {
	if err := c.Validate(); err != nil {
		return dst, err
	}
	dst = append(dst, c.Name...)
	dst = append(dst, '=')
	dst = append(dst, c.Value...)
	if c.Path != "" {
		dst = append(dst, "; Path="...)
		dst = append(dst, c.Path...)
	}
	if c.Domain != "" {
		dst = append(dst, "; Domain="...)
		dst = append(dst, strings.TrimPrefix(c.Domain, ".")...)
	}
	if !c.Expires.IsZero() {
		dst = append(dst, "; Expires="...)
		dst = c.Expires.UTC().AppendFormat(dst, timeFormat)
	}
	if c.MaxAge > 0 {
		dst = append(dst, "; Max-Age="...)
		dst = strconv.AppendInt(dst, int64(c.MaxAge), 10)
	} else if c.MaxAge < 0 {
		dst = append(dst, "; Max-Age=0"...)
	}
	if c.Secure {
		dst = append(dst, "; Secure"...)
	}
	if c.HttpOnly {
		dst = append(dst, "; HttpOnly"...)
	}
	if s := c.SameSite.String(); s != "" {
		dst = append(dst, "; SameSite="...)
		dst = append(dst, s...)
	}
	if c.Partitioned {
		dst = append(dst, "; Partitioned"...)
	}
	return dst, nil
}

// timeFormat is the IMF-fixdate of RFC 9110, the form Expires must take.
const timeFormat = "Mon, 02 Jan 2006 15:04:05 GMT"

// Validate reports whether Format would accept c, with the same error.
func (c *Cookie) Validate() error {
	if !ascii.IsToken(c.Name) {
		return c.errorf(ErrInvalidName, "not a token")
	}
	if len(c.Name)+len(c.Value) > MaxCookieSize {
		return c.errorf(ErrTooLarge, "%d bytes", len(c.Name)+len(c.Value))
	}
	if i := invalidValueByte(c.Value); i >= 0 {
		return c.errorf(ErrInvalidValue, "byte %q at offset %d", c.Value[i], i)
	}
	if c.Path != "" {
		if c.Path[0] != '/' {
			return c.errorf(ErrInvalidPath, "%q does not begin with /", c.Path)
		}
		for i := 0; i < len(c.Path); i++ {
			if b := c.Path[i]; b < 0x20 || b >= 0x7f || b == ';' {
				return c.errorf(ErrInvalidPath, "byte %q at offset %d", b, i)
			}
		}
		if last := c.Path[len(c.Path)-1]; last == ' ' {
			return c.errorf(ErrInvalidPath, "%q ends in a space", c.Path)
		}
		if len(c.Path) > maxAttributeValue {
			return c.errorf(ErrInvalidPath, "%d bytes, more than %d", len(c.Path), maxAttributeValue)
		}
	}
	if c.Domain != "" && !validDomain(strings.TrimPrefix(c.Domain, ".")) {
		return c.errorf(ErrInvalidDomain, "%q is not a host name or IPv4 address", c.Domain)
	}
	if y := c.Expires.UTC().Year(); !c.Expires.IsZero() && (y < 1601 || y > 9999) {
		return c.errorf(ErrInvalidExpires, "year %d outside 1601-9999", y)
	}
	if !c.Secure {
		switch {
		case c.SameSite == SameSiteNone:
			return c.errorf(ErrNeedsSecure, "SameSite=None")
		case c.Partitioned:
			return c.errorf(ErrNeedsSecure, "Partitioned")
		case hasPrefixFold(c.Name, "__Secure-"), hasPrefixFold(c.Name, "__Host-"):
			return c.errorf(ErrNeedsSecure, "name prefix")
		}
	}
	if hasPrefixFold(c.Name, "__Host-") && (c.Path != "/" || c.Domain != "") {
		return c.errorf(ErrHostPrefix, "Path=%q Domain=%q", c.Path, c.Domain)
	}
	return nil
}

// errorf wraps err with the cookie's name (shortened) and a detail.
func (c *Cookie) errorf(err error, format string, args ...any) error {
	name := c.Name
	if len(name) > 64 {
		name = name[:64] + "..."
	}
	return fmt.Errorf("%w: cookie %q: %s", err, name, fmt.Sprintf(format, args...))
}

// checkJarName accepts the names a user agent stores (RFC 6265 5.2 and
// 5.3): not empty, and without '=', ';' or control characters. Tokens are
// a subset; Validate, for cookies a server sends, still requires one.
func checkJarName(c *Cookie) error {
	if c.Name == "" {
		return c.errorf(ErrInvalidName, "empty")
	}
	for i := 0; i < len(c.Name); i++ {
		if b := c.Name[i]; b < 0x20 || b == 0x7f || b == '=' || b == ';' {
			return c.errorf(ErrInvalidName, "byte %q at offset %d", b, i)
		}
	}
	return nil
}

// isCookieOctet reports whether b may appear in a cookie value sent by a
// server: %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E (RFC 6265 4.1.1).
func isCookieOctet(b byte) bool {
	return 0x21 <= b && b <= 0x7e && b != '"' && b != ',' && b != ';' && b != '\\'
}

// invalidValueByte returns the offset of the first byte of v that makes it
// an invalid cookie-value, or -1. One pair of enclosing double quotes is
// allowed.
func invalidValueByte(v string) int {
	start, end := 0, len(v)
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		start, end = 1, len(v)-1
	}
	for i := start; i < end; i++ {
		if !isCookieOctet(v[i]) {
			return i
		}
	}
	return -1
}

// validDomain reports whether d is a host name (dot-separated labels of
// letters, digits, '-' and '_', each 1 to 63 bytes, not starting or ending
// with '-', 253 bytes at most) or an IPv4 address.
func validDomain(d string) bool {
	if len(d) == 0 || len(d) > 253 {
		return false
	}
	if isIP(d) {
		a, _ := netip.ParseAddr(d)
		return a.Is4()
	}
	for label := range strings.SplitSeq(d, ".") {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			b := label[i]
			if !('a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '-' || b == '_') {
				return false
			}
		}
	}
	return true
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
