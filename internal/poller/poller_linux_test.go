//go:build linux

package poller

import (
	"errors"
	"net"
	"testing"
	"time"
)

// quiet is how long a test waits to conclude that no event comes; it only
// bounds false passes, never false failures.
const quiet = 150 * time.Millisecond

// patience bounds the wait for an event that must come (loaded machine,
// race detector).
const patience = 5 * time.Second

// chanHandler records events on a buffered channel.
type chanHandler chan Event

func (c chanHandler) OnEvent(ev Event) {
	select {
	case c <- ev:
	default:
		panic("poller test: handler channel full")
	}
}

func (c chanHandler) expect(t *testing.T, want Event) {
	t.Helper()
	select {
	case got := <-c:
		if got != want {
			t.Fatalf("event %v, want %v", got, want)
		}
	case <-time.After(patience):
		t.Fatalf("no event after %v, want %v", patience, want)
	}
}

func (c chanHandler) expectNone(t *testing.T) {
	t.Helper()
	select {
	case got := <-c:
		t.Fatalf("unexpected event %v", got)
	case <-time.After(quiet):
	}
}

// pair returns the two ends of a loopback TCP connection.
func pair(t *testing.T) (server, client *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s, err := ln.Accept()
	if err != nil {
		c.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); s.Close() })
	return s.(*net.TCPConn), c.(*net.TCPConn)
}

func open(t *testing.T) *Poller {
	t.Helper()
	p, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func register(t *testing.T, p *Poller, s *net.TCPConn) (*Registration, chanHandler) {
	t.Helper()
	h := make(chanHandler, 16)
	r, err := p.Register(s, h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Deregister() })
	return r, h
}

func write(t *testing.T, c net.Conn, s string) {
	t.Helper()
	if _, err := c.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
}

func TestArmReadFiresOncePerArm(t *testing.T) {
	p := open(t)
	s, c := pair(t)
	r, h := register(t, p, s)

	write(t, c, "a")
	h.expectNone(t) // registered disarmed: nothing reported
	if err := r.ArmRead(); err != nil {
		t.Fatal(err)
	}
	h.expect(t, Readable) // already readable when armed: reported at once

	write(t, c, "b")
	h.expectNone(t) // one event per arm, even with new bytes

	if err := r.ArmRead(); err != nil {
		t.Fatal(err)
	}
	h.expect(t, Readable) // the unread bytes are still there
	buf := make([]byte, 8)
	if n, err := s.Read(buf); err != nil || string(buf[:n]) != "ab" {
		t.Fatalf("read %q, %v", buf[:n], err)
	}
	if err := r.ArmRead(); err != nil {
		t.Fatal(err)
	}
	h.expectNone(t) // drained: nothing until the peer sends
	write(t, c, "c")
	h.expect(t, Readable)
}

func TestDisarm(t *testing.T) {
	p := open(t)
	s, c := pair(t)
	r, h := register(t, p, s)
	if err := r.ArmRead(); err != nil {
		t.Fatal(err)
	}
	if err := r.Disarm(); err != nil {
		t.Fatal(err)
	}
	write(t, c, "x")
	h.expectNone(t)
	if err := r.ArmRead(); err != nil {
		t.Fatal(err)
	}
	h.expect(t, Readable)
}

func TestHangUp(t *testing.T) {
	tests := []struct {
		name string
		arm  func(*Registration) error
		send string // bytes the peer sends before closing
		want Event
	}{
		{"read armed, close", (*Registration).ArmRead, "", Readable | HangUp},
		{"read armed, bytes then close", (*Registration).ArmRead, "tail", Readable | HangUp},
		{"hang-up armed, close", (*Registration).ArmHangUp, "", HangUp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := open(t)
			s, c := pair(t)
			r, h := register(t, p, s)
			if tt.send != "" {
				write(t, c, tt.send)
			}
			if tt.want == HangUp {
				if err := tt.arm(r); err != nil {
					t.Fatal(err)
				}
			}
			c.Close()
			// Wait until the FIN has surely arrived, so one event carries both flags.
			time.Sleep(50 * time.Millisecond)
			if tt.want != HangUp {
				if err := tt.arm(r); err != nil {
					t.Fatal(err)
				}
			}
			h.expect(t, tt.want)
			h.expectNone(t)
		})
	}
}

func TestArmHangUpIgnoresBytes(t *testing.T) {
	p := open(t)
	s, c := pair(t)
	r, h := register(t, p, s)
	if err := r.ArmHangUp(); err != nil {
		t.Fatal(err)
	}
	write(t, c, "GET / HTTP/1.1\r\n\r\n")
	h.expectNone(t)
	c.Close()
	h.expect(t, HangUp)
}

