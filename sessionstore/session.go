package sessionstore

import (
	"encoding/binary"
	"errors"
	"iter"
	"maps"
	"slices"
	"strconv"
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

	values map[string]string
	// shared reports that values is also referenced by a stored snapshot
	// and must be copied before the first write (copy-on-write).
	shared bool
}

// Lookup returns the value stored under key and whether there was one.
func (s *Session) Lookup(key string) (value string, ok bool) {
	value, ok = s.values[key]
	return value, ok
}

// GetString returns the value stored under key, or "" if there is none.
func (s *Session) GetString(key string) string {
	return s.values[key]
}

// GetInt returns the value stored under key as an integer. It returns 0 if
// there is no value or the value is not a base-10 int64 (as PutInt writes).
func (s *Session) GetInt(key string) int64 {
	n, err := strconv.ParseInt(s.values[key], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// GetBool returns true if the value stored under key is "true" (as PutBool
// writes) and false otherwise.
func (s *Session) GetBool(key string) bool {
	return s.values[key] == "true"
}

// PutString stores value under key, replacing any previous value.
func (s *Session) PutString(key, value string) {
	s.writable()
	s.values[key] = value
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
	if _, ok := s.values[key]; !ok {
		return
	}
	s.writable()
	delete(s.values, key)
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
	return slices.Sorted(maps.Keys(s.values))
}

// All returns an iterator over the key/value pairs, in no particular order.
// The session must not be changed during the iteration.
func (s *Session) All() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for k, v := range s.values {
			if !yield(k, v) {
				return
			}
		}
	}
}

// Clone returns a deep copy of s that shares nothing with it.
func (s *Session) Clone() *Session {
	return &Session{Created: s.Created, Expires: s.Expires, values: maps.Clone(s.values)}
}

// cow returns a copy of s that shares its values map until the copy's first
// write. s itself is left untouched, so s may be a snapshot that other
// goroutines are reading.
func (s *Session) cow() *Session {
	return &Session{Created: s.Created, Expires: s.Expires, values: s.values, shared: true}
}

// writable makes s.values safe to write.
func (s *Session) writable() {
	if s.shared {
		s.values = maps.Clone(s.values)
		s.shared = false
	}
	if s.values == nil {
		s.values = make(map[string]string)
	}
}

// expired reports whether s is dead at now.
func (s *Session) expired(now time.Time) bool {
	return !s.Expires.After(now)
}

// Binary encoding, for stores that keep sessions as bytes:
//
//	version   byte (1)
//	created   varint, Unix nanoseconds (0 for the zero time)
//	expires   varint, Unix nanoseconds (0 for the zero time)
//	count     uvarint
//	count × { key uvarint length + bytes, value uvarint length + bytes }
//
// Pairs are written in sorted key order, so equal sessions encode equally.
const encodingVersion = 1

// ErrBadEncoding is returned by UnmarshalBinary for bytes that MarshalBinary
// did not produce.
var ErrBadEncoding = errors.New("sessionstore: malformed session encoding")

// MarshalBinary encodes s (its values and both timestamps, to the
// nanosecond, without location or monotonic reading). It never fails.
func (s *Session) MarshalBinary() ([]byte, error) {
	n := 1 + 3*binary.MaxVarintLen64
	for k, v := range s.values {
		n += 2*binary.MaxVarintLen64 + len(k) + len(v)
	}
	b := make([]byte, 0, n)
	b = append(b, encodingVersion)
	b = binary.AppendVarint(b, unixNano(s.Created))
	b = binary.AppendVarint(b, unixNano(s.Expires))
	b = binary.AppendUvarint(b, uint64(len(s.values)))
	for _, k := range s.Keys() {
		v := s.values[k]
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	return b, nil
}

// UnmarshalBinary replaces the contents of s with the session encoded in
// data. On error (ErrBadEncoding) s is left unchanged.
func (s *Session) UnmarshalBinary(data []byte) error {
	if len(data) == 0 || data[0] != encodingVersion {
		return ErrBadEncoding
	}
	d := decoder{b: data[1:]}
	created, expires := d.varint(), d.varint()
	count := d.uvarint()
	// Each pair takes at least two bytes, which bounds count by the input
	// size before anything is allocated.
	if d.bad || count > uint64(len(d.b))/2 {
		return ErrBadEncoding
	}
	var values map[string]string
	if count > 0 {
		values = make(map[string]string, count)
	}
	for range count {
		k, v := d.str(), d.str()
		if d.bad {
			return ErrBadEncoding
		}
		if _, dup := values[k]; dup {
			return ErrBadEncoding
		}
		values[k] = v
	}
	if len(d.b) != 0 {
		return ErrBadEncoding
	}
	*s = Session{Created: fromUnixNano(created), Expires: fromUnixNano(expires), values: values}
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
