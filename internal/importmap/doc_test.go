package importmap

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the import map section of docs/architecture.md from the map")

const (
	docFile  = "docs/architecture.md"
	docBegin = "<!-- importmap:begin: generated from internal/importmap/importmap.go by `go test ./internal/importmap -update`; TestArchitectureDoc checks it -->\n"
	docEnd   = "<!-- importmap:end -->\n"
)

// moduleDir returns the directory of the module holding package p: the
// nearest go.mod at or above it, "." for the root module.
func moduleDir(p string) string {
	for dir := p; dir != "."; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(repoRoot, dir, "go.mod")); err == nil {
			return dir
		}
	}
	return "."
}

// render draws the map and the rules as docs/architecture.md shows them.
func render() string {
	var b strings.Builder
	b.WriteString(docBegin)
	b.WriteString("| package | what it is | module | imports of ours | other modules |\n|---|---|---|---|---|\n")
	code := func(list []string) string {
		if len(list) == 0 {
			return "—"
		}
		return "`" + strings.Join(list, "`, `") + "`"
	}
	for _, p := range packages {
		mod := "root"
		if d := moduleDir(p.path); d != "." {
			mod = "`" + d + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", p.path, p.role, mod, code(p.imports), code(p.others))
	}
	b.WriteString("\nRules on everything a package links, directly or not, that hold whatever the table says (`TestRules`):\n\n")
	for _, r := range rules {
		switch {
		case r.only != nil:
			fmt.Fprintf(&b, "- `%s` depends on %s only: %s.\n", r.from, code(r.only), r.why)
		default:
			fmt.Fprintf(&b, "- `%s` never depends on %s: %s.\n", r.from, code(r.never), r.why)
		}
	}
	b.WriteString(docEnd)
	return b.String()
}

// TestArchitectureDoc: the table of docs/architecture.md is the map.
func TestArchitectureDoc(t *testing.T) {
	path := filepath.Join(repoRoot, docFile)
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(doc, []byte(docBegin))
	j := bytes.Index(doc, []byte(docEnd))
	if i < 0 || j < i {
		t.Fatalf("%s has no import map section (the lines %q and %q)", docFile, strings.TrimSpace(docBegin), strings.TrimSpace(docEnd))
	}
	got, want := string(doc[i:j+len(docEnd)]), render()
	if got == want {
		return
	}
	if *update {
		out := append(append(append([]byte{}, doc[:i]...), want...), doc[j+len(docEnd):]...)
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote the import map of %s", docFile)
		return
	}
	t.Errorf("the import map of %s differs from internal/importmap/importmap.go; run go test ./internal/importmap -update\n--- doc\n%s--- map\n%s", docFile, got, want)
}
