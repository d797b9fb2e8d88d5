package importmap

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// graph is what "go list -deps" says of our packages, across every module.
type graph struct {
	imports map[string][]string // our package → the packages of ours it imports
	others  map[string][]string // our package → the other modules it imports from
	module  map[string]string   // our package → the path of its module
	modules []string            // every module's directory, relative to the root
}

var (
	loadOnce   sync.Once
	loaded     *graph
	loadErr    error
	repoRoot   = filepath.Join("..", "..")
	ourPrefix  = module + "/"
	goListForm = "{{.ImportPath}}\t{{if .Module}}{{.Module.Path}}{{end}}\t{{.Standard}}\t{{join .Imports \" \"}}"
)

// load runs go list in every module once per test binary.
func load(t *testing.T) *graph {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	loadOnce.Do(func() { loaded, loadErr = list(goTool) })
	if loadErr != nil {
		t.Fatal(loadErr)
	}
	return loaded
}

// modules returns the directory of every go.mod below the root, the root
// first: the same set the Makefile's test-nested finds.
func modules() ([]string, error) {
	var dirs []string
	err := filepath.WalkDir(repoRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != repoRoot && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && d.Name() == "go.mod" {
			rel, err := filepath.Rel(repoRoot, filepath.Dir(p))
			if err != nil {
				return err
			}
			dirs = append(dirs, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(dirs) // "." sorts first
	return dirs, err
}

func list(goTool string) (*graph, error) {
	g := &graph{imports: map[string][]string{}, others: map[string][]string{}, module: map[string]string{}}
	mods, err := modules()
	if err != nil {
		return nil, err
	}
	g.modules = mods
	for _, dir := range mods {
		cmd := exec.Command(goTool, "list", "-deps", "-f", goListForm, "./...")
		cmd.Dir = filepath.Join(repoRoot, dir)
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("go list -deps ./... in %s: %v\n%s", dir, err, stderr.Bytes())
		}
		moduleOf := map[string]string{}
		type entry struct {
			path, module string
			imports      []string
		}
		var ours []entry
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			f := strings.Split(sc.Text(), "\t")
			if len(f) != 4 {
				return nil, fmt.Errorf("go list in %s: unexpected line %q", dir, sc.Text())
			}
			path, mod, std := f[0], f[1], f[2] == "true"
			if std {
				continue
			}
			moduleOf[path] = mod
			if strings.HasPrefix(path, ourPrefix) {
				ours = append(ours, entry{strings.TrimPrefix(path, ourPrefix), mod, strings.Fields(f[3])})
			}
		}
		for _, e := range ours {
			if _, done := g.imports[e.path]; done {
				continue // listed already, from another module that depends on it
			}
			var mine, other []string
			for _, imp := range e.imports {
				switch mod, listed := moduleOf[imp]; {
				case strings.HasPrefix(imp, ourPrefix):
					mine = append(mine, strings.TrimPrefix(imp, ourPrefix))
				case listed: // standard packages were left out above
					other = append(other, mod)
				}
			}
			g.module[e.path] = e.module
			g.imports[e.path] = sortedSet(mine)
			g.others[e.path] = sortedSet(other)
		}
	}
	return g, nil
}

func sortedSet(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

// deps returns every package of ours that p depends on, directly or not.
func (g *graph) deps(p string) map[string]bool {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(p string) {
		for _, q := range g.imports[p] {
			if !seen[q] {
				seen[q] = true
				walk(q)
			}
		}
	}
	walk(p)
	return seen
}

// matches reports whether package p matches pattern ("p" or "p/...").
func matches(pattern, p string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return p == base || strings.HasPrefix(p, base+"/")
	}
	return p == pattern
}
