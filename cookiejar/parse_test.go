package cookiejar

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The rules of the Cookie header are internal/cookieheader's, tested
// there; these tests check what cookiejar adds: Cookies, the byte form and
// the round trip with the Jar.

func TestParseCookieHeader(t *testing.T) {
	for _, tt := range []struct {
		header string
		want   []Cookie
	}{
		{"", nil},
		{"\x00\xff;=;==;a", nil},
		{` a = 1 ; b="q"; junk; a b=2; a=3`, []Cookie{{Name: "a", Value: "1"}, {Name: "b", Value: "q"}, {Name: "a b", Value: "2"}, {Name: "a", Value: "3"}}},
	} {
		if got := ParseCookieHeader(tt.header); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseCookieHeader(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}

func TestGetBytes(t *testing.T) {
	h := []byte(`theme=dark; session="abc"; x=`)
	v, ok := GetBytes(h, "session")
	if !ok || string(v) != "abc" || cap(v) != len(v) {
		t.Fatalf("GetBytes = %q (cap %d), %v", v, cap(v), ok)
	}
	h[bytes.Index(h, []byte("abc"))] = 'X' // the value aliases the header
	if string(v) != "Xbc" {
		t.Errorf("GetBytes copied: %q", v)
	}
	if v, ok := GetBytes(h, "x"); !ok || v == nil || len(v) != 0 {
		t.Errorf("empty value: %q, %v (want empty, non-nil, true)", v, ok)
	}
	if v, ok := GetBytes(h, "missing"); ok || v != nil {
		t.Errorf("missing: %q, %v", v, ok)
	}
	if v, ok := Get(string(h), "theme"); !ok || v != "dark" {
		t.Errorf("Get = %q, %v", v, ok)
	}
}

func TestGetAllocs(t *testing.T) {
	h := "_ga=GA1.1.1234; theme=dark; lang=en; session=6ba7b810-9dad-41d1-80b4-00c04fd430c8; csrf=abc"
	hb := []byte(h)
	allocs := testing.AllocsPerRun(1000, func() {
		if v, ok := Get(h, "session"); !ok || len(v) != 36 {
			t.Fatal("not found")
		}
		if v, ok := GetBytes(hb, "session"); !ok || len(v) != 36 {
			t.Fatal("not found")
		}
		Scan(h, func(string, string) bool { return true })
	})
	if allocs != 0 {
		t.Fatalf("Get/GetBytes/Scan allocate %v times", allocs)
	}
}

func TestParseSetCookie(t *testing.T) {
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		line string
		want Cookie
	}{
		{"a=b", Cookie{Name: "a", Value: "b"}},
		{" a = b ", Cookie{Name: "a", Value: "b"}},
		{`a="b"`, Cookie{Name: "a", Value: `"b"`}},
		{"a=", Cookie{Name: "a"}},
		{"a=b=c; Path=/", Cookie{Name: "a", Value: "b=c", Path: "/"}},
		{"sid=x; Path=/app; Domain=.EXAMPLE.com; Expires=Wed, 02 Jan 2030 03:04:05 GMT; Max-Age=60; Secure; HttpOnly; SameSite=Strict; Partitioned",
			Cookie{Name: "sid", Value: "x", Path: "/app", Domain: "example.com", Expires: exp, MaxAge: 60,
				Secure: true, HttpOnly: true, SameSite: SameSiteStrict, Partitioned: true}},
		{"a=b; secure; HTTPONLY; samesite=lax", Cookie{Name: "a", Value: "b", Secure: true, HttpOnly: true, SameSite: SameSiteLax}},
		{"a=b; SameSite=None", Cookie{Name: "a", Value: "b", SameSite: SameSiteNone}},
		{"a=b; SameSite=bogus", Cookie{Name: "a", Value: "b"}},
		{"a=b; Max-Age=0", Cookie{Name: "a", Value: "b", MaxAge: -1}},
		{"a=b; Max-Age=-5", Cookie{Name: "a", Value: "b", MaxAge: -1}},
		{"a=b; Max-Age=99999999999999999999", Cookie{Name: "a", Value: "b", MaxAge: 1<<31 - 1}},
		{"a=b; Max-Age=1x", Cookie{Name: "a", Value: "b"}},
		{"a=b; Max-Age=", Cookie{Name: "a", Value: "b"}},
		{"a=b; Max-Age=-", Cookie{Name: "a", Value: "b"}},
		{"a=b; Path=relative", Cookie{Name: "a", Value: "b"}},
		{"a=b; Path=", Cookie{Name: "a", Value: "b"}},
		{"a=b; Domain=", Cookie{Name: "a", Value: "b"}},
		// Two leading dots: kept, so that Jar.Add ignores the cookie.
		{"a=b; Domain=..Example.com", Cookie{Name: "a", Value: "b", Domain: "..example.com"}},
		{"a=b; Domain=x.com; Domain=", Cookie{Name: "a", Value: "b", Domain: "x.com"}}, // an empty Domain is ignored
		{"a=b; Domain=x.com; Domain=y.com", Cookie{Name: "a", Value: "b", Domain: "y.com"}},
		{"a=b; Expires=never", Cookie{Name: "a", Value: "b"}},
		{"a=b; Unknown=1; ; =; Foo", Cookie{Name: "a", Value: "b"}},
		{"a=b; Path=/" + strings.Repeat("x", 1100), Cookie{Name: "a", Value: "b"}},
		{"a=b; Path=/x; Path=/y", Cookie{Name: "a", Value: "b", Path: "/y"}}, // last wins
		{"a=b; Path=/dog; Path=", Cookie{Name: "a", Value: "b"}},             // last wins: the default path
		{"a=b; Path=/dog; Path=cat", Cookie{Name: "a", Value: "b"}},
		// Names a user agent accepts though they are not tokens.
		{"@a=1", Cookie{Name: "@a", Value: "1"}},
		{"(a=1", Cookie{Name: "(a", Value: "1"}},
		{" foo bar =1", Cookie{Name: "foo bar", Value: "1"}},
		{"név=1", Cookie{Name: "név", Value: "1"}},
		{"a=b c", Cookie{Name: "a", Value: "b c"}},
	}
	for _, tt := range tests {
		got, err := ParseSetCookie(tt.line)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseSetCookie(%.60q) =\n %+v, %v\nwant\n %+v", tt.line, got, err, tt.want)
		}
	}
}

