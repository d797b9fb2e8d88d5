package conn

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// countingPoller counts the hang-up watches armed through it, and the
// disarms.
type countingPoller struct {
	Poller
	hangUps, disarms atomic.Int64
}

func (p *countingPoller) Register(sc syscall.Conn, onEvent func()) (PollRegistration, error) {
	r, err := p.Poller.Register(sc, onEvent)
	if err != nil {
		return nil, err
	}
	return countingRegistration{r, p}, nil
}

type countingRegistration struct {
	PollRegistration
	p *countingPoller
}

func (r countingRegistration) ArmHangUp() error {
	r.p.hangUps.Add(1)
	return r.PollRegistration.ArmHangUp()
}

func (r countingRegistration) Disarm() error {
	r.p.disarms.Add(1)
	return r.PollRegistration.Disarm()
}

// serveWatched serves h on one side of a loopback pair, its hang-ups
// watched through a countingPoller, and returns the client side and the
// poller; the cleanup closes the client and waits for Serve to return.
func serveWatched(t *testing.T, h HandlerFunc) (net.Conn, *countingPoller, *sync.WaitGroup) {
	t.Helper()
	sp, err := OpenPoller()
	if err != nil {
		t.Skip("no poller on this system:", err)
	}
	p := &countingPoller{Poller: sp}
	client, server := loopbackPair(t)
	cfg := Config{Logger: quiet, WatchHangUps: p}.WithDefaults()
	c := New(server, cfg, h)
	var wg sync.WaitGroup
	wg.Go(c.Serve)
	t.Cleanup(func() {
		client.Close()
		wg.Wait()
		sp.Close()
	})
	return client, p, &wg
}

// getEach sends n requests for path on client, one after another, and
// reads each response (br reads client).
func getEach(t *testing.T, client net.Conn, br *bufio.Reader, path string, n int) {
	t.Helper()
	for range n {
		io.WriteString(client, "GET "+path+" HTTP/1.1\r\nHost: a\r\n\r\n")
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
	}
}

// TestHangUpWatchDelayed: a handler that asks for its request's Done and
// returns at once arms no hang-up watch (no system call); one that waits
// past hangUpDelay does, and its client leaving cancels the context with
// ErrClientGone.
func TestHangUpWatchDelayed(t *testing.T) {
	cause := make(chan error, 1)
	client, p, wg := serveWatched(t, func(x *Ctx) {
		ctx := x.Context()
		if string(x.Path()) == "/quick" {
			<-time.After(0) // a quick call that selects on ctx.Done
			select {
			case <-ctx.Done():
			default:
			}
			x.WriteString("quick")
			return
		}
		select {
		case <-ctx.Done():
			cause <- context.Cause(ctx)
		case <-time.After(10 * time.Second):
			cause <- nil
		}
	})
	br := bufio.NewReader(client)
	getEach(t, client, br, "/quick", 20)
	// A quick request never lives hangUpDelay (50 ms) after its first
	// Done; on a loaded machine one may be descheduled that long, so a
	// couple are tolerated. The old code armed one for every request.
	if n := p.hangUps.Load(); n > 2 {
		t.Errorf("%d hang-up watches armed for 20 quick requests, want none (at most 2 on a loaded machine)", n)
	}
	quick := p.hangUps.Load()
	io.WriteString(client, "GET /wait HTTP/1.1\r\nHost: a\r\n\r\n")
	deadline := time.Now().Add(5 * time.Second)
	for p.hangUps.Load() == quick && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := p.hangUps.Load() - quick; n != 1 {
		t.Fatalf("%d hang-up watches armed for a waiting request, want 1", n)
	}
	client.Close()
	if err := <-cause; err != ErrClientGone {
		t.Errorf("context cause %v, want ErrClientGone", err)
	}
	wg.Wait()
}

