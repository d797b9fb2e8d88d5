package engine_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/microframe/microframe/conn"
	"github.com/microframe/microframe/engine"
)

// Slow clients: a slowloris sends its head a byte at a time and never
// finishes it; a slow upload sends a large Content-Length and then trickles
// the body. Each holds a connection (and whatever memory the server gives
// it) for as long as the server lets it. The head and body timeouts must
// cut every one of them off, a normal client must keep being answered
// meanwhile, and the memory they cost must follow the bytes they sent, not
// the sizes they announced.

// slowResult is what one slow client saw.
type slowResult struct {
	kind    string
	status  int           // status of the response, 0 when none
	answer  time.Duration // from connect to the response
	closed  time.Duration // from connect to the server closing the connection
	clean   bool          // the connection ended with EOF or reset
	err     error
	sentLen int // bytes sent
}

// The Content-Length slow uploads announce: large, but under the default
// MaxBodyBytes, so that only the timeout can stop them; an upload the
// handler ignores announces less than MaxDrainBytes, so that the server
// waits to drain it rather than closing at once.
const (
	slowUploadSize = 8 << 20
	slowIgnoreSize = 128 << 10
)

// slowHandler answers /echo with the length of the body it read (or the
// body error's status), /ignore without reading, anything else at once.
// started counts handlers started for /echo and /ignore.
func slowHandler(started *atomic.Int64) conn.HandlerFunc {
	return func(x *conn.Ctx) {
		switch string(x.Path()) {
		case "/echo":
			started.Add(1)
			b, err := x.ReadBody()
			if err != nil {
				x.SetStatus(bodyStatus(err))
				return
			}
			fmt.Fprintf(x, "%d", len(b))
		case "/ignore":
			started.Add(1)
			x.WriteString("ignored")
		default:
			x.WriteString("Hello, World!")
		}
	}
}

// slowClient dials addr, writes head at once, then writes trickle one byte
// per gap until the server answers or closes. A reader goroutine records
// the response and the close. limit bounds the whole exchange.
func slowClient(addr, kind, head, trickle string, gap, limit time.Duration) slowResult {
	res := slowResult{kind: kind}
	start := time.Now()
	nc, err := net.DialTimeout("tcp", addr, limit)
	if err != nil {
		res.err = err
		return res
	}
	defer nc.Close()
	nc.SetDeadline(start.Add(limit))
	done := make(chan struct{})
	go func() {
		defer close(done)
		br := bufio.NewReader(nc)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			res.clean = isClosedErr(err)
			res.closed = time.Since(start)
			return
		}
		_, err = drainBody(resp)
		res.status, res.answer = resp.StatusCode, time.Since(start)
		if err == nil {
			_, err = br.ReadByte() // the server must close now
		}
		res.clean = isClosedErr(err)
		res.closed = time.Since(start)
		if !res.clean {
			res.err = fmt.Errorf("after the response: %v", err)
		}
	}()
	// The reader goroutine owns res until done is closed; the writer
	// counts in sent.
	sent, werr := 0, error(nil)
	if _, werr = nc.Write([]byte(head)); werr == nil {
		sent = len(head)
	}
	for i := 0; werr == nil; i++ {
		select {
		case <-done:
			res.sentLen = sent
			return res
		case <-time.After(gap):
		}
		if _, werr = nc.Write([]byte{trickle[i%len(trickle)]}); werr == nil {
			sent++
		} // else the server closed; the reader reports how
	}
	<-done
	res.sentLen = sent
	return res
}

