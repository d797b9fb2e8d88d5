package loadtest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// sessionServer is a tiny session application: POST /login sets a session
// cookie, GET /counter counts per session and answers 401 without one.
type sessionServer struct {
	*httptest.Server
	mu       sync.Mutex
	sessions map[string]int
	logins   atomic.Int64
	failing  atomic.Bool // /login answers 500
}

func newSessionServer(t *testing.T) *sessionServer {
	s := &sessionServer{sessions: map[string]int{}}
	var next atomic.Int64
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/login":
			if r.Method != "POST" || r.FormValue("user") != "ann" || s.failing.Load() {
				http.Error(w, "no", http.StatusInternalServerError)
				return
			}
			s.logins.Add(1)
			id := strconv.FormatInt(next.Add(1), 10)
			s.mu.Lock()
			s.sessions[id] = 0
			s.mu.Unlock()
			http.SetCookie(w, &http.Cookie{Name: "sid", Value: id, Path: "/", HttpOnly: true})
			w.Write([]byte("welcome"))
		case "/counter":
			c, err := r.Cookie("sid")
			s.mu.Lock()
			defer s.mu.Unlock()
			if err != nil {
				http.Error(w, "log in first", http.StatusUnauthorized)
				return
			}
			if _, ok := s.sessions[c.Value]; !ok {
				http.Error(w, "unknown session", http.StatusUnauthorized)
				return
			}
			s.sessions[c.Value]++
			fmt.Fprint(w, s.sessions[c.Value])
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func loginScenario() *Scenario {
	return &Scenario{
		Setup: []Step{{Name: "login", Method: "POST", Path: "/login",
			Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, Body: "user=ann", Expect: 200}},
		Steps: []Step{{Path: "/counter"}, {Name: "counter again", Path: "/counter?x=1", Expect: 200}},
	}
}

func TestScenarioSessions(t *testing.T) {
	s := newSessionServer(t)
	const conns = 3
	res, err := Run(context.Background(), Config{URL: s.URL, Connections: conns, Duration: 300 * time.Millisecond, Scenario: loginScenario()})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors.Total() != 0 || res.Status[200] != res.Requests {
		t.Fatalf("errors %+v, status %v", res.Errors, res.Status)
	}
	if res.Requests < 10 {
		t.Fatalf("only %d requests measured", res.Requests)
	}
	if s.logins.Load() != conns {
		t.Fatalf("%d logins, want one per virtual user (%d)", s.logins.Load(), conns)
	}
	s.mu.Lock()
	total := 0
	for id, n := range s.sessions {
		if n == 0 {
			t.Errorf("session %s was never used", id)
		}
		total += n
	}
	s.mu.Unlock()
	// Page views answered after the end of the run are not measured.
	if int64(total) < res.Requests || int64(total) > res.Requests+conns {
		t.Fatalf("sessions counted %d page views, result says %d", total, res.Requests)
	}
	wantSteps := []StepResult{
		{Name: "login", Setup: true, Requests: conns},
		{Name: "GET /counter"},
		{Name: "counter again"},
	}
	if len(res.Steps) != len(wantSteps) {
		t.Fatalf("steps %+v", res.Steps)
	}
	for i, w := range wantSteps {
		g := res.Steps[i]
		if g.Name != w.Name || g.Setup != w.Setup || g.Bad != 0 || (w.Requests != 0 && g.Requests != w.Requests) {
			t.Fatalf("step %d = %+v, want %+v", i, g, w)
		}
	}
	if diff := res.Steps[1].Requests - res.Steps[2].Requests; diff < 0 || diff > conns {
		t.Fatalf("steps did not alternate: %+v", res.Steps)
	}
}

func TestScenarioWithoutLoginGetsUnexpectedStatus(t *testing.T) {
	s := newSessionServer(t)
	sc := &Scenario{Steps: []Step{{Path: "/counter"}}}
	res, err := Run(context.Background(), Config{URL: s.URL, Connections: 2, Requests: 40, Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status[401] != 40 || res.Errors.Status != 40 || res.Steps[0].Bad != 40 {
		t.Fatalf("status %v, errors %+v, steps %+v; want 40 unexpected 401s", res.Status, res.Errors, res.Steps)
	}
}

func TestScenarioFailingSetupRetriesAndStops(t *testing.T) {
	s := newSessionServer(t)
	s.failing.Store(true)
	begin := time.Now()
	res, err := Run(context.Background(), Config{URL: s.URL, Connections: 2, Duration: 200 * time.Millisecond, Scenario: loginScenario()})
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(begin) > 10*time.Second { // the duration was 200ms
		t.Fatal("run did not stop by itself")
	}
	if res.Requests != 0 || res.Errors.Status == 0 || res.Steps[0].Bad != res.Steps[0].Requests {
		t.Fatalf("requests %d, errors %+v, steps %+v; want only failed logins", res.Requests, res.Errors, res.Steps)
	}
	// Each user pauses after a failed login rather than spinning.
	if res.Steps[0].Requests > 2*25 {
		t.Fatalf("%d login attempts in 200ms: setup retries are not paced", res.Steps[0].Requests)
	}
}

// countingJar records calls, to check that NewJar's jar is the one used.
type countingJar struct {
	mu        sync.Mutex
	cookie    string
	sets, get int
}

func (j *countingJar) SetCookies(u *url.URL, setCookie []string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.sets++
	if c, err := http.ParseSetCookie(setCookie[0]); err == nil {
		j.cookie = c.Name + "=" + c.Value
	}
}

func (j *countingJar) CookieHeader(u *url.URL) string {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.get++
	return j.cookie
}

func TestScenarioCustomJar(t *testing.T) {
	s := newSessionServer(t)
	var jars []*countingJar
	sc := loginScenario()
	sc.NewJar = func() Jar {
		j := &countingJar{}
		jars = append(jars, j) // NewJar is called before the run starts
		return j
	}
	res, err := Run(context.Background(), Config{URL: s.URL, Connections: 2, Duration: 200 * time.Millisecond, Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	if len(jars) != 2 || res.Errors.Total() != 0 {
		t.Fatalf("%d jars, errors %+v", len(jars), res.Errors)
	}
	gets := 0
	for _, j := range jars {
		if j.sets != 1 || j.get < 2 {
			t.Fatalf("jar used for %d sets, %d gets; want 1 set (the login) and many gets", j.sets, j.get)
		}
		gets += j.get
	}
	// One Cookie lookup per request sent: setup and measured ones, plus
	// at most one per user abandoned at the end.
	if sent := res.Requests + 2; int64(gets) < sent || int64(gets) > sent+2 {
		t.Fatalf("%d cookie lookups for %d requests", gets, sent)
	}
}

func TestJars(t *testing.T) {
	std, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, j := range map[string]Jar{"microframe": NewJar(), "net/http": HTTPJar(std)} {
		t.Run(name, func(t *testing.T) { testJar(t, j) })
	}
}

func testJar(t *testing.T, j Jar) {
	u, _ := url.Parse("http://127.0.0.1:8080/app/page")
	other, _ := url.Parse("http://127.0.0.1:8080/elsewhere")
	j.SetCookies(u, []string{"a=1; Path=/", "b=2; Path=/app", "=bad", "c=3; Max-Age=0"})
	if got := j.CookieHeader(u); got != "b=2; a=1" && got != "a=1; b=2" {
		t.Fatalf("CookieHeader(/app/page) = %q", got)
	}
	if got := j.CookieHeader(other); got != "a=1" {
		t.Fatalf("CookieHeader(/elsewhere) = %q, want a=1", got)
	}
}
