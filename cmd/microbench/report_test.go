package main

import (
	"bytes"
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/microframe/microframe/loadtest"
)

func TestNines(t *testing.T) {
	tests := []struct{ pct, want float64 }{{0, 0}, {90, 1}, {99, 2}, {99.9, 3}, {100, plotMaxNines}, {99.99999, plotMaxNines}}
	for _, tt := range tests {
		if got := nines(tt.pct); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("nines(%v) = %v, want %v", tt.pct, got, tt.want)
		}
	}
}

func TestNiceCeil(t *testing.T) {
	tests := []struct{ in, want float64 }{{0, 1}, {1, 1}, {1.2, 2}, {3, 5}, {7, 10}, {1050, 2000}, {480000, 500000}}
	for _, tt := range tests {
		if got := niceCeil(tt.in); got != tt.want {
			t.Errorf("niceCeil(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestWriteHTML(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	res, err := loadtest.Run(context.Background(), loadtest.Config{URL: srv.URL, Connections: 1, Requests: 50})
	if err != nil {
		t.Fatal(err)
	}
	empty, err := loadtest.Run(context.Background(), loadtest.Config{URL: "http://127.0.0.1:1/", Connections: 1, Requests: 1, Timeout: 100_000_000})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := writeHTML(&b, "a <b> title", []series{{Name: "<script>x</script>", Result: res}, {Name: "empty", Result: empty}}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if strings.Contains(page, "<script>") || !strings.Contains(page, "&lt;script&gt;") || !strings.Contains(page, "a &lt;b&gt; title") {
		t.Fatal("names are not escaped")
	}
	if n := strings.Count(page, "<polyline"); n != 2 {
		t.Fatalf("%d polylines, want 2", n)
	}
	// The populated series has one point per step of the x axis.
	d := buildReport("t", []series{{Name: "r", Result: res}})
	if pts := strings.Fields(d.Lines[0].Points); len(pts) != plotMaxNines*plotStepsNines+1 {
		t.Fatalf("%d points", len(pts))
	}
	if d.Rows[0].Requests != 50 {
		t.Fatalf("row %+v", d.Rows[0])
	}
	if strings.Contains(page, "target req/s") || strings.Contains(page, "Open loop") {
		t.Fatal("a closed-loop report shows open-loop columns")
	}
}

// TestWriteHTMLOpenLoop: a -rate run's report shows the target rate, the
// send lag, and says that latency runs from the intended send time.
func TestWriteHTMLOpenLoop(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	res, err := loadtest.Run(context.Background(), loadtest.Config{URL: srv.URL, Connections: 2, Rate: 200, Duration: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := writeHTML(&b, "open", []series{{Name: "r", Result: res}}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{"<th>target req/s</th>", "<td>200</td>", "<th>send lag</th>", "<td>mean ", "from that intended send time"} {
		if !strings.Contains(page, want) {
			t.Errorf("open-loop report lacks %q", want)
		}
	}
}
