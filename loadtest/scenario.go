package loadtest

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/microframe/microframe/cookiejar"
)

// Jar is the cookie store of one virtual user. SetCookies receives the raw
// Set-Cookie header values of a response to a request for u; CookieHeader
// returns the value of the Cookie header to send with a request for u, or
// "" for none. A Jar is used by one virtual user's goroutine only.
type Jar interface {
	SetCookies(u *url.URL, setCookie []string)
	CookieHeader(u *url.URL) string
}

// HTTPJar adapts a net/http CookieJar (such as one from net/http/cookiejar)
// to Jar. Set-Cookie values that do not parse are ignored, as a browser
// ignores them.
func HTTPJar(j http.CookieJar) Jar { return httpJar{j} }

type httpJar struct{ j http.CookieJar }

func (h httpJar) SetCookies(u *url.URL, setCookie []string) {
	cs := make([]*http.Cookie, 0, len(setCookie))
	for _, line := range setCookie {
		if c, err := http.ParseSetCookie(line); err == nil {
			cs = append(cs, c)
		}
	}
	if len(cs) > 0 {
		h.j.SetCookies(u, cs)
	}
}

func (h httpJar) CookieHeader(u *url.URL) string {
	cs := h.j.Cookies(u)
	if len(cs) == 0 {
		return ""
	}
	var b strings.Builder
	for i, c := range cs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(c.Name)
		b.WriteByte('=')
		b.WriteString(c.Value)
	}
	return b.String()
}

// NewJar returns a Jar backed by an empty microframe cookiejar.Jar; it is
// what each virtual user gets when Scenario.NewJar is nil. Set-Cookie
// values the jar refuses (malformed, or for another domain) are dropped, as
// a browser drops them.
func NewJar() Jar { return &mfJar{} }

type mfJar struct {
	j   cookiejar.Jar
	buf []byte
}

func jarTarget(u *url.URL) cookiejar.Target {
	return cookiejar.Target{Host: u.Host, Path: u.Path, Secure: u.Scheme == "https"}
}

func (m *mfJar) SetCookies(u *url.URL, setCookie []string) {
	t := jarTarget(u)
	for _, v := range setCookie {
		m.j.AddSetCookie(t, v) // a refused cookie is simply not stored
	}
}

func (m *mfJar) CookieHeader(u *url.URL) string {
	m.buf = m.j.AppendCookieHeader(m.buf[:0], jarTarget(u))
	return string(m.buf)
}

func newDefaultJar() Jar { return NewJar() }

// Step is one request of a virtual user's scenario.
type Step struct {
	// Name labels the step in results; empty means "METHOD path".
	Name string `json:"name,omitempty"`
	// Method defaults to GET.
	Method string `json:"method,omitempty"`
	// Path is resolved against Config.URL and may carry a query string.
	// It must stay on the same scheme, host and port.
	Path string `json:"path"`
	// Header holds extra request headers. Cookie headers come from the
	// virtual user's jar and are added to these.
	Header http.Header `json:"header,omitempty"`
	// Body is sent with a Content-Length.
	Body string `json:"body,omitempty"`
	// Expect is the status code the step must get; a different one is
	// counted in Errors.Status. Zero accepts any 2xx or 3xx status.
	Expect int `json:"expect,omitempty"`
}

// Scenario describes what each virtual user does. Each connection of the
// run is one virtual user with its own cookie jar, which outlives the
// user's connection when the server closes it (as a browser's does).
type Scenario struct {
	// Setup runs once per virtual user before its measured loop, e.g. to
	// log in. Setup requests are counted per step but kept out of the
	// latency histogram and the request total. A virtual user whose
	// setup fails counts the error, pauses briefly and starts its setup
	// again.
	Setup []Step `json:"setup,omitempty"`
	// Steps run in order, over and over, until the run ends. Each is
	// measured like a single-URL request.
	Steps []Step `json:"steps"`
	// NewJar makes each virtual user's jar. Nil gives every user a fresh
	// jar from NewJar (microframe's cookiejar package).
	NewJar func() Jar `json:"-"`
}

// preparedStep is a Step resolved once before the run.
type preparedStep struct {
	name   string
	method string
	url    *url.URL
	header http.Header
	body   []byte
	expect int
	noBody bool
}

