package conn

import (
	"syscall"

	"github.com/microframe/microframe/internal/poller"
)

// Poller reports readiness of connected sockets, so that an idle
// connection can give up its goroutine (Config.Park) and a running request
// can learn that its client left (Config.WatchHangUps). OpenPoller returns
// the system's; a server may bring its own.
//
// A connection registers its socket at most once, on its first park or
// hang-up watch, and deregisters it before closing it. An implementation
// must give these guarantees, on which the connection's state machine
// relies (no lost and no doubled wake-up):
//
//   - One-shot: each ArmRead or ArmHangUp call is followed by at most one
//     call of the registration's onEvent, after which the registration is
//     disarmed until the next Arm.
//   - No lost event: arming a socket that is already readable (for
//     ArmRead) or already hung up reports at once.
//   - Once Deregister returns, no onEvent of that registration is running
//     or will run.
//
// onEvent may be called on any goroutine, with the poller's locks held:
// the connection's own never blocks, and never calls Register or
// Deregister.
type Poller interface {
	// Register adds sc, disarmed: nothing is reported until an Arm call;
	// each event is reported by calling onEvent. It returns an error if
	// the socket cannot be watched (the connection then waits on its
	// goroutine, or is not watched).
	Register(sc syscall.Conn, onEvent func()) (PollRegistration, error)
}

// PollRegistration is one socket registered with a Poller. Its methods are
// safe for concurrent use.
type PollRegistration interface {
	// ArmRead asks for one report when the socket becomes readable (bytes,
	// or end of stream) or its peer hangs up.
	ArmRead() error
	// ArmHangUp asks for one report when the peer closes or half-closes
	// its side, or the socket fails; bytes that arrive are not reported.
	ArmHangUp() error
	// Disarm cancels an earlier Arm: nothing more is reported until the
	// next one, except an event being delivered at that moment.
	Disarm() error
	// Deregister removes the socket; see Poller for what it guarantees.
	// Calling it more than once does nothing.
	Deregister() error
}

// SystemPoller is the operating system's readiness notification (epoll on
// Linux) as a Poller: one instance and one goroutine deliver the events
// of every socket registered with it. It is safe for concurrent use.
type SystemPoller struct{ p *poller.Poller }

// OpenPoller starts a SystemPoller. On systems without one it returns an
// error wrapping errors.ErrUnsupported; connections then keep a goroutine
// each, and a running request is not watched for a hang-up. Close it once
// no connection uses it.
func OpenPoller() (*SystemPoller, error) {
	p, err := poller.Open()
	if err != nil {
		return nil, err
	}
	return &SystemPoller{p: p}, nil
}

// Register implements Poller. sc must be a connected socket, such as a
// *net.TCPConn (for TLS, the connection underneath). It fails once the
// poller is closed, or if the socket is already closed.
func (p *SystemPoller) Register(sc syscall.Conn, onEvent func()) (PollRegistration, error) {
	return p.register(sc, eventFunc(onEvent))
}

// register is Register with the event handler as a poller.Handler, which
// a connection can be without allocating (park.go).
func (p *SystemPoller) register(sc syscall.Conn, h poller.Handler) (PollRegistration, error) {
	r, err := p.p.Register(sc, h)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Close stops the poller's goroutine, waits for it to return and releases
// the instance. The registered sockets are not closed; later Register and
// Arm calls fail. Closing twice returns an error.
func (p *SystemPoller) Close() error { return p.p.Close() }

// eventFunc delivers a poller event to a connection's callback (a func
// value fits an interface without an allocation).
type eventFunc func()

// OnEvent implements poller.Handler.
func (f eventFunc) OnEvent(poller.Event) { f() }
