//go:build linux

package poller

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// wakeID is the event data of the poller's own eventfd, which Close writes
// to stop the poller goroutine. Registration ids start above it.
const wakeID = 0

// batch is how many events one epoll_wait may return.
const batch = 128

// Poller watches registered sockets with one epoll instance and delivers
// their events on one goroutine. It is safe for concurrent use.
type Poller struct {
	epfd   int
	wakefd int
	closed atomic.Bool
	done   chan struct{}

	// life guards the two descriptors: every epoll_ctl holds it for
	// reading, Close takes it for writing before closing them, so no call
	// ever reaches a descriptor number the process has already reused.
	life sync.RWMutex

	// mu guards the registration table and is held while a batch of
	// events is dispatched, so that once Deregister returns no OnEvent of
	// that registration runs.
	mu sync.Mutex
	// regs holds the registrations by slot, free the slots left by
	// deregistered ones: 8 bytes a registration, where a map took about
	// 30, and lookups that hash nothing. A registration's id (the event
	// data) is its slot + 1 in the low 32 bits and a generation in the
	// high 32, so that an event of a deregistered socket, returned by the
	// same epoll_wait as the new registration of its slot, is not
	// delivered to the newcomer.
	regs []*Registration
	free []uint32
	gen  uint32

	// ctls are the ctlCalls not in use, for the next epoll_ctl calls.
	ctlMu sync.Mutex
	ctls  []*ctlCall
}

// Registration is one socket registered with a Poller. Its methods are safe
// for concurrent use. It is small (64 bytes), since every registered socket
// holds one for as long as it is registered, idle or not: the scratch space
// of its epoll_ctl calls is pooled (ctlCall) rather than kept here.
type Registration struct {
	p   *Poller
	h   Handler
	raw syscall.RawConn
	id  uint64
	// armed is 1 while an event may be delivered; the poller goroutine
	// swaps it to 0 before delivering, which makes one event per arm.
	armed atomic.Uint32
	dead  atomic.Bool
}

// ctlCall carries the arguments and result of one epoll_ctl through
// RawConn.Control, whose callback is a closure: fn is made once per
// ctlCall and the poller keeps the ctlCalls not in use (Poller.ctls), so
// that arming allocates nothing (a fresh closure per call would) and no
// registration keeps one.
type ctlCall struct {
	epfd int
	op   int
	ev   unix.EpollEvent
	err  error
	fn   func(fd uintptr)
}

func (c *ctlCall) run(fd uintptr) { c.err = unix.EpollCtl(c.epfd, c.op, int(fd), &c.ev) }

// maxSpareCtls bounds Poller.ctls: more epoll_ctl calls than this at once
// are rare, and their ctlCalls are left to the garbage collector.
const maxSpareCtls = 256

// getCtl returns a ctlCall for one epoll_ctl on p.
func (p *Poller) getCtl() *ctlCall {
	p.ctlMu.Lock()
	if n := len(p.ctls); n > 0 {
		c := p.ctls[n-1]
		p.ctls = p.ctls[:n-1]
		p.ctlMu.Unlock()
		return c
	}
	p.ctlMu.Unlock()
	c := &ctlCall{epfd: p.epfd}
	c.fn = c.run
	return c
}

// putCtl gives c back to p once its call returned.
func (p *Poller) putCtl(c *ctlCall) {
	c.err = nil
	p.ctlMu.Lock()
	if len(p.ctls) < maxSpareCtls {
		p.ctls = append(p.ctls, c)
	}
	p.ctlMu.Unlock()
}

// Open creates an epoll instance and starts the goroutine that delivers its
// events. Call Close to stop it.
func Open() (*Poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("poller: epoll_create1: %w", err)
	}
	wakefd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(epfd)
		return nil, fmt.Errorf("poller: eventfd: %w", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN}
	setID(&ev, wakeID)
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wakefd, &ev); err != nil {
		unix.Close(wakefd)
		unix.Close(epfd)
		return nil, fmt.Errorf("poller: epoll_ctl add eventfd: %w", err)
	}
	p := &Poller{epfd: epfd, wakefd: wakefd, done: make(chan struct{})}
	go p.loop()
	return p, nil
}

