package sessionstore

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSessionTypedValues(t *testing.T) {
	tests := []struct {
		name    string
		put     func(*Session)
		key     string
		wantStr string
		wantInt int64
		wantOK  bool
		wantB   bool
	}{
		{"absent", func(*Session) {}, "k", "", 0, false, false},
		{"string", func(s *Session) { s.PutString("k", "hello") }, "k", "hello", 0, true, false},
		{"int", func(s *Session) { s.PutInt("k", -42) }, "k", "-42", -42, true, false},
		{"max int", func(s *Session) { s.PutInt("k", math.MaxInt64) }, "k", "9223372036854775807", math.MaxInt64, true, false},
		{"not an int", func(s *Session) { s.PutString("k", "12abc") }, "k", "12abc", 0, true, false},
		{"bool", func(s *Session) { s.PutBool("k", true) }, "k", "true", 0, true, true},
		{"bool false", func(s *Session) { s.PutBool("k", false) }, "k", "false", 0, true, false},
		{"deleted", func(s *Session) { s.PutString("k", "x"); s.Delete("k") }, "k", "", 0, false, false},
		{"add to absent", func(s *Session) { s.AddInt("k", 5) }, "k", "5", 5, true, false},
		{"add twice", func(s *Session) { s.AddInt("k", 5); s.AddInt("k", -7) }, "k", "-2", -2, true, false},
		{"empty key", func(s *Session) { s.PutString("", "v") }, "", "v", 0, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Session
			tt.put(&s)
			got, ok := s.Lookup(tt.key)
			if got != tt.wantStr || ok != tt.wantOK || s.GetString(tt.key) != tt.wantStr {
				t.Errorf("Lookup = %q, %v; want %q, %v", got, ok, tt.wantStr, tt.wantOK)
			}
			if n := s.GetInt(tt.key); n != tt.wantInt {
				t.Errorf("GetInt = %d, want %d", n, tt.wantInt)
			}
			if b := s.GetBool(tt.key); b != tt.wantB {
				t.Errorf("GetBool = %v, want %v", b, tt.wantB)
			}
		})
	}
}

func TestSessionKeysAllClear(t *testing.T) {
	var s Session
	for _, k := range []string{"b", "c", "a"} {
		s.PutString(k, k+k)
	}
	if got := s.Keys(); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("Keys = %v", got)
	}
	seen := map[string]string{}
	for k, v := range s.All() {
		seen[k] = v
		if len(seen) == 2 {
			break // early stop must be honoured
		}
	}
	if len(seen) != 2 {
		t.Fatalf("All yielded %d pairs before break, want 2", len(seen))
	}
	s.Clear()
	if s.Len() != 0 || s.Keys() != nil && len(s.Keys()) != 0 {
		t.Fatalf("after Clear: %v", s.Keys())
	}
}

// TestSessionCopyOnWrite checks that writes through a cow copy never reach
// the snapshot it came from, which other goroutines may be reading.
func TestSessionCopyOnWrite(t *testing.T) {
	snap := &Session{}
	snap.PutString("a", "1")
	snap.PutString("b", "2")
	for _, write := range []func(*Session){
		func(s *Session) { s.PutString("a", "changed") },
		func(s *Session) { s.PutString("new", "x") },
		func(s *Session) { s.Delete("b") },
		func(s *Session) { s.AddInt("a", 1) },
		func(s *Session) { s.Clear(); s.PutString("z", "z") },
	} {
		cp := snap.cow()
		write(cp)
		if snap.Len() != 2 || snap.GetString("a") != "1" || snap.GetString("b") != "2" {
			t.Fatalf("a write to the copy changed the snapshot: %v", snap.Keys())
		}
	}
	// Deleting an absent key does not need a copy.
	cp := snap.cow()
	cp.Delete("absent")
	if !cp.shared {
		t.Fatal("Delete of an absent key copied the map")
	}
	// Clone shares nothing.
	cl := snap.Clone()
	cl.PutString("a", "x")
	if snap.GetString("a") != "1" {
		t.Fatal("Clone shares its map")
	}
}

func TestSessionBinaryRoundTrip(t *testing.T) {
	tests := []*Session{
		{},
		{Created: time.Unix(1700000000, 123456789), Expires: time.Unix(1700003600, 1)},
		func() *Session {
			s := &Session{Created: time.Unix(1, 0), Expires: time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)}
			s.PutString("user", "ada")
			s.PutString("", "empty key")
			s.PutString("bin", "\x00\xff\n")
			s.PutInt("n", -1)
			return s
		}(),
		func() *Session {
			s := &Session{Created: time.Unix(2, 0), Expires: time.Unix(3, 0), Renewed: true}
			s.PutString("user", "ada")
			return s
		}(),
	}
	for i, in := range tests {
		b, err := in.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var out Session
		if err := out.UnmarshalBinary(b); err != nil {
			t.Fatalf("%d: UnmarshalBinary: %v", i, err)
		}
		if out.Renewed != in.Renewed {
			t.Errorf("%d: Renewed %v, want %v", i, out.Renewed, in.Renewed)
		}
		if !out.Created.Equal(in.Created) || !out.Expires.Equal(in.Expires) {
			t.Errorf("%d: times %v %v, want %v %v", i, out.Created, out.Expires, in.Created, in.Expires)
		}
		if !slices.Equal(out.Keys(), in.Keys()) {
			t.Errorf("%d: keys %v, want %v", i, out.Keys(), in.Keys())
		}
		for k, v := range in.All() {
			if out.GetString(k) != v {
				t.Errorf("%d: %q = %q, want %q", i, k, out.GetString(k), v)
			}
		}
		// Encoding is deterministic.
		b2, _ := out.MarshalBinary()
		if !bytes.Equal(b, b2) {
			t.Errorf("%d: re-encoding differs", i)
		}
	}
}

