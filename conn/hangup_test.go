package conn

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// countingPoller counts the hang-up watches armed through it.
type countingPoller struct {
	Poller
	hangUps atomic.Int64
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

// TestHangUpWatchDelayed: a handler that asks for its request's Done and
// returns at once arms no hang-up watch (no system call); one that waits
// past hangUpDelay does, and its client leaving cancels the context with
// ErrClientGone.
func TestHangUpWatchDelayed(t *testing.T) {
	sp, err := OpenPoller()
	if err != nil {
		t.Skip("no poller on this system:", err)
	}
	defer sp.Close()
	p := &countingPoller{Poller: sp}
	client, server := loopbackPair(t)
	defer client.Close()
	cause := make(chan error, 1)
	cfg := Config{Logger: quiet, WatchHangUps: p}.WithDefaults()
	c := New(server, cfg, HandlerFunc(func(x *Ctx) {
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
	}))
	var wg sync.WaitGroup
	wg.Go(c.Serve)
	br := bufio.NewReader(client)
	for range 20 {
		io.WriteString(client, "GET /quick HTTP/1.1\r\nHost: a\r\n\r\n")
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
	}
	// A quick request never lives hangUpDelay (5 ms) after its first
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
