package verify

import (
	"fmt"
	"net/http/httptest"
	"time"
)

// A server whose fortunes page uses text/template, which does not escape:
// the verifier names the rule it breaks.
func ExampleRun() {
	srv := httptest.NewServer(newFake("fortunes: not escaped"))
	defer srv.Close()
	for _, f := range Run(srv.URL, Options{DateGap: time.Millisecond}) {
		fmt.Println(f)
	}
	// Output:
	// fortunes: not escaped: a message holds a raw < or >: html/template's escaping is missing
}