// TestHangUpWatchStaysArmed: the requests of a keep-alive client that each
// wait past hangUpDelay arm the socket once between them (a watch that
// ends leaves it armed, and is never disarmed by a system call); a client
// that half-closes its side behind its next request, whose report may
// come between two requests and be dropped, still cancels that request
// with ErrClientGone.
func TestHangUpWatchStaysArmed(t *testing.T) {
	cause := make(chan error, 1)
	client, p, wg := serveWatched(t, func(x *Ctx) {
		ctx := x.Context()
		wait := 4 * hangUpDelay
		if string(x.Path()) == "/block" {
			wait = 10 * time.Second
		}
		select {
		case <-ctx.Done():
			cause <- context.Cause(ctx)
		case <-time.After(wait):
			x.WriteString("waited")
		}
	})
	br := bufio.NewReader(client)
	const requests = 4
	getEach(t, client, br, "/wait", requests)
	if n := p.hangUps.Load(); n != 1 {
		t.Errorf("%d hang-up watches armed for %d waiting requests on one connection, want 1", n, requests)
	}
	if n := p.disarms.Load(); n != 0 {
		t.Errorf("%d disarms, want none", n)
	}
	select {
	case err := <-cause:
		t.Fatalf("a request that waited was cancelled: %v", err)
	default:
	}
	io.WriteString(client, "GET /block HTTP/1.1\r\nHost: a\r\n\r\n")
	client.(*net.TCPConn).CloseWrite()
	select {
	case err := <-cause:
		if err != ErrClientGone {
			t.Errorf("context cause %v, want ErrClientGone", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the half-closed client's request was not cancelled within 5 s")
	}
	wg.Wait()
}

// holdContext returns a handler that waits on its request's context for
// d (or until it ends), counts the request in armed if its hang-up watch
// was armed by then, and answers "held".
func holdContext(d time.Duration, armed *atomic.Int64) HandlerFunc {
	return func(x *Ctx) {
		select {
		case <-x.Context().Done():
		case <-time.After(d):
		}
		r := x.c.w.req
		r.mu.Lock()
		if r.armed {
			armed.Add(1)
		}
		r.mu.Unlock()
		x.WriteString("held")
	}
}

// TestHangUpWatchTimedPerRequest: the sweeper, started by an earlier
// request, arms no watch for a request that has not itself run
// hangUpDelay since it began. Each request here holds its context
// for three fifths of the delay, back to back, so sweeps come in the
// middle of later requests than the one that started the timer.
func TestHangUpWatchTimedPerRequest(t *testing.T) {
	var armed atomic.Int64 // requests whose watch was armed (the socket is armed once: count the requests)
	client, _, _ := serveWatched(t, holdContext(hangUpDelay*3/5, &armed))
	br := bufio.NewReader(client)
	const requests = 30
	getEach(t, client, br, "/hold", requests)
	// As in TestHangUpWatchDelayed, a request descheduled long on a
	// loaded machine may cross the delay: a couple are tolerated. A timer
	// that armed the request it found one delay after it started would
	// arm about every other one.
	if n := armed.Load(); n > 2 {
		t.Errorf("%d hang-up watches armed for %d requests that each held their context %v, want none (at most 2 on a loaded machine)", n, requests, hangUpDelay*3/5)
	}
}

// TestHangUpSweepsPerTick: many connections whose requests all wait past
// hangUpDelay each get their watch armed, while the one timer behind the
// delay fires at most once per sweepTick, however many requests wait: a
// timer per request, or per connection, fired about once per request.
// The bound holds for the whole process (sweeps are at least sweepTick
// apart), so other tests running meanwhile cannot break it.
func TestHangUpSweepsPerTick(t *testing.T) {
	const conns, each = 16, 5
	hold := 3 * hangUpDelay
	var armed atomic.Int64
	h := holdContext(hold, &armed)
	clients := make([]net.Conn, conns)
	for i := range clients {
		clients[i], _, _ = serveWatched(t, h)
	}
	start, sweeps := time.Now(), sweep.sweeps.Load()
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() { getEach(t, c, bufio.NewReader(c), "/hold", each) })
	}
	wg.Wait()
	n, elapsed := sweep.sweeps.Load()-sweeps, time.Since(start)
	if limit := int64(elapsed/sweepTick) + 2; n > limit {
		t.Errorf("%d sweeps in %v for %d requests, want at most %d (one per %v)", n, elapsed, conns*each, limit, sweepTick)
	}
	// A sweep may come late on a loaded machine, after a request held
	// its context: a few unarmed ones are tolerated.
	if a := armed.Load(); a < conns*each*3/4 {
		t.Errorf("%d of %d requests that held their context %v were watched, want nearly all", a, conns*each, hold)
	}
	t.Logf("%d requests, %d sweeps in %v, %d watched", conns*each, n, elapsed, armed.Load())
}

// BenchmarkRequestContext is the context machinery of one database call
// with a timeout (context.WithTimeout, and pgx's context.AfterFunc on
// it), made from a background context ("detached", the native tfb
// handler) and from the request's context ("request": its context made,
// asked for Done, ended), as a framework handler that passes its
// request's context makes it.
func BenchmarkRequestContext(b *testing.B) {
	call := func(parent context.Context) {
		ctx, cancel := context.WithTimeout(parent, 2*time.Second)
		stop := context.AfterFunc(ctx, func() {})
		stop()
		cancel()
	}
	b.Run("detached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			call(context.Background())
		}
	})
	b.Run("request", func(b *testing.B) {
		client, server := net.Pipe()
		defer client.Close()
		c := New(server, Config{Logger: quiet}.WithDefaults(), HandlerFunc(func(*Ctx) {}))
		c.takeWork()
		defer c.putWork()
		b.ReportAllocs()
		for b.Loop() {
			call(c.requestContext())
			c.endRequest()
		}
	})
}