func TestHardeningSlowClients(t *testing.T) {
	var started atomic.Int64
	srv := &engine.Server{
		Handler:     slowHandler(&started),
		HeadTimeout: scale.headTimeout,
		BodyTimeout: scale.bodyTimeout,
	}
	addr := startServer(t, srv)
	// On the parking path a body is collected before its handler runs
	// (Server.BodyBufferBytes): no slow upload gets a handler, and the
	// one whose handler would ignore its body is cut like the others.
	// On the goroutine-per-connection path every handler starts at once.
	collected := srv.Parking()
	wantStarted := int64(scale.slowBodies)
	if collected {
		wantStarted = 0
	}
	g0 := runtime.NumGoroutine()
	heap0 := liveHeap()

	// limit bounds each slow exchange: the timeout plus generous slack for
	// a loaded machine. Being cut off later than this fails the test.
	slack := 3*time.Second + 2*scale.trickle
	headLimit := scale.headTimeout + slack
	bodyLimit := scale.bodyTimeout + slack
	lorisHead := "GET /plaintext HTTP/1.1\r\nHost: a\r\nUser-Agent: "
	filler := strings.Repeat("slowloris", 100)
	uploadHead := func(path string, size int) string {
		return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n", path, size)
	}
	chunkedHead := "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n7fffff\r\n"

	results := make(chan slowResult, scale.slowloris+scale.slowBodies)
	var wg sync.WaitGroup
	for range scale.slowloris {
		wg.Go(func() { results <- slowClient(addr, "slowloris", lorisHead, filler, scale.trickle, headLimit) })
	}
	for i := range scale.slowBodies {
		switch i % 3 {
		case 0:
			wg.Go(func() {
				results <- slowClient(addr, "upload", uploadHead("/echo", slowUploadSize), filler, scale.trickle, bodyLimit)
			})
		case 1:
			wg.Go(func() { results <- slowClient(addr, "chunked", chunkedHead, filler, scale.trickle, bodyLimit) })
		case 2:
			wg.Go(func() {
				results <- slowClient(addr, "ignored", uploadHead("/ignore", slowIgnoreSize), filler, scale.trickle, bodyLimit)
			})
		}
	}

	// Every slow client is connected and being served: measure what they
	// cost while they are all held open.
	// The cost is divided by the clients the server holds at the moment of
	// measuring, not by all that were started: on a loaded machine some may
	// not have connected yet.
	slowN := scale.slowloris + scale.slowBodies
	if !waitFor(scale.headTimeout, func() bool {
		return srv.Stats().Active >= int64(slowN) && started.Load() == wantStarted
	}) {
		t.Logf("only %d of %d slow clients active when measured", srv.Stats().Active, slowN)
	}
	heldHeap := liveHeap()
	held := srv.Stats().Active
	if held < int64(slowN)/2 {
		t.Fatalf("only %d of %d slow clients connected after %v: too few to measure", held, slowN, scale.headTimeout)
	}
	perConn := int64(heldHeap-heap0) / held
	t.Logf("%d slow clients held: live heap +%d KiB, %d B per connection (client and server side), %d goroutines",
		held, int64(heldHeap-heap0)>>10, perConn, runtime.NumGoroutine()-g0)
	// Each holds a read buffer (4 KiB) on each side and a few small
	// structures; announcing 8 MiB must not make the server reserve it.
	if perConn > 64<<10 {
		t.Errorf("slow clients cost %d bytes of heap each; want memory to follow the bytes sent, not Content-Length", perConn)
	}

	// Meanwhile, a normal client keeps being answered.
	fast, fastBR := dial(t, addr)
	var worst time.Duration
	answered := 0
	allDone := make(chan struct{})
	go func() { wg.Wait(); close(allDone) }()
	for loop := true; loop; {
		select {
		case <-allDone:
			loop = false
		case <-time.After(20 * time.Millisecond):
			worst = max(worst, getOK(t, fast, fastBR, "/plaintext", 5*time.Second))
			answered++
		}
	}
	close(results)
	t.Logf("normal client: %d answers, slowest %v", answered, worst)
	if answered < 3 {
		t.Errorf("normal client answered only %d times during the attack", answered)
	}

	counts := map[string]int{}
	for r := range results {
		counts[r.kind]++
		timeout, limit := scale.bodyTimeout, bodyLimit
		wantStatus := http.StatusRequestTimeout
		switch r.kind {
		case "slowloris":
			timeout, limit = scale.headTimeout, headLimit
		case "ignored":
			if !collected {
				wantStatus = http.StatusOK // answered first, then cut off while the rest drains
			}
		}
		switch {
		case r.err != nil:
			t.Errorf("%s: %v (status %d after %v)", r.kind, r.err, r.status, r.answer)
		case r.status != wantStatus:
			t.Errorf("%s: status %d, want %d", r.kind, r.status, wantStatus)
		case !r.clean:
			t.Errorf("%s: connection not closed cleanly", r.kind)
		case r.closed < timeout*9/10:
			t.Errorf("%s: cut off after %v, before the %v timeout", r.kind, r.closed, timeout)
		case r.closed > limit:
			t.Errorf("%s: cut off only after %v (timeout %v)", r.kind, r.closed, timeout)
		case r.kind == "ignored" && !collected && r.answer >= timeout:
			t.Errorf("ignored upload answered only after %v: the response waited for the body", r.answer)
		}
	}
	t.Logf("slow clients by kind: %v", counts)
	if n := started.Load(); n != wantStarted {
		t.Errorf("%d handlers started for slow bodies, want %d (collected: %v)", n, wantStarted, collected)
	}
	if st := srv.Stats(); st.Timeouts < int64(slowN) {
		t.Errorf("%d timeouts counted, want at least %d: %+v", st.Timeouts, slowN, st)
	}
	waitIdleServer(t, srv, 5*time.Second)
	// The slow connections' goroutines are gone: only the normal client's
	// connection may still be served (on the parking path it parks once
	// it has been quiet for BufferReleaseDelay, and then holds none).
	// Pool workers outlive their connections until they expire; they hold
	// no connection.
	if !waitFor(5*time.Second, func() bool { return connGoroutines() <= 1 }) {
		t.Errorf("%d connection goroutines left, want at most 1 (the normal client)", connGoroutines())
	}
}

// TestHardeningHeadTimeoutFromAccept: on a new connection the head timeout
// runs from the accept, so a client cannot first wait almost the whole
// timeout in silence and then trickle its head for another.
func TestHardeningHeadTimeoutFromAccept(t *testing.T) {
	const timeout = time.Second
	srv := &engine.Server{Handler: conn.HandlerFunc(testNative), HeadTimeout: timeout}
	addr := startServer(t, srv)
	res := slowClient(addr, "late", "", "GET /plaintext HTTP/1.1\r\nHost: a\r\nX: "+strings.Repeat("a", 100),
		timeout*8/10, 4*timeout)
	if res.status != http.StatusRequestTimeout || !res.clean {
		t.Fatalf("status %d clean %v err %v, want 408 then close", res.status, res.clean, res.err)
	}
	if res.sentLen < 1 {
		t.Fatalf("the client sent nothing: the test did not test")
	}
	if res.answer > timeout+timeout/2 {
		t.Fatalf("answered after %v: the head timeout (%v) restarted at the first byte", res.answer, timeout)
	}
}
