package cookiejar

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"hash"
	"strings"
	"sync"
)

// Codec protects cookie values: Encode turns a value into a cookie value
// that the client cannot forge (and, depending on the Codec, cannot read);
// Decode reverses it. The cookie's name is bound into the protection, so a
// value made for one cookie does not decode as another.
//
// Implementations are safe for concurrent use.
type Codec interface {
	// Encode returns the protected form of value, made only of cookie-octets
	// (it can be used as Cookie.Value as is). It fails only if the system's
	// random source fails.
	Encode(name, value string) (string, error)
	// Decode returns the value that Encode protected. ok is false for
	// anything Encode did not produce with one of the Codec's keys for this
	// name: a tampered, truncated, foreign or malformed value reads as
	// absent. Decode never panics.
	Decode(name, encoded string) (value string, ok bool)
}

// Key errors of NewSigner and NewSealer.
var (
	// ErrNoKeys: the key list is empty.
	ErrNoKeys = errors.New("cookiejar: no keys given")
	// ErrBadKey: a key is too short (Signer) or not 16, 24 or 32 bytes
	// (Sealer).
	ErrBadKey = errors.New("cookiejar: key has the wrong length")
	// ErrDupKeys: the same key appears twice, which is always a
	// configuration mistake during rotation.
	ErrDupKeys = errors.New("cookiejar: the same key is given twice")
)

// MinSignerKey is the shortest key NewSigner accepts: 32 bytes, the output
// size of SHA-256.
const MinSignerKey = 32

// maxEncoded bounds the input of Decode, so hostile cookies cost little.
const maxEncoded = 2 * MaxCookieSize

// b64 is the cookie-safe base64 alphabet, without padding.
var b64 = base64.RawURLEncoding.Strict()

// Signer is a Codec that authenticates values with HMAC-SHA256: the client
// can read a signed value (it is base64url, not encrypted) but cannot change
// it. An encoded value is base64url(value) "." base64url(mac), where the MAC
// covers the cookie name, a zero byte and the value.
//
// Keys rotate: Encode signs with the first key; Decode accepts a value
// signed with any of them. To rotate, put the new key first and keep the
// old one for as long as cookies signed with it should stay valid.
type Signer struct {
	pools []sync.Pool // one pool of *macState per key
}

// macState is a reusable HMAC with a scratch buffer for its input.
type macState struct {
	h   hash.Hash
	buf []byte
}

// NewSigner returns a Signer for keys, the first of which signs. Keys must
// be random and at least MinSignerKey bytes long. It returns ErrNoKeys,
// ErrBadKey or ErrDupKeys if the keys are unusable.
func NewSigner(keys ...[]byte) (*Signer, error) {
	if err := checkKeys(keys, func(k []byte) bool { return len(k) >= MinSignerKey }); err != nil {
		return nil, err
	}
	s := &Signer{pools: make([]sync.Pool, len(keys))}
	for i, k := range keys {
		k := append([]byte(nil), k...)
		s.pools[i].New = func() any { return &macState{h: hmac.New(sha256.New, k)} }
	}
	return s, nil
}

// checkKeys validates a key list.
func checkKeys(keys [][]byte, good func([]byte) bool) error {
	if len(keys) == 0 {
		return ErrNoKeys
	}
	for i, k := range keys {
		if !good(k) {
			return ErrBadKey
		}
		for _, prev := range keys[:i] {
			if hmac.Equal(prev, k) {
				return ErrDupKeys
			}
		}
	}
	return nil
}

// mac appends the MAC of name, a zero byte and value under key i to dst.
func (s *Signer) mac(dst []byte, i int, name string, value []byte) []byte {
	m := s.pools[i].Get().(*macState)
	m.buf = append(append(append(m.buf[:0], name...), 0), value...)
	m.h.Reset()
	m.h.Write(m.buf)
	dst = m.h.Sum(dst)
	if cap(m.buf) <= maxEncoded {
		s.pools[i].Put(m)
	}
	return dst
}

// Encode signs value for the cookie called name. It never fails.
func (s *Signer) Encode(name, value string) (string, error) {
	var sum [sha256.Size]byte
	mac := s.mac(sum[:0], 0, name, []byte(value))
	n := b64.EncodedLen(len(value))
	out := make([]byte, n+1+b64.EncodedLen(len(mac)))
	b64.Encode(out, []byte(value))
	out[n] = '.'
	b64.Encode(out[n+1:], mac)
	return string(out), nil
}

// Decode verifies encoded against every key and returns the value if one
// matches. The comparison takes constant time.
func (s *Signer) Decode(name, encoded string) (string, bool) {
	if len(encoded) > maxEncoded {
		return "", false
	}
	dot := strings.LastIndexByte(encoded, '.')
	if dot < 0 {
		return "", false
	}
	var sum [sha256.Size]byte
	if b64.DecodedLen(len(encoded)-dot-1) != len(sum) {
		return "", false
	}
	if n, err := b64.Decode(sum[:], []byte(encoded[dot+1:])); err != nil || n != len(sum) {
		return "", false
	}
	var buf [128]byte
	value := buf[:0]
	if n := b64.DecodedLen(dot); n > len(buf) {
		value = make([]byte, 0, n)
	}
	value, err := b64.AppendDecode(value, []byte(encoded[:dot]))
	if err != nil {
		return "", false
	}
	var want [sha256.Size]byte
	for i := range s.pools {
		if hmac.Equal(s.mac(want[:0], i, name, value), sum[:]) {
			return string(value), true
		}
	}
	return "", false
}

// Sealer is a Codec that encrypts and authenticates values with AES-GCM:
// the client can neither read nor change them. An encoded value is the
// base64url of a random 96-bit nonce, the ciphertext and the 128-bit tag;
// the cookie name is the additional authenticated data.
//
// Keys rotate as for Signer. Because nonces are random, one key should
// seal fewer than 2^32 values; rotate long before that.
type Sealer struct {
	aeads []cipher.AEAD
}

// NewSealer returns a Sealer for keys, the first of which encrypts. Keys
// must be random and 16, 24 or 32 bytes long (AES-128, AES-192, AES-256).
// It returns ErrNoKeys, ErrBadKey or ErrDupKeys if the keys are unusable.
func NewSealer(keys ...[]byte) (*Sealer, error) {
	if err := checkKeys(keys, func(k []byte) bool { return len(k) == 16 || len(k) == 24 || len(k) == 32 }); err != nil {
		return nil, err
	}
	s := &Sealer{aeads: make([]cipher.AEAD, len(keys))}
	for i, k := range keys {
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, err
		}
		if s.aeads[i], err = cipher.NewGCMWithRandomNonce(block); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Encode encrypts value for the cookie called name. It fails only if the
// system's random source fails (in which case crypto/rand panics).
func (s *Sealer) Encode(name, value string) (string, error) {
	sealed := s.aeads[0].Seal(nil, nil, []byte(value), []byte(name))
	return b64.EncodeToString(sealed), nil
}

// Decode decrypts encoded with each key in turn and returns the value if
// one authenticates it.
func (s *Sealer) Decode(name, encoded string) (string, bool) {
	if len(encoded) > maxEncoded {
		return "", false
	}
	sealed, err := b64.DecodeString(encoded)
	if err != nil || len(sealed) < s.aeads[0].Overhead() {
		return "", false
	}
	for _, aead := range s.aeads {
		if plain, err := aead.Open(nil, nil, sealed, []byte(name)); err == nil {
			return string(plain), true
		}
	}
	return "", false
}