// Close stops the poller goroutine, waits for it to return and releases
// the epoll instance. Registrations need not be deregistered first; their
// sockets are not closed. Later Register and Arm calls return ErrClosed,
// later Deregister and Disarm calls do nothing. Closing twice returns
// ErrClosed.
func (p *Poller) Close() error {
	if p.closed.Swap(true) {
		return ErrClosed
	}
	var one = [8]byte{1}
	if _, err := unix.Write(p.wakefd, one[:]); err != nil && !errors.Is(err, unix.EAGAIN) {
		// The goroutine cannot be woken: it would leak. This only happens
		// if the eventfd is broken, which Open ruled out.
		return fmt.Errorf("poller: wake: %w", err)
	}
	<-p.done
	p.life.Lock()
	defer p.life.Unlock()
	err1 := unix.Close(p.wakefd)
	err2 := unix.Close(p.epfd)
	p.mu.Lock()
	p.regs, p.free = nil, nil
	p.mu.Unlock()
	return errors.Join(err1, err2)
}

// Register adds a connected socket, disarmed: nothing is reported until an
// Arm call. sc is usually a *net.TCPConn (for TLS, the underlying TCP
// connection). Deregister before closing the socket. It returns ErrClosed
// after Close, or an error if the socket's descriptor cannot be reached (a
// closed connection) or added.
func (p *Poller) Register(sc syscall.Conn, h Handler) (*Registration, error) {
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("poller: register: %w", err)
	}
	p.life.RLock()
	defer p.life.RUnlock()
	if p.closed.Load() {
		return nil, ErrClosed
	}
	r := &Registration{p: p, h: h, raw: raw}
	p.mu.Lock()
	p.add(r)
	p.mu.Unlock()
	if err := r.ctl(unix.EPOLL_CTL_ADD, 0); err != nil {
		p.mu.Lock()
		p.remove(r)
		p.mu.Unlock()
		return nil, fmt.Errorf("poller: register: %w", err)
	}
	return r, nil
}

// add gives r a slot and an id; p.mu is held.
func (p *Poller) add(r *Registration) {
	var slot uint32
	if n := len(p.free); n > 0 {
		slot = p.free[n-1]
		p.free = p.free[:n-1]
	} else {
		slot = uint32(len(p.regs))
		p.regs = append(p.regs, nil)
	}
	p.gen++
	r.id = uint64(p.gen)<<32 | uint64(slot+1) // never wakeID
	p.regs[slot] = r
}

// remove frees r's slot; p.mu is held.
func (p *Poller) remove(r *Registration) {
	slot := uint32(r.id) - 1
	if int(slot) < len(p.regs) && p.regs[slot] == r {
		p.regs[slot] = nil
		p.free = append(p.free, slot)
	}
}

// lookup returns the registration whose id is id, or nil (the eventfd's
// wakeID, or a registration since removed); p.mu is held.
func (p *Poller) lookup(id uint64) *Registration {
	slot := uint64(uint32(id)) - 1
	if slot >= uint64(len(p.regs)) {
		return nil
	}
	if r := p.regs[slot]; r != nil && r.id == id {
		return r
	}
	return nil
}

// ArmRead asks for one report of Readable or HangUp (whichever comes first,
// possibly both at once). If the socket is already readable, the event is
// delivered at once. It returns ErrClosed if the poller is closed or the
// registration deregistered.
func (r *Registration) ArmRead() error {
	return r.arm(unix.EPOLLIN | unix.EPOLLRDHUP)
}

// ArmHangUp asks for one report of HangUp only: bytes that arrive are not
// reported. It returns ErrClosed like ArmRead.
func (r *Registration) ArmHangUp() error {
	return r.arm(unix.EPOLLRDHUP)
}

