package cookiejar

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

const benchHeader = "_ga=GA1.1.1234567890.1700000000; theme=dark; lang=en-GB; " +
	"session=6ba7b810-9dad-41d1-80b4-00c04fd430c8; csrf=Zm9vYmFyYmF6"

func BenchmarkGet(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := Get(benchHeader, "session"); !ok {
			b.Fatal("missing")
		}
	}
}

func BenchmarkParseCookieHeader(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if len(ParseCookieHeader(benchHeader)) != 5 {
			b.Fatal("wrong count")
		}
	}
}

func BenchmarkAppendFormat(b *testing.B) {
	c := Cookie{Name: "session", Value: "6ba7b810-9dad-41d1-80b4-00c04fd430c8", Path: "/",
		Expires: time.Now().Add(time.Hour), MaxAge: 3600, Secure: true, HttpOnly: true, SameSite: SameSiteLax}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = c.AppendFormat(buf[:0])
	}
}

func BenchmarkParseSetCookie(b *testing.B) {
	line := "session=6ba7b810-9dad-41d1-80b4-00c04fd430c8; Path=/; Expires=Wed, 09 Jun 2021 10:18:14 GMT; Max-Age=3600; Secure; HttpOnly; SameSite=Lax"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseSetCookie(line); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCodec(b *testing.B) {
	signer, _ := NewSigner([]byte(strings.Repeat("k", 32)), []byte(strings.Repeat("o", 32)))
	sealer, _ := NewSealer([]byte(strings.Repeat("k", 32)), []byte(strings.Repeat("o", 32)))
	for name, c := range map[string]Codec{"Signer": signer, "Sealer": sealer} {
		enc, _ := c.Encode("session", "6ba7b810-9dad-41d1-80b4-00c04fd430c8")
		b.Run(name+"/Encode", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = c.Encode("session", "6ba7b810-9dad-41d1-80b4-00c04fd430c8")
			}
		})
		b.Run(name+"/Decode", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := c.Decode("session", enc); !ok {
					b.Fatal("rejected")
				}
			}
		})
	}
}

// BenchmarkJarParallel is a load generator's pattern: every goroutine (a
// virtual user) builds Cookie headers and now and then stores a new cookie,
// all in one shared jar.
func BenchmarkJarParallel(b *testing.B) {
	var j Jar
	for i := range 20 {
		_ = j.AddSetCookie(Target{Host: fmt.Sprintf("h%d.example.com", i), Path: "/"}, "common=1; Domain=example.com")
		_ = j.AddSetCookie(Target{Host: fmt.Sprintf("h%d.example.com", i), Path: "/"}, fmt.Sprintf("own%d=1", i))
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		buf := make([]byte, 0, 256)
		to := Target{Host: "h3.example.com", Path: "/api/items"}
		n := 0
		for pb.Next() {
			n++
			if n%16 == 0 {
				_ = j.AddSetCookie(to, "seen=1; Path=/api")
			}
			buf = j.AppendCookieHeader(buf[:0], to)
		}
	})
}
