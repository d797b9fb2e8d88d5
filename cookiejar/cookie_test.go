package cookiejar

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestFormat(t *testing.T) {
	exp := time.Date(2030, 5, 6, 7, 8, 9, 0, time.FixedZone("X", 3600))
	tests := []struct {
		name string
		c    Cookie
		want string
	}{
		{"minimal", Cookie{Name: "a", Value: "b"}, "a=b"},
		{"empty value", Cookie{Name: "a"}, "a="},
		{"quoted value", Cookie{Name: "a", Value: `"bc"`}, `a="bc"`},
		{"every attribute", Cookie{
			Name: "sid", Value: "x1", Path: "/app", Domain: ".Example.com", Expires: exp, MaxAge: 60,
			Secure: true, HttpOnly: true, SameSite: SameSiteNone, Partitioned: true,
		}, "sid=x1; Path=/app; Domain=Example.com; Expires=Mon, 06 May 2030 06:08:09 GMT; Max-Age=60; Secure; HttpOnly; SameSite=None; Partitioned"},
		{"delete", Cookie{Name: "a", MaxAge: -1}, "a=; Max-Age=0"},
		{"lax", Cookie{Name: "a", SameSite: SameSiteLax}, "a=; SameSite=Lax"},
		{"strict", Cookie{Name: "a", SameSite: SameSiteStrict}, "a=; SameSite=Strict"},
		{"host prefix", Cookie{Name: "__Host-id", Value: "1", Path: "/", Secure: true}, "__Host-id=1; Path=/; Secure"},
		{"secure prefix", Cookie{Name: "__Secure-id", Value: "1", Domain: "a.b", Secure: true}, "__Secure-id=1; Domain=a.b; Secure"},
		{"ip domain", Cookie{Name: "a", Domain: "127.0.0.1"}, "a=; Domain=127.0.0.1"},
		{"token chars", Cookie{Name: "!#$%&'*+-.^_`|~09azAZ", Value: "!#$%&'()*+-./09:<=>?@AZ[]^_`az{|}~"},
			"!#$%&'*+-.^_`|~09azAZ=!#$%&'()*+-./09:<=>?@AZ[]^_`az{|}~"},
		{"max size", Cookie{Name: "n", Value: strings.Repeat("v", MaxCookieSize-1)}, "n=" + strings.Repeat("v", MaxCookieSize-1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.c.Format()
			if err != nil || got != tt.want {
				t.Fatalf("Format = %q, %v\nwant   %q", got, err, tt.want)
			}
		})
	}
}

func TestFormatRefuses(t *testing.T) {
	tests := []struct {
		name string
		c    Cookie
		want error
	}{
		{"empty name", Cookie{Value: "v"}, ErrInvalidName},
		{"space in name", Cookie{Name: "a b"}, ErrInvalidName},
		{"equals in name", Cookie{Name: "a=b"}, ErrInvalidName},
		{"semicolon in name", Cookie{Name: "a;b"}, ErrInvalidName},
		{"non-ASCII name", Cookie{Name: "né"}, ErrInvalidName},
		{"CRLF in value", Cookie{Name: "a", Value: "x\r\nSet-Cookie: evil=1"}, ErrInvalidValue},
		{"semicolon in value", Cookie{Name: "a", Value: "x; Domain=evil.com"}, ErrInvalidValue},
		{"space in value", Cookie{Name: "a", Value: "x y"}, ErrInvalidValue},
		{"comma in value", Cookie{Name: "a", Value: "x,y"}, ErrInvalidValue},
		{"backslash in value", Cookie{Name: "a", Value: `x\y`}, ErrInvalidValue},
		{"inner quote", Cookie{Name: "a", Value: `x"y`}, ErrInvalidValue},
		{"lone quote", Cookie{Name: "a", Value: `"`}, ErrInvalidValue},
		{"NUL in value", Cookie{Name: "a", Value: "\x00"}, ErrInvalidValue},
		{"UTF-8 in value", Cookie{Name: "a", Value: "é"}, ErrInvalidValue},
		{"too large", Cookie{Name: "n", Value: strings.Repeat("v", MaxCookieSize)}, ErrTooLarge},
		{"relative path", Cookie{Name: "a", Path: "app"}, ErrInvalidPath},
		{"semicolon in path", Cookie{Name: "a", Path: "/a;Secure"}, ErrInvalidPath},
		{"CR in path", Cookie{Name: "a", Path: "/a\r"}, ErrInvalidPath},
		{"trailing space in path", Cookie{Name: "a", Path: "/a "}, ErrInvalidPath},
		{"path over 1024 bytes", Cookie{Name: "a", Path: "/" + strings.Repeat("p", 1024)}, ErrInvalidPath},
		{"bad domain", Cookie{Name: "a", Domain: "exa mple.com"}, ErrInvalidDomain},
		{"domain with port", Cookie{Name: "a", Domain: "example.com:80"}, ErrInvalidDomain},
		{"empty label", Cookie{Name: "a", Domain: "a..b"}, ErrInvalidDomain},
		{"dash label", Cookie{Name: "a", Domain: "-a.b"}, ErrInvalidDomain},
		{"ipv6 domain", Cookie{Name: "a", Domain: "::1"}, ErrInvalidDomain},
		{"long label", Cookie{Name: "a", Domain: strings.Repeat("x", 64) + ".com"}, ErrInvalidDomain},
		{"ancient expiry", Cookie{Name: "a", Expires: time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC)}, ErrInvalidExpires},
		{"far expiry", Cookie{Name: "a", Expires: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, ErrInvalidExpires},
		{"SameSite=None insecure", Cookie{Name: "a", SameSite: SameSiteNone}, ErrNeedsSecure},
		{"Partitioned insecure", Cookie{Name: "a", Partitioned: true}, ErrNeedsSecure},
		{"__Secure- insecure", Cookie{Name: "__Secure-a"}, ErrNeedsSecure},
		{"__host- insecure (any case)", Cookie{Name: "__host-a", Path: "/"}, ErrNeedsSecure},
		{"__Host- with domain", Cookie{Name: "__Host-a", Path: "/", Domain: "a.com", Secure: true}, ErrHostPrefix},
		{"__Host- without path", Cookie{Name: "__Host-a", Secure: true}, ErrHostPrefix},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := []byte("keep")
			got, err := tt.c.AppendFormat(dst)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if string(got) != "keep" {
				t.Fatalf("AppendFormat changed dst on error: %q", got)
			}
			if !strings.Contains(err.Error(), "cookie ") {
				t.Errorf("error %q does not name the cookie", err)
			}
			if s, err := tt.c.Format(); s != "" || err == nil {
				t.Fatalf("Format = %q, %v", s, err)
			}
		})
	}
}

func TestAppendFormatAllocs(t *testing.T) {
	c := Cookie{Name: "session", Value: "6ba7b810-9dad-41d1-80b4-00c04fd430c8", Path: "/",
		Expires: time.Now().Add(time.Hour), MaxAge: 3600, HttpOnly: true, SameSite: SameSiteLax}
	buf := make([]byte, 0, 256)
	allocs := testing.AllocsPerRun(1000, func() {
		var err error
		if buf, err = c.AppendFormat(buf[:0]); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("AppendFormat allocates %v times", allocs)
	}
}

func TestSameSiteString(t *testing.T) {
	for s, want := range map[SameSite]string{SameSiteDefault: "", SameSiteLax: "Lax", SameSiteStrict: "Strict", SameSiteNone: "None", 99: ""} {
		if s.String() != want {
			t.Errorf("%d.String() = %q, want %q", s, s.String(), want)
		}
	}
}