func (s *Scenario) prepare(t target) (setup, steps []preparedStep, err error) {
	if len(s.Steps) == 0 {
		return nil, nil, fmt.Errorf("%w: scenario has no steps", ErrBadConfig)
	}
	prep := func(in []Step) ([]preparedStep, error) {
		out := make([]preparedStep, 0, len(in))
		for _, st := range in {
			method := st.Method
			if method == "" {
				method = "GET"
			}
			if err := checkRequest(method, st.Header); err != nil {
				return nil, err
			}
			u, err := t.resolve(st.Path)
			if err != nil {
				return nil, err
			}
			name := st.Name
			if name == "" {
				name = method + " " + u.RequestURI()
			}
			if st.Expect != 0 && (st.Expect < 100 || st.Expect > 599) {
				return nil, fmt.Errorf("%w: step %s expects status %d", ErrBadConfig, name, st.Expect)
			}
			out = append(out, preparedStep{
				name: name, method: method, url: u, header: st.Header,
				body: []byte(st.Body), expect: st.Expect, noBody: method == "HEAD",
			})
		}
		return out, nil
	}
	if setup, err = prep(s.Setup); err != nil {
		return nil, nil, err
	}
	if steps, err = prep(s.Steps); err != nil {
		return nil, nil, err
	}
	return setup, steps, nil
}

// statusOK reports whether status is what step expects.
func (p *preparedStep) statusOK(status int) bool {
	if p.expect != 0 {
		return status == p.expect
	}
	return status >= 200 && status < 400
}

// StepResult counts one scenario step over the whole run.
type StepResult struct {
	Name     string `json:"name"`
	Setup    bool   `json:"setup,omitempty"`   // a Setup step (not in the latency histogram)
	Requests int64  `json:"requests"`          // responses received
	Bad      int64  `json:"unexpected_status"` // responses whose status was not the expected one
	// Latency holds the measured latencies of this step (loop steps only;
	// nil for Setup steps), in microseconds, at two significant digits.
	Latency *hdrhistogram.Histogram `json:"-"`
	// LatencyUS is Latency's percentiles; set by Result.Summary.
	LatencyUS *LatencySummary `json:"latency_us,omitempty"`
}

// newStepHistogram is a per-step latency histogram: 1% resolution, about
// 25 KB, one per loop step and connection.
func newStepHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(histLowest, histHighest, 2)
}

// virtualUser is the scenario state of one connection.
type virtualUser struct {
	jar      Jar
	setup    []preparedStep
	steps    []preparedStep
	inSetup  bool
	next     int // index into setup or steps
	cur      *preparedStep
	buf      []byte
	setupRes []StepResult
	stepsRes []StepResult
	host     string
}

func newVirtualUser(s *Scenario, setup, steps []preparedStep, host string) *virtualUser {
	jar := newDefaultJar()
	if s.NewJar != nil {
		jar = s.NewJar()
	}
	vu := &virtualUser{jar: jar, setup: setup, steps: steps, host: host, inSetup: len(setup) > 0}
	vu.setupRes = make([]StepResult, len(setup))
	for i := range setup {
		vu.setupRes[i] = StepResult{Name: setup[i].name, Setup: true}
	}
	vu.stepsRes = make([]StepResult, len(steps))
	for i := range steps {
		vu.stepsRes[i] = StepResult{Name: steps[i].name, Latency: newStepHistogram()}
	}
	return vu
}

// request serialises the user's next request and reports whether it is a
// measured one (not setup) and whether its response has no body.
func (vu *virtualUser) request() (b []byte, measured, noBody bool) {
	if vu.inSetup {
		vu.cur = &vu.setup[vu.next]
	} else {
		vu.cur = &vu.steps[vu.next]
	}
	st := vu.cur
	vu.buf = appendRequest(vu.buf[:0], st.method, st.url, vu.host, st.header, vu.jar.CookieHeader(st.url), st.body)
	return vu.buf, !vu.inSetup, st.noBody
}

// response records the answer to the request made last and moves on. It
// reports whether the status was the expected one.
func (vu *virtualUser) response(status int, setCookie []string) bool {
	if len(setCookie) > 0 {
		vu.jar.SetCookies(vu.cur.url, setCookie)
	}
	ok := vu.cur.statusOK(status)
	res := &vu.stepsRes
	if vu.inSetup {
		res = &vu.setupRes
	}
	(*res)[vu.next].Requests++
	if !ok {
		(*res)[vu.next].Bad++
	}
	vu.advance(ok)
	return ok
}

// record adds a measured latency to the current loop step. Called before
// response, which moves on.
func (vu *virtualUser) record(us int64) {
	if !vu.inSetup {
		vu.stepsRes[vu.next].Latency.RecordValue(us)
	}
}

// failed abandons the request made last (connection or parse error).
func (vu *virtualUser) failed() { vu.advance(false) }

// advance moves to the next step. A failure during setup starts the setup
// over; a failure in the loop simply moves on.
func (vu *virtualUser) advance(ok bool) {
	if vu.inSetup {
		if !ok {
			vu.next = 0
			return
		}
		vu.next++
		if vu.next == len(vu.setup) {
			vu.inSetup, vu.next = false, 0
		}
		return
	}
	vu.next = (vu.next + 1) % len(vu.steps)
}
