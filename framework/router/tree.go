package router

import (
	"slices"
	"strconv"
	"strings"
)

// The routes live in a radix tree. A node stands for a position in the path:
// its prefix is the static text consumed to reach it from its parent, and
// from it the walk can go on by
//
//   - a static child, chosen by the next byte of the path (the children's
//     prefixes start with distinct bytes, listed in indices), whose whole
//     prefix must then match;
//   - the param child, which consumes one non-empty segment (it exists only
//     where the path so far ends in '/');
//   - the wild leaf, which consumes everything left.
//
// end holds the routes whose pattern ends exactly at this node. A path visits
// each node at most once, because the path consumed to reach a node is fixed
// by the node's place in the tree: backtracking cannot blow up.

// node is one position in the tree.
type node[H any] struct {
	prefix  string     // static text consumed from the parent
	indices string     // first byte of each static child, sorted
	statics []*node[H] // static children, in the order of indices
	param   *node[H]   // the {name} child, or nil
	wild    *leaf[H]   // routes ending in {name...} here, or nil
	end     *leaf[H]   // routes ending exactly here, or nil
}

// leaf holds the routes registered on one pattern shape, one per method.
type leaf[H any] struct {
	methods []*entry[H] // specific methods, sorted by method
	any     *entry[H]   // the any-method route, or nil
}

// entry is one registered route.
type entry[H any] struct {
	method  string   // "" for any method
	pattern string   // as registered
	names   []string // parameter names in pattern order
	h       H
}

// insert adds e along the path described by toks, creating nodes as needed.
func (n *node[H]) insert(toks []token, e *entry[H]) {
	for _, t := range toks {
		switch t.kind {
		case tokStatic:
			n = n.staticChild(t.text)
		case tokParam:
			if n.param == nil {
				n.param = &node[H]{}
			}
			n = n.param
		case tokWildcard: // always the last token
			if n.wild == nil {
				n.wild = &leaf[H]{}
			}
			n.wild.add(e)
			return
		}
	}
	if n.end == nil {
		n.end = &leaf[H]{}
	}
	n.end.add(e)
}

// staticChild returns the node reached from n by the static text s,
// splitting edges so that one node ends exactly after s.
func (n *node[H]) staticChild(s string) *node[H] {
	for s != "" {
		i := strings.IndexByte(n.indices, s[0])
		if i < 0 {
			c := &node[H]{prefix: s}
			i, _ = slices.BinarySearch([]byte(n.indices), s[0])
			n.indices = n.indices[:i] + s[:1] + n.indices[i:]
			n.statics = slices.Insert(n.statics, i, c)
			return c
		}
		c := n.statics[i]
		l := commonPrefix(c.prefix, s)
		if l < len(c.prefix) {
			// Split c: it keeps the shared part and gets a child, holding
			// everything it had, for the rest of its old prefix.
			rest := *c
			rest.prefix = c.prefix[l:]
			*c = node[H]{prefix: c.prefix[:l], indices: rest.prefix[:1], statics: []*node[H]{&rest}}
		}
		n, s = c, s[l:]
	}
	return n
}

