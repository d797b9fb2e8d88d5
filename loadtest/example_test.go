package loadtest_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/microframe/microframe/loadtest"
)

// A closed-loop run bounded by a request count.
func ExampleRun() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("Hello, World!"))
	}))
	defer srv.Close()

	res, err := loadtest.Run(context.Background(), loadtest.Config{
		URL:         srv.URL + "/plaintext",
		Connections: 4,
		Requests:    1000,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("responses:", res.Requests, "200s:", res.Status[200], "errors:", res.Errors.Total())
	fmt.Println("p99 measured:", res.Percentile(99) > 0)
	// Output:
	// responses: 1000 200s: 1000 errors: 0
	// p99 measured: true
}

// An open-loop run: 100 requests at 200 per second, each latency
// measured from the moment the request was due.
func ExampleRun_openLoop() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()

	res, _ := loadtest.Run(context.Background(), loadtest.Config{
		URL:         srv.URL,
		Connections: 2,
		Rate:        200,
		Requests:    100,
	})
	fmt.Println("requests:", res.Requests, "took at least 0.49s:", res.Elapsed >= 490*time.Millisecond)
	// Output:
	// requests: 100 took at least 0.49s: true
}

// Session-heavy load: each connection is a virtual user with its own
// cookie jar that logs in once, then views a page over and over.
func ExampleScenario() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" {
			http.SetCookie(w, &http.Cookie{Name: "sid", Value: "user-" + r.FormValue("user")})
			return
		}
		if _, err := r.Cookie("sid"); err != nil {
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer srv.Close()

	res, _ := loadtest.Run(context.Background(), loadtest.Config{
		URL:         srv.URL,
		Connections: 2,
		Duration:    200 * time.Millisecond,
		Scenario: &loadtest.Scenario{
			Setup: []loadtest.Step{{Method: "POST", Path: "/login?user=ann", Expect: 200}},
			Steps: []loadtest.Step{{Name: "page", Path: "/page", Expect: 200}},
		},
	})
	fmt.Println("unauthorized:", res.Status[401], "unexpected:", res.Errors.Status)
	for _, st := range res.Steps {
		fmt.Println(st.Name, "setup:", st.Setup, "answered:", st.Requests > 0)
	}
	// Output:
	// unauthorized: 0 unexpected: 0
	// POST /login?user=ann setup: true answered: true
	// page setup: false answered: true
}

func ExampleResult_WriteText() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	res, _ := loadtest.Run(context.Background(), loadtest.Config{URL: srv.URL, Connections: 1, Requests: 10})
	res.WriteText(os.Stdout) // requests, throughput, latency percentiles, status codes, errors, bytes
}

// An open-loop run the server cannot keep up with (each answer takes
// 20ms on one connection, 1,000 requests/s asked) is flagged.
func ExampleResult_BelowRate() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond)
	}))
	defer srv.Close()
	res, _ := loadtest.Run(context.Background(), loadtest.Config{URL: srv.URL, Connections: 1, Rate: 1000, Duration: 200 * time.Millisecond})
	fmt.Println("below 95% of the rate:", res.BelowRate())
	// Output:
	// below 95% of the rate: true
}

// Load over https, against a test server with a self-signed certificate.
func ExampleConfig_https() {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	res, _ := loadtest.Run(context.Background(), loadtest.Config{
		URL: srv.URL, Connections: 2, Requests: 20,
		TLS: &tls.Config{InsecureSkipVerify: true}, // self-signed: do not verify
	})
	fmt.Println("200s:", res.Status[200], "errors:", res.Errors.Total())
	// Output:
	// 200s: 20 errors: 0
}
