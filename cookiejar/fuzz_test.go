package cookiejar

import (
	"strings"
	"testing"
	"time"
)

func FuzzParseCookieHeader(f *testing.F) {
	for _, s := range []string{"a=1; b=2", `a="x"; junk; =; b=c=d`, "\x00;\xff=\x7f", " a = b ;; c=\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		cookies := ParseCookieHeader(header)
		seen := map[string]bool{}
		for _, c := range cookies {
			isCTL := func(r rune) bool { return r < 0x20 || r == 0x7f }
			if c.Name == "" || strings.ContainsAny(c.Name, "=;") || strings.IndexFunc(c.Name, isCTL) >= 0 ||
				strings.Trim(c.Name, " \t") != c.Name {
				t.Fatalf("name %q is empty, untrimmed or holds a forbidden byte", c.Name)
			}
			if strings.ContainsAny(c.Value, ";\x00\r\n\x7f") {
				t.Fatalf("value %q holds a forbidden byte", c.Value)
			}
			// Get agrees with the first pair of each name.
			if !seen[c.Name] {
				seen[c.Name] = true
				if v, ok := Get(header, c.Name); !ok || v != c.Value {
					t.Fatalf("Get(%q) = %q, %v; ParseCookieHeader says %q", c.Name, v, ok, c.Value)
				}
				if v, ok := GetBytes([]byte(header), c.Name); !ok || string(v) != c.Value {
					t.Fatalf("GetBytes(%q) = %q, %v", c.Name, v, ok)
				}
			}
		}
	})
}

func FuzzParseSetCookie(f *testing.F) {
	for _, s := range []string{
		"a=b; Path=/; Domain=.x.com; Expires=Wed, 09 Jun 2021 10:18:14 GMT; Max-Age=5; Secure; HttpOnly; SameSite=Lax; Partitioned",
		"a", "=", "a=b; max-age=-1", "a=b; expires=1 jan 99 1:2:3",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		c, err := ParseSetCookie(line)
		if err != nil {
			return
		}
		// What parses and is valid formats and parses back to itself.
		if c.Validate() != nil {
			return
		}
		out, err := c.Format()
		if err != nil {
			t.Fatalf("Validate accepted but Format failed: %v", err)
		}
		again, err := ParseSetCookie(out)
		if err != nil {
			t.Fatalf("re-parse of %q: %v", out, err)
		}
		if again != c {
			t.Fatalf("round trip changed the cookie:\n %+v\n %+v", c, again)
		}
	})
}

func FuzzFormat(f *testing.F) {
	f.Add("sid", "v", "/", "example.com", int64(1893456000), 60, true, true, uint8(1), false)
	f.Add("a", "\"q\"", "", "", int64(0), -1, false, false, uint8(0), false)
	f.Fuzz(func(t *testing.T, name, value, path, domain string, unix int64, maxAge int, secure, httpOnly bool, sameSite uint8, partitioned bool) {
		c := Cookie{Name: name, Value: value, Path: path, Domain: domain, MaxAge: maxAge,
			Secure: secure, HttpOnly: httpOnly, SameSite: SameSite(sameSite % 4), Partitioned: partitioned}
		if unix != 0 {
			c.Expires = time.Unix(unix%(1<<40), 0)
		}
		out, err := c.Format()
		if err != nil {
			return
		}
		if strings.ContainsAny(out, "\r\n\x00") {
			t.Fatalf("Format emitted a control byte: %q", out)
		}
		got, err := ParseSetCookie(out)
		if err != nil {
			t.Fatalf("Format wrote %q, which does not parse: %v", out, err)
		}
		want := c
		want.Domain = strings.ToLower(strings.TrimPrefix(c.Domain, "."))
		if !c.Expires.IsZero() {
			want.Expires = c.Expires.UTC()
		}
		if c.MaxAge < 0 {
			want.MaxAge = -1
		} else if c.MaxAge > 1<<31-1 {
			want.MaxAge = 1<<31 - 1
		}
		if got != want {
			t.Fatalf("Format/Parse round trip:\n wrote %q\n got  %+v\n want %+v", out, got, want)
		}
	})
}

func FuzzParseCookieDate(f *testing.F) {
	f.Add("Wed, 09 Jun 2021 10:18:14 GMT")
	f.Add("1:1:1 1 jan 1601")
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParseCookieDate(s)
		if ok && (d.Year() < 1601 || d.Location() != time.UTC) {
			t.Fatalf("ParseCookieDate(%q) = %v", s, d)
		}
	})
}

func FuzzCodecDecode(f *testing.F) {
	signer, _ := NewSigner([]byte(strings.Repeat("k", 32)))
	sealer, _ := NewSealer([]byte(strings.Repeat("k", 32)))
	good, _ := signer.Encode("sid", "value")
	sealed, _ := sealer.Encode("sid", "value")
	f.Add(good)
	f.Add(sealed)
	f.Add("..")
	f.Fuzz(func(t *testing.T, s string) {
		// Only the exact strings Encode produced may decode.
		if v, ok := signer.Decode("sid", s); ok && (s != good || v != "value") {
			t.Fatalf("Signer accepted %q as %q", s, v)
		}
		// Sealing is randomised (and each fuzz worker process has its own
		// seal of the seed), so only the plaintext can be checked.
		if v, ok := sealer.Decode("sid", s); ok && v != "value" {
			t.Fatalf("Sealer accepted %q as %q", s, v)
		}
	})
}