func TestDeregister(t *testing.T) {
	p := open(t)
	s, c := pair(t)
	r, h := register(t, p, s)
	if err := r.ArmRead(); err != nil {
		t.Fatal(err)
	}
	if err := r.Deregister(); err != nil {
		t.Fatal(err)
	}
	write(t, c, "x")
	h.expectNone(t)
	if err := r.ArmRead(); !errors.Is(err, ErrClosed) {
		t.Fatalf("ArmRead after Deregister: %v, want ErrClosed", err)
	}
	if err := r.Deregister(); err != nil {
		t.Fatalf("second Deregister: %v", err)
	}
	// The socket can be registered again.
	r2, h2 := register(t, p, s)
	if err := r2.ArmRead(); err != nil {
		t.Fatal(err)
	}
	h2.expect(t, Readable)
}

func TestRegisterClosedConn(t *testing.T) {
	p := open(t)
	s, _ := pair(t)
	s.Close()
	if _, err := p.Register(s, make(chanHandler, 1)); err == nil {
		t.Fatal("Register of a closed connection succeeded")
	}
}

func TestClose(t *testing.T) {
	p, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	s, c := pair(t)
	h := make(chanHandler, 4)
	r, err := p.Register(s, h)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.ArmRead(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done: // the goroutine has returned (goleak in TestMain checks too)
	default:
		t.Fatal("Close returned before the poller goroutine")
	}
	write(t, c, "x")
	h.expectNone(t)
	if err := r.ArmRead(); !errors.Is(err, ErrClosed) {
		t.Fatalf("ArmRead after Close: %v, want ErrClosed", err)
	}
	if _, err := p.Register(s, h); !errors.Is(err, ErrClosed) {
		t.Fatalf("Register after Close: %v, want ErrClosed", err)
	}
	if err := r.Disarm(); err != nil {
		t.Fatalf("Disarm after Close: %v", err)
	}
	if err := r.Deregister(); err != nil {
		t.Fatalf("Deregister after Close: %v", err)
	}
	if err := p.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close: %v, want ErrClosed", err)
	}
}

// signal reports each event of its registration on seen.
type signal struct {
	r    *Registration
	seen chan struct{}
}

func (h *signal) OnEvent(Event) { h.seen <- struct{}{} }

// TestManyRegistrations checks that events reach the right handler among
// many sockets, each event exactly once per arm.
func TestManyRegistrations(t *testing.T) {
	p := open(t)
	const n = 50
	type end struct {
		c net.Conn
		s *net.TCPConn
		h *signal
	}
	ends := make([]end, n)
	for i := range ends {
		s, c := pair(t)
		h := &signal{seen: make(chan struct{}, 4)}
		r, err := p.Register(s, h)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Deregister() })
		h.r = r
		ends[i] = end{c, s, h}
	}
	for round := range 3 {
		for _, e := range ends {
			if err := e.h.r.ArmRead(); err != nil {
				t.Fatal(err)
			}
		}
		// Only the odd ones get bytes this round.
		for i, e := range ends {
			if i%2 == 1 {
				write(t, e.c, "x")
			}
		}
		for i, e := range ends {
			if i%2 == 0 {
				continue
			}
			select {
			case <-e.h.seen:
			case <-time.After(patience):
				t.Fatalf("round %d: socket %d not reported", round, i)
			}
			buf := make([]byte, 4)
			if _, err := e.s.Read(buf); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(quiet)
		for i, e := range ends {
			select {
			case <-e.h.seen:
				t.Fatalf("round %d: socket %d reported twice or without bytes", round, i)
			default:
			}
		}
		for _, e := range ends {
			if err := e.h.r.Disarm(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestEventString(t *testing.T) {
	for ev, want := range map[Event]string{0: "0", Readable: "Readable", HangUp: "HangUp", Readable | HangUp: "Readable|HangUp"} {
		if got := ev.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", uint32(ev), got, want)
		}
	}
}

// TestSocketClosedFirst: closing the socket before Deregister is safe; the
// Arm methods then fail and Deregister only forgets the registration.
func TestSocketClosedFirst(t *testing.T) {
	p := open(t)
	s, _ := pair(t)
	r, _ := register(t, p, s)
	s.Close()
	if err := r.ArmRead(); err == nil || errors.Is(err, ErrClosed) {
		t.Fatalf("ArmRead on a closed socket: %v, want a socket error", err)
	}
	if err := r.Deregister(); err != nil {
		t.Fatalf("Deregister after the socket closed: %v", err)
	}
}

// TestArmAllocs: arming and disarming allocate nothing (a parking
// connection arms once per park).
func TestArmAllocs(t *testing.T) {
	p := open(t)
	s, _ := pair(t)
	r, _ := register(t, p, s)
	allocs := testing.AllocsPerRun(100, func() {
		r.ArmRead()
		r.Disarm()
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per ArmRead+Disarm, want 0", allocs)
	}
}
