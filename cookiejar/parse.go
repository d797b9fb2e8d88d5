package cookiejar

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/microframe/microframe/internal/ascii"
	"github.com/microframe/microframe/internal/cookieheader"
)

// Reading the Cookie request header: the rules are internal/cookieheader's,
// shared with the framework so that a cookie reads the same everywhere.
// Pairs are separated by ";"; spaces and tabs around a pair, its name and
// its value are ignored; one pair of double quotes around the value is
// removed. A name may be any non-empty string without control characters,
// token or not (browsers send back the names a user agent stores, which
// Jar.Add accepts: "@a", "foo bar", UTF-8), and a value anything but
// control characters (browsers pass on whatever servers set, including
// spaces, commas and UTF-8). A pair without "=", with an empty name, or
// with a control character is skipped; the rest of the header is still
// read. Nothing in the input can make these functions fail or panic.

// Scan calls fn for each well-formed name/value pair of a Cookie header
// value, in order, until fn returns false. The strings passed to fn are
// substrings of header; Scan itself does not allocate.
func Scan(header string, fn func(name, value string) bool) { cookieheader.Scan(header, fn) }

// Get returns the value of the first well-formed cookie called name in a
// Cookie header value, and whether there was one. It does not allocate.
func Get(header, name string) (value string, ok bool) { return cookieheader.Get(header, name) }

// GetBytes is Get for a header held in a byte slice, as microframe's engine
// hands them out. The result aliases header (its capacity ends with it).
// It does not allocate.
func GetBytes(header []byte, name string) (value []byte, ok bool) {
	start, end, ok := cookieheader.Index(ascii.UnsafeString(header), name)
	if !ok {
		return nil, false
	}
	return header[start:end:end], true
}

// ParseCookieHeader returns the well-formed pairs of a Cookie header value
// as Cookies with only Name and Value set, in the order sent. It returns
// nil if there are none.
func ParseCookieHeader(header string) []Cookie {
	var cookies []Cookie
	Scan(header, func(name, value string) bool {
		if cookies == nil {
			cookies = make([]Cookie, 0, strings.Count(header, ";")+1)
		}
		cookies = append(cookies, Cookie{Name: name, Value: value})
		return true
	})
	return cookies
}

// maxAttributeValue is the longest attribute value that is honoured
// (RFC 6265bis); longer ones are ignored.
const maxAttributeValue = 1024

// ParseSetCookie reads the value of a Set-Cookie response header the way a
// user agent does (RFC 6265 section 5.2): the first name=value pair is the
// cookie, the attributes that follow are applied when understood and
// ignored otherwise (unknown names, unparsable dates, empty Domain values,
// values longer than 1024 bytes). When an attribute appears more than once
// the last one wins.
//
// The name may be any non-empty string without control characters (a user
// agent accepts "@a", "foo bar" and UTF-8 names), so a parsed Cookie need
// not pass Validate. The value is kept as sent, quotes included, so that it
// is returned to the server unchanged. The Domain is lowercased, and one
// leading dot is removed when a single one is there; a Domain starting with
// two dots is kept as sent, and Jar.Add then ignores the cookie (RFC 6265
// 5.2.3 strips one dot only, and ".example.com" matches no host). A Path
// that is empty or does not start with "/" resets Path to "", which means
// the default path of the request (RFC 6265 5.2.4). A Max-Age of zero or
// less becomes MaxAge -1 (delete now); a Max-Age too large for an int32 is
// clamped.
//
// It returns an error wrapping ErrInvalidName, ErrInvalidValue or
// ErrTooLarge, and a zero Cookie, when the line has no "=" in its first
// pair, the name is empty, the line contains a control character other
// than tab (or a tab inside the name), or name and value exceed
// MaxCookieSize.
func ParseSetCookie(line string) (Cookie, error) {
	for i := 0; i < len(line); i++ {
		if b := line[i]; b < 0x20 && b != '\t' || b == 0x7f {
			return Cookie{}, (&Cookie{}).errorf(ErrInvalidValue, "control byte %q at offset %d", b, i)
		}
	}
	pair, attrs, _ := strings.Cut(line, ";")
	name, value, ok := strings.Cut(pair, "=")
	c := Cookie{Name: ascii.TrimOWS(name), Value: ascii.TrimOWS(value)}
	if !ok {
		return Cookie{}, c.errorf(ErrInvalidName, "no '=' in the name=value pair")
	}
	if err := checkJarName(&c); err != nil {
		return Cookie{}, err
	}
	if len(c.Name)+len(c.Value) > MaxCookieSize {
		return Cookie{}, c.errorf(ErrTooLarge, "%d bytes", len(c.Name)+len(c.Value))
	}
	for attrs != "" {
		var av string
		av, attrs, _ = strings.Cut(attrs, ";")
		key, val, _ := strings.Cut(av, "=")
		key, val = ascii.TrimOWS(key), ascii.TrimOWS(val)
		if len(val) > maxAttributeValue {
			continue
		}
		switch attrName(key) {
		case "expires":
			if t, ok := ParseCookieDate(val); ok {
				c.Expires = t
			}
		case "max-age":
			if n, ok := parseMaxAge(val); ok {
				c.MaxAge = n
			}
		case "domain":
			if d := strings.TrimPrefix(val, "."); d != "" {
				if d[0] == '.' {
					d = val // Add strips one dot, then fails domain-match
				}
				c.Domain = strings.ToLower(d)
			}
		case "path":
			if val != "" && val[0] == '/' {
				c.Path = val
			} else {
				c.Path = "" // the default path
			}
		case "secure":
			c.Secure = true
		case "httponly":
			c.HttpOnly = true
		case "partitioned":
			c.Partitioned = true
		case "samesite":
			switch {
			case strings.EqualFold(val, "lax"):
				c.SameSite = SameSiteLax
			case strings.EqualFold(val, "strict"):
				c.SameSite = SameSiteStrict
			case strings.EqualFold(val, "none"):
				c.SameSite = SameSiteNone
			default:
				c.SameSite = SameSiteDefault
			}
		}
	}
	return c, nil
}

