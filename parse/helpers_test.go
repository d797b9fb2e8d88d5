package parse

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// outcome is everything a Parse run produced, in comparable form.
type outcome struct {
	n    int
	err  error
	req  map[string]string // nil unless the head was complete
	at   int               // length of the prefix that gave the final answer
	done bool              // false: still "need more" after the last byte
}

// viewOf renders every field of r as strings, so that outcomes can be
// compared after the buffer they point into is gone.
func viewOf(r *Request) map[string]string {
	str := func(b []byte) string {
		if b == nil {
			return "<nil>"
		}
		return string(b)
	}
	var hs []string
	for _, h := range r.Headers {
		hs = append(hs, string(h.Name)+": "+string(h.Value))
	}
	return map[string]string{
		"method":  str(r.Method),
		"target":  str(r.Target),
		"path":    str(r.Path),
		"query":   str(r.RawQuery),
		"host":    str(r.Host),
		"proto":   fmt.Sprintf("%d.%d", r.ProtoMajor, r.ProtoMinor),
		"headers": strings.Join(hs, "\n"),
		"cl":      fmt.Sprint(r.ContentLength),
		"ctype":   str(r.ContentType),
		"framing": [...]string{"none", "length", "chunked"}[r.Framing],
		"ka":      fmt.Sprint(r.KeepAlive),
		"expect":  fmt.Sprint(r.ExpectContinue),
	}
}

// parsePieces feeds in to a fresh Parser as a growing prefix, the prefix
// growing by the given piece sizes (the last piece stretched to the end),
// and returns the first answer that is not "need more". req is used as is,
// so callers can pass a dirty one.
func parsePieces(t testing.TB, lim Limits, in []byte, pieces []int, req *Request) outcome {
	t.Helper()
	p := Parser{Limits: lim}
	end := 0
	for i := 0; end < len(in) || i == 0; i++ {
		if i < len(pieces) && end+pieces[i] < len(in) {
			end += pieces[i]
		} else {
			end = len(in)
		}
		prefix := in[:end:end] // no capacity beyond: reading past len would panic
		n, err := p.Parse(prefix, req)
		if n < 0 || n > len(prefix) {
			t.Fatalf("Parse returned n=%d for %d bytes", n, len(prefix))
		}
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || n != 0 {
				t.Fatalf("Parse returned n=%d, err=%v (%T): want n=0 and an *Error", n, err, err)
			}
			return outcome{err: err, at: end, done: true}
		}
		if n > 0 {
			return outcome{n: n, req: viewOf(req), at: end, done: true}
		}
	}
	return outcome{at: end}
}

// splitPlans returns the ways every test feeds an input: whole, one byte at
// a time, and several random splits (reproducible: seeded by name).
func splitPlans(name string, size int) map[string][]int {
	plans := map[string][]int{"whole": nil}
	ones := make([]int, size)
	for i := range ones {
		ones[i] = 1
	}
	plans["bytewise"] = ones
	h := fnv.New64a()
	h.Write([]byte(name))
	rng := rand.New(rand.NewPCG(h.Sum64(), 1))
	for k := range 4 {
		var pieces []int
		for sum := 0; sum < size; {
			n := 1 + rng.IntN(24)
			pieces = append(pieces, n)
			sum += n
		}
		plans[fmt.Sprintf("random%d", k)] = pieces
	}
	return plans
}

// parseAllWays runs in through every split plan and fails unless all agree.
// It returns the whole-input and the byte-at-a-time outcomes; the latter
// tells at which byte the answer came. The byte-at-a-time run also checks
// that success comes exactly when the head's last byte arrives.
func parseAllWays(t testing.TB, name string, lim Limits, in []byte) (whole, bytewise outcome) {
	t.Helper()
	plans := splitPlans(name, len(in))
	// Deterministic order: whole first.
	order := []string{"whole", "bytewise", "random0", "random1", "random2", "random3"}
	for _, plan := range order {
		// A dirty Request, left over from another parse, must not leak
		// into this one.
		req := &Request{}
		var warm Parser
		if _, err := warm.Parse([]byte("POST /old?x HTTP/1.0\r\nContent-Type: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"), req); err != nil {
			t.Fatal(err)
		}
		got := parsePieces(t, lim, in, plans[plan], req)
		if plan == "whole" {
			whole = got
			continue
		}
		if plan == "bytewise" {
			bytewise = got
			if got.n > 0 && got.at != got.n {
				t.Errorf("%s: head of %d bytes reported complete at byte %d", plan, got.n, got.at)
			}
		}
		if got.n != whole.n || got.err != whole.err || got.done != whole.done || !reflect.DeepEqual(got.req, whole.req) {
			t.Errorf("%s disagrees with whole:\n  %s: n=%d err=%v req=%v\n  whole: n=%d err=%v req=%v",
				plan, plan, got.n, got.err, got.req, whole.n, whole.err, whole.req)
		}
	}
	return whole, bytewise
}
