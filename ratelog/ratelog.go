// Package ratelog limits repeated log lines: a slog.Handler wrapper that
// lets the first of a series of identical records through and then at most
// one per interval, carrying the number of records it dropped meanwhile.
//
// A server under attack fails the same way thousands of times a second
// (a full session store, a refused connection); logging each failure turns
// the attack into a disk and CPU flood of its own and buries everything
// else. Wrap the handler of the server's Logger:
//
//	log := slog.New(ratelog.New(slog.NewTextHandler(os.Stderr, nil), ratelog.Options{}))
//
// Records below Options.Level (by default Warn: request logs, debug output)
// pass untouched. Records at or above it are identical when they have the
// same level, message and "err" attribute (other attributes, such as the
// path or the remote address, may differ): the first one is written, later
// ones within Options.Interval are counted and dropped, and when the
// interval ends a single summary line is written for them: the last of
// them, with an attribute "suppressed" giving how many were dropped (that
// one included). So a failure that
// repeats costs at most one line per interval however often it happens,
// and no count is lost.
package ratelog

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"
)

// Options configures New. The zero value gives the defaults.
type Options struct {
	// Interval is the shortest time between two lines of one kind of
	// record. Zero or negative means one second.
	Interval time.Duration
	// Level is the lowest level that is limited; records below it always
	// pass. Nil means slog.LevelWarn.
	Level slog.Leveler
	// Key returns what makes records identical. Nil means level, message
	// and the "err" attribute.
	Key func(slog.Record) string
}

// SuppressedKey is the attribute of a summary line that carries the number
// of identical records dropped since the previous line; the summary line
// shows the last of them.
const SuppressedKey = "suppressed"

// maxKinds bounds the number of kinds of records remembered; older idle
// ones are forgotten first.
const maxKinds = 4096

// Handler is the slog.Handler New returns. It is safe for concurrent use.
type Handler struct {
	next  slog.Handler
	state *state
}

// state is shared by a Handler and the handlers derived from it with
// WithAttrs and WithGroup.
type state struct {
	interval time.Duration
	level    slog.Leveler
	key      func(slog.Record) string
	now      func() time.Time // tests replace the clock

	mu    sync.Mutex
	kinds map[string]*kind
}

// kind is the state of one kind of record.
type kind struct {
	last       time.Time   // when its last line was written
	suppressed int         // records dropped since
	pending    slog.Record // the last dropped record
	handler    slog.Handler
	timer      *time.Timer // writes the summary line when the interval ends
}

// New returns a Handler that writes to next, limited as opts says.
func New(next slog.Handler, opts Options) *Handler {
	st := &state{interval: opts.Interval, level: opts.Level, key: opts.Key, now: time.Now, kinds: map[string]*kind{}}
	if st.interval <= 0 {
		st.interval = time.Second
	}
	if st.level == nil {
		st.level = slog.LevelWarn
	}
	if st.key == nil {
		st.key = defaultKey
	}
	return &Handler{next: next, state: st}
}

// defaultKey is level, message and the "err" attribute.
func defaultKey(r slog.Record) string {
	k := strconv.Itoa(int(r.Level)) + "\x00" + r.Message
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "err" {
			k += "\x00" + a.Value.String()
			return false
		}
		return true
	})
	return k
}

// Enabled implements slog.Handler.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// WithAttrs implements slog.Handler. The new handler shares the limits of
// h: a record is identical to one of h's if its key is.
func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	return &Handler{next: h.next.WithAttrs(as), state: h.state}
}

// WithGroup implements slog.Handler, sharing the limits like WithAttrs.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{next: h.next.WithGroup(name), state: h.state}
}

// Handle implements slog.Handler: it writes r, or counts and drops it.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	st := h.state
	if r.Level < st.level.Level() {
		return h.next.Handle(ctx, r)
	}
	key := st.key(r)
	now := st.now()
	st.mu.Lock()
	k := st.kinds[key]
	if k == nil || now.Sub(k.last) >= st.interval && k.timer == nil {
		if k == nil {
			st.forget(now)
			k = &kind{}
			st.kinds[key] = k
		}
		k.last = now
		st.mu.Unlock()
		return h.next.Handle(ctx, r)
	}
	k.suppressed++
	k.pending, k.handler = r.Clone(), h.next
	if k.timer == nil {
		k.timer = time.AfterFunc(k.last.Add(st.interval).Sub(now), func() { st.flush(key) })
	}
	st.mu.Unlock()
	return nil
}

// flush writes the summary line of the records of key dropped during the
// interval that just ended.
func (st *state) flush(key string) {
	st.mu.Lock()
	k := st.kinds[key]
	if k == nil || k.suppressed == 0 {
		if k != nil {
			k.timer = nil
		}
		st.mu.Unlock()
		return
	}
	r, next, n := k.pending, k.handler, k.suppressed
	k.suppressed, k.pending, k.handler, k.timer = 0, slog.Record{}, nil, nil
	k.last = st.now()
	st.mu.Unlock()
	r.AddAttrs(slog.Int(SuppressedKey, n))
	_ = next.Handle(context.Background(), r)
}

// forget drops idle kinds when there are too many; st.mu is held.
func (st *state) forget(now time.Time) {
	if len(st.kinds) < maxKinds {
		return
	}
	for key, k := range st.kinds {
		if k.timer == nil && now.Sub(k.last) >= st.interval {
			delete(st.kinds, key)
		}
	}
	if len(st.kinds) < maxKinds {
		return
	}
	// Every kind is recent: forget the idle ones anyway, oldest or not;
	// a busy one keeps its timer and count.
	for key, k := range st.kinds {
		if k.timer == nil {
			delete(st.kinds, key)
		}
	}
}

// Flush writes the summary lines of every kind that has dropped records
// now, without waiting for its interval to end: call it before the process
// exits, so that no count is lost.
func (h *Handler) Flush() {
	st := h.state
	st.mu.Lock()
	var keys []string
	for key, k := range st.kinds {
		if k.timer != nil && k.timer.Stop() {
			k.timer = nil
			keys = append(keys, key)
		}
	}
	st.mu.Unlock()
	for _, key := range keys {
		st.flush(key)
	}
}

// Limit returns a Logger that writes to l's handler through a Handler with
// the default Options, or l itself when its handler already is one. A nil
// l means slog.Default(). The engine and the framework pass their Loggers
// through it, so that errors repeated by every request of a flood are
// limited.
func Limit(l *slog.Logger) *slog.Logger {
	if l == nil {
		l = slog.Default()
	}
	if _, ok := l.Handler().(*Handler); ok {
		return l
	}
	return slog.New(New(l.Handler(), Options{}))
}
