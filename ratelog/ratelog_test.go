package ratelog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// sink records the lines written, safely for the timer's goroutine.
type sink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *sink) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Split(strings.TrimSpace(s.buf.String()), "\n")
}

// represented returns how many records the lines stand for: a summary
// line its "suppressed" count, any other line one.
func represented(t *testing.T, lines []string) int {
	n := 0
	for _, l := range lines {
		_, v, ok := strings.Cut(l, SuppressedKey+"=")
		if !ok {
			n++
			continue
		}
		c, err := strconv.Atoi(strings.Fields(v)[0])
		if err != nil || c <= 0 {
			t.Fatalf("bad count in %q", l)
		}
		n += c
	}
	return n
}

func newLogger(out *sink, interval time.Duration) (*slog.Logger, *Handler) {
	h := New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelDebug}), Options{Interval: interval})
	return slog.New(h), h
}

func TestRepeatedErrorsAreLimited(t *testing.T) {
	const interval, records = 50 * time.Millisecond, 5000
	out := &sink{}
	log, _ := newLogger(out, interval)
	start := time.Now()
	var wg sync.WaitGroup
	for g := range 10 {
		wg.Go(func() {
			for i := range records / 10 {
				log.Error("request failed", "path", fmt.Sprintf("/p/%d/%d", g, i), "status", 503, "err", "sessionstore: too many sessions")
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	time.Sleep(3 * interval) // the last summary line
	lines := out.lines()
	if got := represented(t, lines); got != records {
		t.Fatalf("the lines stand for %d records, want %d:\n%s", got, records, strings.Join(lines, "\n"))
	}
	if limit := int(elapsed/interval) + 2; len(lines) > limit {
		t.Fatalf("%d lines for %v of identical errors, at most %d allowed", len(lines), elapsed, limit)
	}
	if len(lines) < 2 || strings.Contains(lines[0], SuppressedKey) || !strings.Contains(lines[len(lines)-1], SuppressedKey) {
		t.Fatalf("want the first record as is and a count at the end:\n%s", strings.Join(lines, "\n"))
	}
}

func TestDistinctAndLowLevelPass(t *testing.T) {
	out := &sink{}
	log, _ := newLogger(out, time.Hour)
	for range 3 {
		log.Info("request", "path", "/")     // below Warn: never limited
		log.Warn("accept error", "err", "a") // distinct errors: one line each
		log.Warn("accept error", "err", "b")
		log.Error("accept error", "err", "a") // another level
	}
	lines := out.lines()
	counts := map[string]int{}
	for _, l := range lines {
		switch {
		case strings.Contains(l, "level=INFO"):
			counts["info"]++
		case strings.Contains(l, "level=WARN") && strings.Contains(l, "err=a"):
			counts["warn a"]++
		case strings.Contains(l, "level=WARN") && strings.Contains(l, "err=b"):
			counts["warn b"]++
		case strings.Contains(l, "level=ERROR"):
			counts["error a"]++
		}
	}
	want := map[string]int{"info": 3, "warn a": 1, "warn b": 1, "error a": 1}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Fatalf("lines per kind %v, want %v:\n%s", counts, want, strings.Join(lines, "\n"))
	}
}

func TestFlushAndDerivedHandlers(t *testing.T) {
	out := &sink{}
	log, h := newLogger(out, time.Hour)
	derived := log.With("component", "engine")
	for range 4 {
		log.Error("boom", "err", errors.New("disk full"))
		derived.Error("boom", "err", errors.New("disk full")) // same kind
	}
	if n := len(out.lines()); n != 1 {
		t.Fatalf("%d lines before Flush, want 1", n)
	}
	h.Flush()
	lines := out.lines()
	if len(lines) != 2 || !strings.Contains(lines[1], SuppressedKey+"=7") {
		t.Fatalf("after Flush:\n%s", strings.Join(lines, "\n"))
	}
	h.Flush() // nothing pending: nothing written
	if len(out.lines()) != 2 {
		t.Fatal("a second Flush wrote again")
	}
}

func TestKindsAreBounded(t *testing.T) {
	out := &sink{}
	h := New(slog.NewTextHandler(out, nil), Options{Interval: time.Millisecond})
	clock := time.Unix(0, 0)
	h.state.now = func() time.Time { return clock }
	for i := range 3 * maxKinds {
		clock = clock.Add(time.Millisecond)
		r := slog.NewRecord(clock, slog.LevelError, "failed", 0)
		r.AddAttrs(slog.String("err", "unique "+strconv.Itoa(i)))
		if err := h.Handle(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(h.state.kinds); n > maxKinds {
		t.Fatalf("%d kinds remembered, bound %d", n, maxKinds)
	}
	if n := len(out.lines()); n != 3*maxKinds {
		t.Fatalf("%d lines for %d distinct errors", n, 3*maxKinds)
	}
}

func TestLimit(t *testing.T) {
	out := &sink{}
	l := Limit(slog.New(slog.NewTextHandler(out, nil)))
	if Limit(l) != l {
		t.Fatal("Limit wrapped a limited Logger again")
	}
	if _, ok := Limit(nil).Handler().(*Handler); !ok {
		t.Fatal("Limit(nil) is not limited")
	}
	for range 5 {
		l.Error("x", "err", "same")
	}
	l.Handler().(*Handler).Flush()
	if got := out.lines(); len(got) != 2 || represented(t, got) != 5 {
		t.Fatalf("lines:\n%s", strings.Join(got, "\n"))
	}
}
