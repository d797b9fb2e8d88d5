package importmap

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

const fixHint = "the map is internal/importmap/importmap.go; after changing it, go test ./internal/importmap -update redraws docs/architecture.md"

// TestImportMap compares every arrow go list finds with the map, both ways.
func TestImportMap(t *testing.T) {
	g := load(t)
	inMap := map[string]pkg{}
	for _, p := range packages {
		inMap[p.path] = p
	}
	var found []string
	for p := range g.imports {
		found = append(found, p)
	}
	slices.Sort(found)
	for _, p := range found {
		want, ok := inMap[p]
		if !ok {
			t.Errorf("package %s (importing %q) is not in the import map; add it (%s)", p, g.imports[p], fixHint)
			continue
		}
		for _, arrow := range diff(g.imports[p], want.imports) {
			t.Errorf("%s -> %s: an import the map does not allow (%s)", p, arrow, fixHint)
		}
		for _, arrow := range diff(want.imports, g.imports[p]) {
			t.Errorf("%s -> %s: in the map, but %s no longer imports it; remove it (%s)", p, arrow, p, fixHint)
		}
		for _, arrow := range diff(g.others[p], sortedSet(slices.Clone(want.others))) {
			t.Errorf("%s -> %s (another module): an import the map does not allow (%s)", p, arrow, fixHint)
		}
		for _, arrow := range diff(sortedSet(slices.Clone(want.others)), g.others[p]) {
			t.Errorf("%s -> %s (another module): in the map, but %s no longer imports it (%s)", p, arrow, p, fixHint)
		}
	}
	for _, p := range packages {
		if _, ok := g.imports[p.path]; !ok {
			t.Errorf("package %s is in the import map but in no module; remove it (%s)", p.path, fixHint)
		}
	}
}

// diff returns the elements of a that are not in b.
func diff(a, b []string) []string {
	var d []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			d = append(d, x)
		}
	}
	return d
}

// TestMapPointsDown: every arrow of the map goes to a package listed
// below its importer, so the table reads top to bottom; no package is
// listed twice.
func TestMapPointsDown(t *testing.T) {
	index := map[string]int{}
	for i, p := range packages {
		if _, dup := index[p.path]; dup {
			t.Errorf("%s is listed twice", p.path)
		}
		index[p.path] = i
	}
	for i, p := range packages {
		for _, q := range p.imports {
			switch j, ok := index[q]; {
			case !ok:
				t.Errorf("%s -> %s: %s is not in the map", p.path, q, q)
			case j <= i:
				t.Errorf("%s -> %s: %s is listed above its importer; move it below", p.path, q, q)
			}
		}
	}
}

// TestRules checks the rules on everything each package links.
func TestRules(t *testing.T) {
	g := load(t)
	for _, r := range rules {
		n := 0
		for p := range g.imports {
			if !matches(r.from, p) {
				continue
			}
			n++
			for q := range g.deps(p) {
				if r.only != nil && !slices.Contains(r.only, q) {
					t.Errorf("%s depends on %s%s, but may depend only on %q: %s", p, q, via(g, p, q), r.only, r.why)
				}
				for _, pat := range r.never {
					if matches(pat, q) {
						t.Errorf("%s depends on %s%s: %s", p, q, via(g, p, q), r.why)
					}
				}
			}
		}
		if n == 0 {
			t.Errorf("rule for %s: no such package", r.from)
		}
	}
}

// via names the import chain from p to q, for a rule broken indirectly.
func via(g *graph, p, q string) string {
	prev := map[string]string{}
	queue := []string{p}
	for len(queue) > 0 {
		x := queue[0]
		queue = queue[1:]
		for _, y := range g.imports[x] {
			if _, seen := prev[y]; seen || y == p {
				continue
			}
			prev[y] = x
			if y == q {
				var chain []string
				for z := q; z != p; z = prev[z] {
					chain = append(chain, z)
				}
				if len(chain) == 1 {
					return ""
				}
				slices.Reverse(chain)
				return fmt.Sprintf(" (%s -> %s)", p, strings.Join(chain, " -> "))
			}
			queue = append(queue, y)
		}
	}
	return ""
}
