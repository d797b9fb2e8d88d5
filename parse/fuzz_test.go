package parse

import (
	"fmt"
	"hash/fnv"
	"testing"
)

// smallLimits makes the fuzzers reach every limit with short inputs.
var smallLimits = Limits{MaxRequestLineBytes: 40, MaxHeaderBytes: 120, MaxHeaders: 4, MaxBodyBytes: 100, MaxChunkLineBytes: 24}

// maxFuzzInput caps fuzz inputs: each is run many ways, byte by byte
// included, and long ones slow the fuzzer (and its minimizer) to a crawl.
// The limits past this size are the table tests' business; smallLimits
// brings every limit within reach.
const maxFuzzInput = 1 << 10

// addSeeds adds the inputs that fit under maxFuzzInput.
func addSeeds(f *testing.F, inputs ...string) {
	for _, in := range inputs {
		if len(in) <= maxFuzzInput {
			f.Add([]byte(in))
		}
	}
}

// fuzzName names an input for splitPlans, so that its random splits are
// reproducible.
func fuzzName(data []byte) string {
	h := fnv.New64a()
	h.Write(data)
	return fmt.Sprint(h.Sum64())
}

// FuzzParse checks the parser's invariants on any input: no panic, n within
// the input, errors of type *Error, the same answer whole, byte by byte and
// in random splits, and a complete head that parses alone the same way.
func FuzzParse(f *testing.F) {
	for _, c := range parseCases {
		addSeeds(f, c.in+c.body)
	}
	addSeeds(f, browserGET)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzInput {
			return
		}
		for _, lim := range []Limits{{}, smallLimits} {
			whole, _ := parseAllWays(t, fuzzName(data), lim, data)
			if whole.n == 0 {
				continue
			}
			p := Parser{Limits: lim}
			var req Request
			n, err := p.Parse(data[:whole.n], &req)
			if n != whole.n || err != nil {
				t.Fatalf("head alone: n=%d err=%v, with what follows: n=%d", n, err, whole.n)
			}
		}
	})
}

// FuzzChunked checks the decoder's invariants on any input: no panic, no
// more consumed than given, no more written than consumed, and the same
// payload and error whole, byte by byte, in random splits with small
// destinations, and in place.
func FuzzChunked(f *testing.F) {
	for _, c := range chunkCases {
		addSeeds(f, c.in+c.after)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzInput {
			return
		}
		for _, lim := range []Limits{{}, smallLimits} {
			got := decodeAllWays(t, fuzzName(data), lim, data)
			if got.consumed > len(data) || len(got.out) > got.consumed {
				t.Fatalf("consumed %d of %d, wrote %d", got.consumed, len(data), len(got.out))
			}
		}
	})
}
