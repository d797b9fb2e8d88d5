package cookiejar

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
)

func key(c byte, n int) []byte { return bytes.Repeat([]byte{c}, n) }

// codecs returns a Signer and a Sealer over the same key list.
func codecs(t *testing.T, signKeys, sealKeys [][]byte) map[string]Codec {
	t.Helper()
	s, err := NewSigner(signKeys...)
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewSealer(sealKeys...)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]Codec{"Signer": s, "Sealer": e}
}

func TestCodecRoundTrip(t *testing.T) {
	for name, c := range codecs(t, [][]byte{key('a', 32)}, [][]byte{key('a', 32)}) {
		t.Run(name, func(t *testing.T) {
			for _, v := range []string{"", "6ba7b810-9dad-41d1-80b4-00c04fd430c8", "a b;c\"d\x00\xff", strings.Repeat("x", 3000)} {
				enc, err := c.Encode("sid", v)
				if err != nil {
					t.Fatal(err)
				}
				// The result is a valid cookie value as is.
				if err := (&Cookie{Name: "sid", Value: enc}).Validate(); err != nil && !errors.Is(err, ErrTooLarge) {
					t.Fatalf("Encode gave an invalid cookie value: %v", err)
				}
				if got, ok := c.Decode("sid", enc); !ok || got != v {
					t.Fatalf("Decode = %q, %v; want %q", got, ok, v)
				}
				// Bound to the cookie name.
				if _, ok := c.Decode("other", enc); ok {
					t.Fatal("value decoded under another cookie name")
				}
			}
		})
	}
}

func TestCodecTamper(t *testing.T) {
	for name, c := range codecs(t, [][]byte{key('a', 32)}, [][]byte{key('a', 16)}) {
		t.Run(name, func(t *testing.T) {
			enc, _ := c.Encode("sid", "user=ada")
			// Every single-byte change is detected.
			for i := range len(enc) {
				for _, r := range []byte{'A', '_', '-', '0', '.', '='} {
					if enc[i] == r {
						continue
					}
					bad := enc[:i] + string(r) + enc[i+1:]
					if v, ok := c.Decode("sid", bad); ok {
						t.Fatalf("tampered %q decoded to %q", bad, v)
					}
				}
			}
			for _, bad := range []string{"", ".", "..", enc[:len(enc)-1], enc + "A", enc[1:], "x" + enc,
				strings.Repeat("A", 20000), "not base64!", "user=ada"} {
				if v, ok := c.Decode("sid", bad); ok {
					t.Errorf("Decode(%.40q) = %q, accepted", bad, v)
				}
			}
		})
	}
}

func TestSignerForgeryByValueSwap(t *testing.T) {
	s, _ := NewSigner(key('k', 32))
	a, _ := s.Encode("sid", "alice")
	b, _ := s.Encode("sid", "bob")
	// Gluing alice's value to bob's MAC must fail.
	forged := a[:strings.IndexByte(a, '.')] + b[strings.IndexByte(b, '.'):]
	if _, ok := s.Decode("sid", forged); ok {
		t.Fatal("value/MAC swap accepted")
	}
	// The signed value is readable, not secret: base64url of the value.
	if !strings.HasPrefix(a, "YWxpY2U.") {
		t.Fatalf("signed form %q", a)
	}
}

func TestCodecKeyRotation(t *testing.T) {
	old, cur := codecs(t, [][]byte{key('o', 32)}, [][]byte{key('o', 32)}), codecs(t, [][]byte{key('n', 32), key('o', 32)}, [][]byte{key('n', 32), key('o', 32)})
	next := codecs(t, [][]byte{key('n', 32)}, [][]byte{key('n', 32)})
	for name := range old {
		t.Run(name, func(t *testing.T) {
			byOld, _ := old[name].Encode("sid", "v")
			byCur, _ := cur[name].Encode("sid", "v")
			if v, ok := cur[name].Decode("sid", byOld); !ok || v != "v" {
				t.Fatal("rotated codec rejects a value made with the old key")
			}
			if v, ok := next[name].Decode("sid", byCur); !ok || v != "v" {
				t.Fatal("the new key does not sign first")
			}
			if _, ok := next[name].Decode("sid", byOld); ok {
				t.Fatal("a retired key still verifies")
			}
		})
	}
}

func TestCodecKeys(t *testing.T) {
	tests := []struct {
		name string
		keys [][]byte
		sign error
		seal error
	}{
		{"none", nil, ErrNoKeys, ErrNoKeys},
		{"short", [][]byte{key('a', 15)}, ErrBadKey, ErrBadKey},
		{"16", [][]byte{key('a', 16)}, ErrBadKey, nil},
		{"32", [][]byte{key('a', 32)}, nil, nil},
		{"40", [][]byte{key('a', 40)}, nil, ErrBadKey},
		{"dup", [][]byte{key('a', 32), key('a', 32)}, ErrDupKeys, ErrDupKeys},
	}
	for _, tt := range tests {
		if _, err := NewSigner(tt.keys...); !errors.Is(err, tt.sign) {
			t.Errorf("%s: NewSigner err = %v, want %v", tt.name, err, tt.sign)
		}
		if _, err := NewSealer(tt.keys...); !errors.Is(err, tt.seal) {
			t.Errorf("%s: NewSealer err = %v, want %v", tt.name, err, tt.seal)
		}
	}
	// The Signer copies its keys: changing the caller's slice later has no
	// effect.
	k := key('a', 32)
	s, _ := NewSigner(k)
	enc, _ := s.Encode("n", "v")
	k[0] = 'b'
	if _, ok := s.Decode("n", enc); !ok {
		t.Fatal("Signer kept a reference to the caller's key")
	}
}

func TestSealerHidesValue(t *testing.T) {
	s, _ := NewSealer(key('k', 32))
	a, _ := s.Encode("sid", "secret-value")
	b, _ := s.Encode("sid", "secret-value")
	if a == b {
		t.Fatal("two encryptions of one value are equal (nonce reuse)")
	}
	if strings.Contains(a, "secret") {
		t.Fatal("plaintext visible")
	}
}

func TestCodecConcurrent(t *testing.T) {
	for name, c := range codecs(t, [][]byte{key('a', 32), key('b', 32)}, [][]byte{key('a', 32), key('b', 32)}) {
		t.Run(name, func(t *testing.T) {
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Go(func() {
					for i := range 200 {
						v := strings.Repeat("v", g+i%7)
						enc, _ := c.Encode("sid", v)
						if got, ok := c.Decode("sid", enc); !ok || got != v {
							t.Errorf("concurrent round trip failed: %q", got)
							return
						}
					}
				})
			}
			wg.Wait()
		})
	}
}