func commonPrefix(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

// add registers e in l, or panics if its method is taken.
func (l *leaf[H]) add(e *entry[H]) {
	if e.method == "" {
		if l.any != nil {
			panic(conflict(e, l.any))
		}
		l.any = e
		return
	}
	i, found := slices.BinarySearchFunc(l.methods, e.method, func(x *entry[H], m string) int {
		return strings.Compare(x.method, m)
	})
	if found {
		panic(conflict(e, l.methods[i]))
	}
	l.methods = slices.Insert(l.methods, i, e)
}

func conflict[H any](e, old *entry[H]) string {
	m := "any method"
	if e.method != "" {
		m = "method " + e.method
	}
	return "router: pattern " + strconv.Quote(e.pattern) + " conflicts with " +
		strconv.Quote(old.pattern) + ", already registered for " + m
}

// find returns the route in l for method: an exact method match, else GET
// for HEAD, else the any-method route; nil if none.
func (l *leaf[H]) find(method string) *entry[H] {
	var get *entry[H]
	for _, e := range l.methods {
		if e.method == method {
			return e
		}
		if e.method == "GET" {
			get = e
		}
	}
	if get != nil && method == "HEAD" {
		return get
	}
	return l.any
}

// match walks the tree below n for path (the part of the request path after
// n's prefix) and returns the first route in dispatch order that accepts
// method, pushing parameter values into ps on the way. On failure ps holds
// what it held on entry.
func (n *node[H]) match(method, path string, ps *Params) *entry[H] {
	// Where a node offers nothing but static children there is nothing to
	// come back to, so the walk goes down in a loop; it recurses only where
	// a parameter or a wildcard waits as the next choice.
	for n.param == nil && n.wild == nil && path != "" {
		c := n.staticFor(path[0])
		if c == nil || !hasPrefix(path, c.prefix) {
			return nil
		}
		n, path = c, path[len(c.prefix):]
	}
	if path == "" {
		if n.end != nil {
			if e := n.end.find(method); e != nil {
				return e
			}
		}
	} else {
		// 1. Static: at most one child can start with path[0].
		if c := n.staticFor(path[0]); c != nil && hasPrefix(path, c.prefix) {
			if e := c.match(method, path[len(c.prefix):], ps); e != nil {
				return e
			}
		}
		// 2. Parameter: one non-empty segment.
		if n.param != nil {
			seg := strings.IndexByte(path, '/')
			if seg < 0 {
				seg = len(path)
			}
			if seg > 0 {
				ps.push(path[:seg])
				if e := n.param.match(method, path[seg:], ps); e != nil {
					return e
				}
				ps.pop()
			}
		}
	}
	// 3. Wildcard: the rest, even if empty.
	if n.wild != nil {
		if e := n.wild.find(method); e != nil {
			ps.push(path)
			return e
		}
	}
	return nil
}

// staticFor returns the static child whose prefix starts with b, or nil.
// A loop beats strings.IndexByte here: indices is short.
func (n *node[H]) staticFor(b byte) *node[H] {
	for i := 0; i < len(n.indices); i++ {
		if n.indices[i] == b {
			return n.statics[i]
		}
	}
	return nil
}

// hasPrefix is strings.HasPrefix with a byte loop, faster for the short
// prefixes of tree edges than a call to memequal.
func hasPrefix(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if s[i] != prefix[i] {
			return false
		}
	}
	return true
}

// allowed appends to out the methods of every route whose pattern matches
// path below n. It runs only after match failed, to build a 405's Allow list.
func (n *node[H]) allowed(path string, out *[]string) {
	if path == "" {
		n.end.methodsTo(out)
	} else {
		if i := strings.IndexByte(n.indices, path[0]); i >= 0 {
			if c := n.statics[i]; strings.HasPrefix(path, c.prefix) {
				c.allowed(path[len(c.prefix):], out)
			}
		}
		if n.param != nil {
			seg := strings.IndexByte(path, '/')
			if seg < 0 {
				seg = len(path)
			}
			if seg > 0 {
				n.param.allowed(path[seg:], out)
			}
		}
	}
	n.wild.methodsTo(out)
}

func (l *leaf[H]) methodsTo(out *[]string) {
	if l == nil {
		return
	}
	for _, e := range l.methods {
		*out = append(*out, e.method)
	}
}

// walk calls fn for every route below n in dispatch order.
func (n *node[H]) walk(fn func(*entry[H])) {
	n.end.each(fn)
	for _, c := range n.statics {
		c.walk(fn)
	}
	if n.param != nil {
		n.param.walk(fn)
	}
	n.wild.each(fn)
}

func (l *leaf[H]) each(fn func(*entry[H])) {
	if l == nil {
		return
	}
	for _, e := range l.methods {
		fn(e)
	}
	if l.any != nil {
		fn(l.any)
	}
}
