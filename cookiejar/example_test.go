package cookiejar_test

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/microframe/microframe/cookiejar"
)

func ExampleCookie_Format() {
	c := cookiejar.Cookie{
		Name: "theme", Value: "dark", Path: "/",
		Expires:  time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
		HttpOnly: true, SameSite: cookiejar.SameSiteLax,
	}
	line, err := c.Format()
	fmt.Println(line, err)

	// A value that would break the header is refused, not escaped.
	c.Value = "dark; Domain=evil.example"
	_, err = c.Format()
	fmt.Println(errors.Is(err, cookiejar.ErrInvalidValue))
	// Output:
	// theme=dark; Path=/; Expires=Tue, 01 Jan 2030 00:00:00 GMT; HttpOnly; SameSite=Lax <nil>
	// true
}

func ExampleGet() {
	header := `_ga=GA1.2.3; session="abc123"; broken; theme=dark`
	v, ok := cookiejar.Get(header, "session")
	fmt.Println(v, ok)
	for _, c := range cookiejar.ParseCookieHeader(header) {
		fmt.Printf("%s=%s\n", c.Name, c.Value)
	}
	// Output:
	// abc123 true
	// _ga=GA1.2.3
	// session=abc123
	// theme=dark
}

func ExampleParseSetCookie() {
	c, err := cookiejar.ParseSetCookie("id=42; Domain=.Example.com; Max-Age=3600; Secure; SameSite=strict; Foo=bar")
	fmt.Printf("%s=%s domain=%s max-age=%d secure=%v samesite=%v err=%v\n",
		c.Name, c.Value, c.Domain, c.MaxAge, c.Secure, c.SameSite, err)
	// Output:
	// id=42 domain=example.com max-age=3600 secure=true samesite=Strict err=<nil>
}

func ExampleSigner() {
	// Keys are random bytes in real use; the first one signs.
	newKey, oldKey := []byte(strings.Repeat("n", 32)), []byte(strings.Repeat("o", 32))
	old, _ := cookiejar.NewSigner(oldKey)
	signedLastYear, _ := old.Encode("prefs", "lang=en")

	s, _ := cookiejar.NewSigner(newKey, oldKey) // rotated
	fmt.Println(s.Decode("prefs", signedLastYear))
	fmt.Println(s.Decode("prefs", strings.Replace(signedLastYear, "bGFuZz1lbg", "bGFuZz1mcg", 1))) // "lang=fr"
	fmt.Println(s.Decode("other", signedLastYear))
	// Output:
	// lang=en true
	//  false
	//  false
}

func ExampleSealer() {
	s, _ := cookiejar.NewSealer([]byte(strings.Repeat("k", 32)))
	sealed, _ := s.Encode("cart", "item=7,qty=2")
	fmt.Println(strings.Contains(sealed, "item"))
	fmt.Println(s.Decode("cart", sealed))
	// Output:
	// false
	// item=7,qty=2 true
}

func ExampleJar() {
	var jar cookiejar.Jar // ready to use, safe for many goroutines
	login := cookiejar.Target{Host: "www.example.com", Path: "/login", Secure: true}
	_ = jar.AddSetCookie(login, "sid=abc; Path=/; Secure; HttpOnly")
	_ = jar.AddSetCookie(login, "lang=en; Domain=example.com; Path=/")
	err := jar.AddSetCookie(login, "x=1; Domain=evil.example")
	fmt.Println(errors.Is(err, cookiejar.ErrDomainMismatch))

	fmt.Println(jar.CookieHeader(cookiejar.Target{Host: "www.example.com", Path: "/cart", Secure: true}))
	fmt.Println(jar.CookieHeader(cookiejar.Target{Host: "www.example.com", Path: "/cart"}))
	fmt.Println(jar.CookieHeader(cookiejar.Target{Host: "api.example.com", Path: "/", Secure: true}))
	// Output:
	// true
	// sid=abc; lang=en
	// lang=en
	// lang=en
}