func TestSessionUnmarshalRejects(t *testing.T) {
	good, _ := (&Session{Expires: time.Unix(5, 0)}).MarshalBinary()
	one := &Session{}
	one.PutString("k", "v")
	withPair, _ := one.MarshalBinary()
	tests := map[string][]byte{
		"empty":          nil,
		"bad version":    {3, 0, 0, 0},
		"v2 flags 0":     {2, 0, 0, 0, 0},
		"v2 unknown bit": {2, 3, 0, 0, 0},
		"v2 truncated":   {2},
		"truncated":      good[:len(good)-1],
		"trailing bytes": append(append([]byte{}, good...), 0),
		"huge count":     {1, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"short string":   withPair[:len(withPair)-1],
		"duplicate key":  {1, 0, 0, 2, 1, 'k', 1, 'v', 1, 'k', 1, 'w'},
		"unsorted keys":  {1, 0, 0, 2, 1, 'b', 1, 'v', 1, 'a', 1, 'w'},
		"bad varint":     {1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	}
	for name, b := range tests {
		var s Session
		s.PutString("keep", "me")
		if err := s.UnmarshalBinary(b); !errors.Is(err, ErrBadEncoding) {
			t.Errorf("%s: err = %v, want ErrBadEncoding", name, err)
		}
		if s.GetString("keep") != "me" {
			t.Errorf("%s: a failed UnmarshalBinary changed the session", name)
		}
	}
}

func FuzzSessionUnmarshal(f *testing.F) {
	s := &Session{Created: time.Unix(10, 0), Expires: time.Unix(20, 0)}
	s.PutString("a", "b")
	b, _ := s.MarshalBinary()
	f.Add(b)
	f.Add([]byte{1, 0, 0, 0})
	f.Add([]byte{2, 1, 2, 4, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Session
		if err := s.UnmarshalBinary(data); err != nil {
			return
		}
		// Whatever decodes re-encodes to the same bytes (one encoding per
		// session), except for the zero time spelled differently.
		again, _ := s.MarshalBinary()
		var s2 Session
		if err := s2.UnmarshalBinary(again); err != nil {
			t.Fatalf("re-encoded session does not decode: %v", err)
		}
		if !slices.Equal(s.Keys(), s2.Keys()) || !s.Created.Equal(s2.Created) || !s.Expires.Equal(s2.Expires) || s.Renewed != s2.Renewed {
			t.Fatal("round trip changed the session")
		}
	})
}

func TestParseID(t *testing.T) {
	id, err := NewID()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ParseID(id); !ok {
		t.Fatalf("ParseID(NewID()) failed for %q", id)
	}
	for _, bad := range []string{
		"", "00000000-0000-0000-0000-000000000000", // not version 4
		"6ba7b810-9dad-11d1-80b4-00c04fd430c8", // version 1
		"6ba7b810-9dad-41d1-c0b4-00c04fd430c8", // wrong variant
		"6BA7B810-9DAD-41D1-80B4-00C04FD430C8", // uppercase
		"6ba7b810-9dad-41d1-80b4-00c04fd430c",  // short
		"6ba7b810-9dad-41d1-80b4-00c04fd430c8a",
		"6ba7b8109dad41d180b400c04fd430c8",
		"6ba7b810-9dad-41d1-80b4-00c04fd430cg",
		"6ba7b810+9dad-41d1-80b4-00c04fd430c8",
	} {
		if _, ok := ParseID(bad); ok {
			t.Errorf("ParseID(%q) accepted", bad)
		}
	}
	if _, ok := ParseID("6ba7b810-9dad-41d1-80b4-00c04fd430c8"); !ok {
		t.Error("ParseID rejected a valid v4 id")
	}
	allocs := testing.AllocsPerRun(100, func() { ParseID(id) })
	if allocs != 0 {
		t.Errorf("ParseID allocates %v", allocs)
	}
}

func TestSessionSizeAndCheckSize(t *testing.T) {
	s := &Session{}
	s.PutString("user", "ada") // 4 + 3
	s.PutString("n", "")       // 1
	if got := s.Size(); got != 8 {
		t.Fatalf("Size = %d, want 8", got)
	}
	big := &Session{}
	big.PutString("k", strings.Repeat("x", DefaultMaxSessionSize))
	tests := []struct {
		s     *Session
		limit int
		err   bool
	}{
		{s, 8, false},
		{s, 7, true},
		{s, -1, false},
		{big, 0, true}, // DefaultMaxSessionSize + 1
		{big, -1, false},
		{big, DefaultMaxSessionSize + 1, false},
	}
	for i, tt := range tests {
		err := CheckSize(tt.s, tt.limit)
		if tt.err != errors.Is(err, ErrSessionTooLarge) || !tt.err && err != nil {
			t.Errorf("%d: CheckSize(size %d, limit %d) = %v", i, tt.s.Size(), tt.limit, err)
		}
		if tt.err && !strings.Contains(err.Error(), strconv.Itoa(tt.s.Size())) {
			t.Errorf("%d: error %q does not give the size", i, err)
		}
	}
}