// attrNames are the Set-Cookie attributes ParseSetCookie understands.
var attrNames = []string{"expires", "max-age", "domain", "path", "secure", "httponly", "partitioned", "samesite"}

// attrName returns the lowercase form of a known attribute name, matched
// without regard to case, or "" for an unknown one. It does not allocate.
func attrName(key string) string {
	for _, a := range attrNames {
		if strings.EqualFold(key, a) {
			return a
		}
	}
	return ""
}

// parseMaxAge reads a Max-Age value: an optional '-' and digits. Zero and
// negative values become -1.
func parseMaxAge(v string) (int, bool) {
	digits := strings.TrimPrefix(v, "-")
	if digits == "" {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	if len(digits) != len(v) { // negative
		return -1, true
	}
	n, err := strconv.ParseInt(digits, 10, 32)
	if err != nil { // only a range error is possible here
		n = math.MaxInt32
	}
	if n == 0 {
		return -1, true
	}
	return int(n), true
}

// ParseCookieDate parses the value of an Expires attribute with the
// forgiving algorithm of RFC 6265 section 5.1.1, which accepts the many
// date formats servers send ("Wed, 09 Jun 2021 10:18:14 GMT",
// "Wednesday, 09-Jun-21 10:18:14 GMT", "Wed Jun  9 10:18:14 2021", ...).
// The result is in UTC; ok is false when no valid date can be found.
func ParseCookieDate(s string) (t time.Time, ok bool) {
	var (
		hour, minute, sec, day, month, year    int
		haveTime, haveDay, haveMonth, haveYear bool
	)
	for s != "" {
		// Skip delimiters, then take a token of non-delimiters.
		i := 0
		for i < len(s) && isDateDelimiter(s[i]) {
			i++
		}
		j := i
		for j < len(s) && !isDateDelimiter(s[j]) {
			j++
		}
		tok := s[i:j]
		s = s[j:]
		if tok == "" {
			continue
		}
		switch {
		case !haveTime && parseClock(tok, &hour, &minute, &sec):
			haveTime = true
		case !haveDay && parseDigits(tok, 1, 2, &day):
			haveDay = true
		case !haveMonth && parseMonth(tok, &month):
			haveMonth = true
		case !haveYear && parseDigits(tok, 2, 4, &year):
			haveYear = true
		}
	}
	if !haveTime || !haveDay || !haveMonth || !haveYear {
		return time.Time{}, false
	}
	switch {
	case 70 <= year && year <= 99:
		year += 1900
	case 0 <= year && year <= 69:
		year += 2000
	}
	if day < 1 || day > 31 || year < 1601 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	t = time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC)
	if t.Day() != day { // e.g. 31 February
		return time.Time{}, false
	}
	return t, true
}

// isDateDelimiter: %x09 / %x20-2F / %x3B-40 / %x5B-60 / %x7B-7E.
func isDateDelimiter(b byte) bool {
	return b == 0x09 || 0x20 <= b && b <= 0x2f || 0x3b <= b && b <= 0x40 ||
		0x5b <= b && b <= 0x60 || 0x7b <= b && b <= 0x7e
}

// leadingDigits reads min to max digits at the start of s, which must not
// be followed by another digit, and returns their value and the rest.
func leadingDigits(s string, min, max int) (n int, rest string, ok bool) {
	i := 0
	for i < len(s) && i < max && '0' <= s[i] && s[i] <= '9' {
		n = n*10 + int(s[i]-'0')
		i++
	}
	if i < min || i < len(s) && '0' <= s[i] && s[i] <= '9' {
		return 0, s, false
	}
	return n, s[i:], true
}

// parseDigits matches min*max DIGIT followed by an optional non-digit tail.
func parseDigits(tok string, min, max int, out *int) bool {
	n, _, ok := leadingDigits(tok, min, max)
	if ok {
		*out = n
	}
	return ok
}

// parseClock matches hms-time: 1*2DIGIT ":" 1*2DIGIT ":" 1*2DIGIT, then an
// optional non-digit tail.
func parseClock(tok string, h, m, s *int) bool {
	hh, rest, ok := leadingDigits(tok, 1, 2)
	if !ok || !strings.HasPrefix(rest, ":") {
		return false
	}
	mm, rest, ok := leadingDigits(rest[1:], 1, 2)
	if !ok || !strings.HasPrefix(rest, ":") {
		return false
	}
	ss, _, ok := leadingDigits(rest[1:], 1, 2)
	if !ok {
		return false
	}
	*h, *m, *s = hh, mm, ss
	return true
}

// parseMonth matches a token whose first three letters name a month.
func parseMonth(tok string, out *int) bool {
	if len(tok) < 3 {
		return false
	}
	const months = "janfebmaraprmayjunjulaugsepoctnovdec"
	for i := 0; i < 12; i++ {
		if strings.EqualFold(tok[:3], months[3*i:3*i+3]) {
			*out = i + 1
			return true
		}
	}
	return false
}
