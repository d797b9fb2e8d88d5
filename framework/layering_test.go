package framework

import (
	"os/exec"
	"strings"
	"testing"
)

// An app that does not use sessions must not link the session store: the
// session glue lives in framework/session.
func TestNoSessionStoreDependency(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/microframe/microframe/sessionstore") ||
			strings.HasPrefix(dep, "github.com/microframe/microframe/cookiejar") {
			t.Errorf("package framework depends on %s", dep)
		}
	}
}