// Disarm cancels an earlier Arm: nothing is reported until the next Arm,
// except an event the poller goroutine is delivering at this very moment.
// It does nothing once the poller is closed or the registration
// deregistered.
func (r *Registration) Disarm() error {
	r.armed.Store(0)
	err := r.lockedCtl(unix.EPOLL_CTL_MOD, 0)
	if errors.Is(err, ErrClosed) {
		return nil
	}
	return err
}

// Deregister removes the socket from the poller. When it returns, no
// OnEvent of this registration is running or will run. Call it before
// closing the socket; calling it twice, or after Close, does nothing. (If
// the socket was closed first, the kernel already dropped it: Deregister
// then only forgets the registration and returns nil.)
func (r *Registration) Deregister() error {
	if r.dead.Swap(true) {
		return nil
	}
	r.armed.Store(0)
	err := r.lockedCtl(unix.EPOLL_CTL_DEL, 0)
	r.p.mu.Lock()
	r.p.remove(r)
	r.p.mu.Unlock()
	if errors.Is(err, ErrClosed) || errors.Is(err, errSocketClosed) {
		return nil
	}
	return err
}

func (r *Registration) arm(events uint32) error {
	if r.dead.Load() {
		return ErrClosed
	}
	r.armed.Store(1)
	if err := r.lockedCtl(unix.EPOLL_CTL_MOD, events); err != nil {
		r.armed.Store(0)
		return err
	}
	return nil
}

// lockedCtl runs ctl while the poller's descriptors are known to be open.
func (r *Registration) lockedCtl(op int, events uint32) error {
	r.p.life.RLock()
	defer r.p.life.RUnlock()
	if r.p.closed.Load() {
		return ErrClosed
	}
	if err := r.ctl(op, events); err != nil {
		return fmt.Errorf("poller: epoll_ctl: %w", err)
	}
	return nil
}

// errSocketClosed reports an epoll_ctl skipped because the socket is closed.
var errSocketClosed = errors.New("poller: socket closed")

// ctl applies events (always one-shot) to the socket. It runs inside
// RawConn.Control, which holds the runtime's reference to the descriptor:
// a socket closed meanwhile by another goroutine cannot have its number
// reused by a new socket while epoll_ctl runs on it. Concurrent calls of
// one registration need no lock of their own: each has its own ctlCall,
// and the kernel orders epoll_ctl calls on one epoll instance.
func (r *Registration) ctl(op int, events uint32) error {
	c := r.p.getCtl()
	c.op = op
	c.ev = unix.EpollEvent{Events: events | unix.EPOLLONESHOT}
	setID(&c.ev, r.id)
	cerr := r.raw.Control(c.fn)
	err := c.err
	r.p.putCtl(c)
	if cerr != nil {
		return fmt.Errorf("%w: %w", errSocketClosed, cerr)
	}
	return err
}

// loop is the poller goroutine: wait, dispatch, until Close wakes it.
func (p *Poller) loop() {
	defer close(p.done)
	var events [batch]unix.EpollEvent
	for {
		n, err := unix.EpollWait(p.epfd, events[:], -1)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			// Not recoverable (the descriptor is broken); stop rather than
			// spin. Close still works: it only waits for done.
			return
		}
		if p.closed.Load() {
			return
		}
		p.mu.Lock()
		for i := range n {
			r := p.lookup(getID(&events[i]))
			if r == nil || !r.armed.CompareAndSwap(1, 0) {
				continue
			}
			r.h.OnEvent(translate(events[i].Events))
		}
		p.mu.Unlock()
	}
}

func translate(e uint32) Event {
	var ev Event
	if e&unix.EPOLLIN != 0 {
		ev |= Readable
	}
	if e&(unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
		ev |= HangUp
	}
	return ev
}

// setID stores a 64-bit id in the event's data (Fd and Pad together form
// the kernel's 64-bit epoll_data on every Linux architecture).
func setID(ev *unix.EpollEvent, id uint64) {
	ev.Fd = int32(uint32(id))
	ev.Pad = int32(uint32(id >> 32))
}

func getID(ev *unix.EpollEvent) uint64 {
	return uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
}
