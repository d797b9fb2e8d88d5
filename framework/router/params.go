package router

// inlineParams is how many parameter values a Params holds without
// allocating. Real route tables rarely go past four.
const inlineParams = 8

// Params holds the path parameters of one match: names and values, in
// pattern order. A trailing wildcard is the last parameter, under its name.
//
// The zero value is ready to use. A Params is meant to be reused from one
// request to the next (Lookup resets it), so that lookups do not allocate:
// the first 8 values live inside the struct, and only a route with more
// parameters makes it allocate, once, a slice it keeps for later.
//
// Values are substrings of the path given to Lookup, still percent-encoded.
// A Params is not safe for concurrent use, and should not be copied once
// used (a copy shares the storage for values past the 8th).
type Params struct {
	names   []string // the matched route's names; shared, never written
	vals    [inlineParams]string
	more    []string // values past the inline array
	n       int
	pattern string
}

// Reset empties p, keeping its storage for the next lookup.
func (p *Params) Reset() {
	clear(p.vals[:min(p.n, inlineParams)])
	clear(p.more)
	p.more = p.more[:0]
	p.names = nil
	p.n = 0
	p.pattern = ""
}

// Len returns the number of parameters.
func (p *Params) Len() int { return p.n }

// Get returns the value of the parameter named name, and whether there is
// one. For a trailing wildcard "{path...}", the name is "path" and the value
// is the rest of the path, which may be empty.
func (p *Params) Get(name string) (string, bool) {
	for i, n := range p.names[:p.n] {
		if n == name {
			return p.value(i), true
		}
	}
	return "", false
}

// At returns the name and value of the i'th parameter, counting from 0 in
// pattern order. It panics if i is not in [0, Len()).
func (p *Params) At(i int) (name, value string) {
	if i < 0 || i >= p.n {
		panic("router: Params.At index out of range")
	}
	return p.names[i], p.value(i)
}

// Pattern returns the pattern of the route that filled p, exactly as it was
// registered, or "" if the last Lookup did not return Found.
func (p *Params) Pattern() string { return p.pattern }

func (p *Params) value(i int) string {
	if i < inlineParams {
		return p.vals[i]
	}
	return p.more[i-inlineParams]
}

// push appends a value during the tree walk. A nil p records nothing.
func (p *Params) push(v string) {
	if p == nil {
		return
	}
	if p.n < inlineParams {
		p.vals[p.n] = v
	} else {
		p.more = append(p.more, v)
	}
	p.n++
}

// pop drops the last value when the walk backtracks.
func (p *Params) pop() {
	if p == nil {
		return
	}
	p.n--
	if p.n >= inlineParams {
		p.more = p.more[:p.n-inlineParams]
	}
}