func TestParseSetCookieRejects(t *testing.T) {
	tests := []struct {
		line string
		want error
	}{
		{"", ErrInvalidName},
		{"novalue", ErrInvalidName},
		{"=b", ErrInvalidName},
		{"; a=b", ErrInvalidName},
		{" =b", ErrInvalidName},
		{"a\tb=c", ErrInvalidName},
		{"a=b\r\nSet-Cookie: c=d", ErrInvalidValue},
		{"a=\x00", ErrInvalidValue},
		{"a=b; Path=/\x7f", ErrInvalidValue},
		{"a=" + strings.Repeat("v", MaxCookieSize), ErrTooLarge},
	}
	for _, tt := range tests {
		c, err := ParseSetCookie(tt.line)
		if !errors.Is(err, tt.want) || c != (Cookie{}) {
			t.Errorf("ParseSetCookie(%.40q) = %+v, %v; want %v", tt.line, c, err, tt.want)
		}
	}
}

func TestParseCookieDate(t *testing.T) {
	want := time.Date(2021, 6, 9, 10, 18, 14, 0, time.UTC)
	good := []string{
		"Wed, 09 Jun 2021 10:18:14 GMT",
		"Wednesday, 09-Jun-21 10:18:14 GMT",
		"Wed Jun  9 10:18:14 2021",
		"Wed, 09-Jun-2021 10:18:14 GMT",
		"09 June 2021 10:18:14",
		"2021 jun 9 10:18:14",
		"10:18:14 9 JUNE 21",
		"Wed, 09 Jun 2021 10:18:14 GMT+0000 (garbage) 1999",
	}
	for _, s := range good {
		if got, ok := ParseCookieDate(s); !ok || !got.Equal(want) {
			t.Errorf("ParseCookieDate(%q) = %v, %v; want %v", s, got, ok, want)
		}
	}
	if got, _ := ParseCookieDate("01 Jan 70 00:00:00"); got.Year() != 1970 {
		t.Errorf("two-digit year 70 -> %d, want 1970", got.Year())
	}
	if got, _ := ParseCookieDate("01 Jan 69 00:00:00"); got.Year() != 2069 {
		t.Errorf("two-digit year 69 -> %d, want 2069", got.Year())
	}
	bad := []string{
		"", "garbage", "Wed, 09 Jun 2021", "09 Jun 2021 25:00:00", "09 Jun 2021 10:60:00",
		"32 Jun 2021 10:18:14", "31 Feb 2021 10:18:14", "00 Jun 2021 10:18:14", "09 Jun 1600 10:18:14",
		"09 Foo 2021 10:18:14", "123 Jun 2021 10:18:14", "09 Jun 20210 10:18:14", "09 Jun 2021 1:2",
		"09 Jun 2021 100:18:14",
	}
	for _, s := range bad {
		if got, ok := ParseCookieDate(s); ok {
			t.Errorf("ParseCookieDate(%q) = %v, want failure", s, got)
		}
	}
}

// What the Jar stores and sends, Scan reads back: the server side reads a
// cookie under the name the user agent side gave it, token or not.
func TestJarCookiesReadBack(t *testing.T) {
	for _, tt := range []struct{ setCookie, name, value string }{
		{"a=1", "a", "1"},
		{"@a=1", "@a", "1"},
		{" foo bar =x y, z", "foo bar", "x y, z"},
		{"név=é", "név", "é"},
		{`q="quoted"`, "q", "quoted"}, // sent with its quotes, read without
		{"e=", "e", ""},
	} {
		j := &Jar{}
		mustAdd(t, j, plain("example.com", "/"), tt.setCookie)
		header := j.CookieHeader(plain("example.com", "/"))
		if v, ok := Get(header, tt.name); !ok || v != tt.value {
			t.Errorf("Set-Cookie %q, sent as %q: Get(%q) = %q, %v; want %q", tt.setCookie, header, tt.name, v, ok, tt.value)
		}
	}
}
