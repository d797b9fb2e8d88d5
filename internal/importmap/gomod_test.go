package importmap

import (
	"encoding/json"
	"os/exec"
	"slices"
	"testing"
)

// testOnly are the modules the root module requires for its tests alone.
var testOnly = []string{
	"go.uber.org/goleak", // every test package checks for leaked goroutines
}

// TestRootModuleRequires: the root go.mod (what a library user's go get
// pulls) requires exactly the other modules that the root module's
// packages import according to the map, and the test-only ones. A
// dependency of a program or of loadtest belongs in that module's go.mod.
func TestRootModuleRequires(t *testing.T) {
	g := load(t)
	var want []string
	for _, p := range packages {
		if g.module[p.path] == module {
			want = append(want, p.others...)
		}
	}
	want = sortedSet(append(want, testOnly...))

	cmd := exec.Command("go", "mod", "edit", "-json")
	cmd.Dir = repoRoot
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go mod edit -json: %v", err)
	}
	var mod struct {
		Module  struct{ Path string }
		Require []struct {
			Path     string
			Indirect bool
		}
	}
	if err := json.Unmarshal(out, &mod); err != nil {
		t.Fatal(err)
	}
	if mod.Module.Path != module {
		t.Fatalf("the root go.mod is module %q", mod.Module.Path)
	}
	var got []string
	for _, r := range mod.Require {
		if !r.Indirect {
			got = append(got, r.Path)
		}
	}
	got = sortedSet(got)
	for _, m := range diff(got, want) {
		t.Errorf("the root go.mod requires %s, which no package of the root module imports (map) and no test needs: "+
			"the code that uses it belongs in a module of its own", m)
	}
	for _, m := range diff(want, got) {
		t.Errorf("the root go.mod does not require %s directly, which the map says the root module imports", m)
	}
	if !slices.Equal(got, want) {
		t.Logf("root go.mod requires %q; want %q", got, want)
	}
}
