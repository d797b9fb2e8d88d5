package sessionstore

import (
	"encoding/binary"
	"errors"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Session is the server-side data of one session: a set of string values
// under string keys, plus two timestamps. The zero Session is empty and ready
// to use.
//
// Values are strings so that every backend can store them (a string may hold
// any bytes); the typed helpers convert. A Session is not safe for
// concurrent use: a *Session from [Store.Get] is a read-only snapshot, and
// the one passed to an [Store.Update] callback is private to that call.
type Session struct {
	// Created is when the session was first stored. The absolute lifetime
	// counts from it; Renew keeps it.
	Created time.Time
	// Expires is when the store forgets the session. The Manager moves it
	// forward on use (idle timeout) but never past Created plus the absolute
	// lifetime.
	Expires time.Time
	// Renewed reports that the session has been moved to a new id by
	// [Store.Renew] at least once: in practice, that its user logged in
	// ([Handle.Renew] is called on login). Stores set it in Renew and keep
	// it through Update and the binary encoding. A store that must make
	// room evicts only sessions without it (see [Store]), and the Manager
	// may give sessions without it a shorter idle timeout
	// ([Manager.AnonymousIdleTimeout]).
	Renewed bool

	// values is sorted by key. Sessions hold a handful of values, for which
	// a sorted slice beats a map: a copy is one allocation, a lookup a few
	// comparisons, and the order is already the one Keys and MarshalBinary
	// need.
	values []pair
	// shared reports that values is also referenced by a stored snapshot
	// and must be copied before the first write (copy-on-write).
	shared bool
}

// pair is one value of a Session.
type pair struct{ key, value string }

// find returns the index of key in s.values, or where it would go.
func (s *Session) find(key string) (int, bool) {
	return slices.BinarySearchFunc(s.values, key, func(p pair, k string) int { return strings.Compare(p.key, k) })
}

// Lookup returns the value stored under key and whether there was one.
func (s *Session) Lookup(key string) (value string, ok bool) {
	if i, ok := s.find(key); ok {
		return s.values[i].value, true
	}
	return "", false
}

// GetString returns the value stored under key, or "" if there is none.
func (s *Session) GetString(key string) string {
	v, _ := s.Lookup(key)
	return v
}

// GetInt returns the value stored under key as an integer. It returns 0 if
// there is no value or the value is not a base-10 int64 (as PutInt writes).
func (s *Session) GetInt(key string) int64 {
	n, err := strconv.ParseInt(s.GetString(key), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// GetBool returns true if the value stored under key is "true" (as PutBool
// writes) and false otherwise.
func (s *Session) GetBool(key string) bool {
	return s.GetString(key) == "true"
}

// PutString stores value under key, replacing any previous value.
func (s *Session) PutString(key, value string) {
	i, found := s.find(key)
	s.writable(1)
	if found {
		s.values[i].value = value
		return
	}
	s.values = slices.Insert(s.values, i, pair{key, value})
}

// PutInt stores n under key in base 10.
func (s *Session) PutInt(key string, n int64) {
	s.PutString(key, strconv.FormatInt(n, 10))
}

// PutBool stores "true" or "false" under key.
func (s *Session) PutBool(key string, b bool) {
	s.PutString(key, strconv.FormatBool(b))
}

// AddInt adds delta to the integer under key (0 if absent or not an integer)
// and returns the new value. Overflow wraps, as in Go arithmetic.
func (s *Session) AddInt(key string, delta int64) int64 {
	n := s.GetInt(key) + delta
	s.PutInt(key, n)
	return n
}

// Delete removes the value under key, if any.
func (s *Session) Delete(key string) {
	i, found := s.find(key)
	if !found {
		return
	}
	s.writable(0)
	s.values = slices.Delete(s.values, i, i+1)
}

// Clear removes every value. Created and Expires are kept.
func (s *Session) Clear() {
	s.values = nil
	s.shared = false
}

// Len returns the number of values.
func (s *Session) Len() int { return len(s.values) }

// Keys returns the keys in sorted order.
func (s *Session) Keys() []string {
	keys := make([]string, len(s.values))
	for i, p := range s.values {
		keys[i] = p.key
	}
	return keys
}

// All returns an iterator over the key/value pairs, in key order. The
// session must not be changed during the iteration.
func (s *Session) All() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for _, p := range s.values {
			if !yield(p.key, p.value) {
				return
			}
		}
	}
}

// Size returns the size of the session's data as counted against a
// store's per-session limit (see [CheckSize]): the total length of its
// keys and values, in bytes. Timestamps and the encoding's overhead are not
// counted.
func (s *Session) Size() int {
	n := 0
	for _, p := range s.values {
		n += len(p.key) + len(p.value)
	}
	return n
}

// Clone returns a deep copy of s that shares nothing with it.
func (s *Session) Clone() *Session {
	return &Session{Created: s.Created, Expires: s.Expires, Renewed: s.Renewed, values: slices.Clone(s.values)}
}

// cow returns a copy of s that shares its values until the copy's first
// write. s itself is left untouched, so s may be a snapshot that other
// goroutines are reading.
func (s *Session) cow() *Session {
	return &Session{Created: s.Created, Expires: s.Expires, Renewed: s.Renewed, values: s.values, shared: true}
}

// writable makes s.values safe to write, with room for grow more values.
func (s *Session) writable(grow int) {
	if s.shared {
		s.values = append(make([]pair, 0, len(s.values)+grow), s.values...)
		s.shared = false
	}
}

// expired reports whether s is dead at now.
func (s *Session) expired(now time.Time) bool {
	return !s.Expires.After(now)
}

// Binary encoding, for stores that keep sessions as bytes:
//
//	version   byte: 1, or 2 when a flags byte follows
//	flags     byte, only in version 2: 1 = Renewed (no other bit is defined)
//	created   varint, Unix nanoseconds (0 for the zero time)
//	expires   varint, Unix nanoseconds (0 for the zero time)
//	count     uvarint
//	count × { key uvarint length + bytes, value uvarint length + bytes }
//
// Pairs are in strictly increasing key order, and a session without flags is
// always written as version 1 (as before flags existed), so equal sessions
// encode equally and each encoding has one meaning.
const (
	encodingVersion      = 1
	encodingVersionFlags = 2
	flagRenewed          = 1
)

// ErrBadEncoding is returned by UnmarshalBinary for bytes that MarshalBinary
// did not produce.
var ErrBadEncoding = errors.New("sessionstore: malformed session encoding")

// MarshalBinary encodes s (its values, the Renewed marker and both
// timestamps, to the nanosecond, without location or monotonic reading). It
// never fails.
func (s *Session) MarshalBinary() ([]byte, error) {
	n := 2 + 3*binary.MaxVarintLen64
	for _, p := range s.values {
		n += 2*binary.MaxVarintLen64 + len(p.key) + len(p.value)
	}
	b := make([]byte, 0, n)
	if s.Renewed {
		b = append(b, encodingVersionFlags, flagRenewed)
	} else {
		b = append(b, encodingVersion)
	}
	b = binary.AppendVarint(b, unixNano(s.Created))
	b = binary.AppendVarint(b, unixNano(s.Expires))
	b = binary.AppendUvarint(b, uint64(len(s.values)))
	for _, p := range s.values {
		b = binary.AppendUvarint(b, uint64(len(p.key)))
		b = append(b, p.key...)
		b = binary.AppendUvarint(b, uint64(len(p.value)))
		b = append(b, p.value...)
	}
	return b, nil
}

// UnmarshalBinary replaces the contents of s with the session encoded in
// data. On error (ErrBadEncoding) s is left unchanged.
func (s *Session) UnmarshalBinary(data []byte) error {
	if len(data) == 0 {
		return ErrBadEncoding
	}
	renewed := false
	switch data[0] {
	case encodingVersion:
		data = data[1:]
	case encodingVersionFlags:
		// Version 2 exists only to carry a flag: without one, the session
		// is written as version 1.
		if len(data) < 2 || data[1] != flagRenewed {
			return ErrBadEncoding
		}
		renewed, data = true, data[2:]
	default:
		return ErrBadEncoding
	}
	d := decoder{b: data}
	created, expires := d.varint(), d.varint()
	count := d.uvarint()
	// Each pair takes at least two bytes, which bounds count by the input
	// size before anything is allocated.
	if d.bad || count > uint64(len(d.b))/2 {
		return ErrBadEncoding
	}
	var values []pair
	if count > 0 {
		values = make([]pair, 0, count)
	}
	for range count {
		k, v := d.str(), d.str()
		if d.bad {
			return ErrBadEncoding
		}
		// Keys must come in strictly increasing order, as MarshalBinary
		// writes them: no duplicates, one encoding per session.
		if len(values) > 0 && values[len(values)-1].key >= k {
			return ErrBadEncoding
		}
		values = append(values, pair{k, v})
	}
	if len(d.b) != 0 {
		return ErrBadEncoding
	}
	*s = Session{Created: fromUnixNano(created), Expires: fromUnixNano(expires), Renewed: renewed, values: values}
	return nil
}

// decoder reads the binary encoding; bad latches the first error.
type decoder struct {
	b   []byte
	bad bool
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) str() string {
	n := d.uvarint()
	if d.bad || n > uint64(len(d.b)) {
		d.bad = true
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}
