// Package poller reports readiness of connected sockets to the engine, so
// that an idle connection can give its goroutine back to a pool and be
// resumed when its peer sends bytes or leaves.
//
// It is a thin, one-shot layer over the operating system's event
// notification (epoll on Linux). A socket is registered once and is then
// armed explicitly: every Arm call reports at most one event, after which the
// registration is disarmed again until the next Arm. Events are hints about
// the socket at the moment the kernel noticed them; a receiver must cope with
// a Readable event whose bytes another reader already took.
//
// On systems without an implementation, Open returns an error wrapping
// errors.ErrUnsupported and callers keep a goroutine per connection.
package poller

import "errors"

// Event is what the poller reports about one registered socket. Several
// flags may be set at once (a peer that sends its last bytes and closes is
// Readable|HangUp).
type Event uint32

const (
	// Readable means bytes (or end of stream) can be read without blocking.
	Readable Event = 1 << iota
	// HangUp means the peer closed its side (EPOLLRDHUP) or the socket
	// failed (EPOLLHUP, EPOLLERR).
	HangUp
)

// String returns the set flags joined by "|", or "0".
func (e Event) String() string {
	switch e {
	case 0:
		return "0"
	case Readable:
		return "Readable"
	case HangUp:
		return "HangUp"
	case Readable | HangUp:
		return "Readable|HangUp"
	}
	return "Event(?)"
}

// Handler receives the events of one registration. OnEvent runs on the
// poller's own goroutine and must not block: hand real work to a pool,
// cancel a context or flip an atomic. It may call Arm or Disarm of any
// registration, but not Register, Deregister or Close (they wait for the
// poller goroutine to finish its current batch of events).
type Handler interface {
	OnEvent(ev Event)
}

// ErrClosed is returned by Register and the Arm methods once the poller is
// closed, and by the Arm methods of a registration that was deregistered.
var ErrClosed = errors.New("poller: closed")
