package conn

import (
	"runtime"
	"testing"
	"unsafe"
)

// TestNewNeedsPreparedConfig: New and WithDefaults refuse, with a message
// that names the mistake, what would otherwise fail later on some other
// goroutine.
func TestNewNeedsPreparedConfig(t *testing.T) {
	ready := Config{Logger: quiet}.WithDefaults()
	p, err := OpenPoller()
	if err != nil {
		t.Skip("no poller on this system:", err)
	}
	defer p.Close()
	for _, tt := range []struct {
		name, want string
		f          func()
	}{
		{"nil config", "conn: New needs a Config prepared by Config.WithDefaults", func() { New(newMemConn(), nil, HandlerFunc(hello)) }},
		{"config without defaults", "conn: New needs a Config prepared by Config.WithDefaults", func() { New(newMemConn(), &Config{}, HandlerFunc(hello)) }},
		{"nil handler", "conn: New with a nil Handler", func() { New(newMemConn(), ready, nil) }},
		{"park without wake", "conn: Config.Park needs both Poller and Wake", func() { Config{Park: &Parking{Poller: p}}.WithDefaults() }},
		{"park without poller", "conn: Config.Park needs both Poller and Wake", func() { Config{Park: &Parking{Wake: func(*Conn) {}}}.WithDefaults() }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if r, _ := recover().(string); r != tt.want {
					t.Errorf("panic %q, want %q", r, tt.want)
				}
			}()
			tt.f()
		})
	}
}

// TestStatusLine: the reason phrase is net/http's (RFC 9110's names where
// net/http has them), and a code net/http does not name gets "status code
// N", as net/http's server writes it.
func TestStatusLine(t *testing.T) {
	for _, tt := range []struct {
		code int
		want string
	}{
		{200, "HTTP/1.1 200 OK\r\n"},
		{204, "HTTP/1.1 204 No Content\r\n"},
		{404, "HTTP/1.1 404 Not Found\r\n"},
		{413, "HTTP/1.1 413 Request Entity Too Large\r\n"},
		{418, "HTTP/1.1 418 I'm a teapot\r\n"},
		{431, "HTTP/1.1 431 Request Header Fields Too Large\r\n"},
		{599, "HTTP/1.1 599 status code 599\r\n"},
		{999, "HTTP/1.1 999 status code 999\r\n"},
	} {
		if got := string(appendStatusLine(nil, tt.code)); got != tt.want {
			t.Errorf("%d: %q, want %q", tt.code, got, tt.want)
		}
	}
}

// connSizeClass is the malloc size class a Conn is allocated in: what each
// open connection, parked ones included, keeps of its own on the heap
// (docs/architecture.md cites this test).
const connSizeClass = 144

// TestConnSizeClass pins connSizeClass: a Conn that grows into the next
// class (or shrinks into a smaller one) fails here, so that the docs are
// updated with it.
func TestConnSizeClass(t *testing.T) {
	size := unsafe.Sizeof(Conn{})
	if got := allocatedSize(t, func() any { return new(Conn) }); got != connSizeClass {
		t.Errorf("a Conn (unsafe.Sizeof %d B) is allocated in the %d-byte size class, want %d: update connSizeClass and docs/architecture.md",
			size, got, connSizeClass)
	}
	t.Logf("unsafe.Sizeof(Conn{}) = %d B, size class %d B", size, connSizeClass)
}

// allocatedSize returns how many heap bytes one call of alloc takes: its
// size class, read from the runtime's allocation statistics over many
// calls. A run disturbed by other goroutines' allocations is retried.
func allocatedSize(t *testing.T, alloc func() any) uint64 {
	const n = 1000
	keep := make([]any, n)
	for range 10 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for i := range keep {
			keep[i] = alloc()
		}
		runtime.ReadMemStats(&after)
		if after.Mallocs-before.Mallocs == n {
			runtime.KeepAlive(keep)
			return (after.TotalAlloc - before.TotalAlloc) / n
		}
	}
	t.Fatal("could not measure: other allocations kept interfering")
	return 0
}
