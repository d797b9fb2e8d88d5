package framework

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// heldUploads is the size of TestHardeningHeldUploads; the short form runs
// in `make test`, the long one (-tags stress) in `make stress`.
type heldUploads struct {
	uploads   int
	size      int64 // bytes of the uploaded file
	maxMemory int64
	// perUpload bounds the memory one held upload may cost: the Go heap in
	// the short form (which runs under -race, whose own memory is not heap),
	// the process's RSS in the long form.
	perUpload int64
	rss       bool
}

// multipartHead and multipartTail frame one file part of size bytes.
const (
	uploadBoundary = "held-upload-boundary"
	multipartHead  = "--" + uploadBoundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
	multipartTail  = "\r\n--" + uploadBoundary + "--\r\n"
)

// withheld is how much of each body the clients hold back.
const withheld = 1024

// TestHardeningHeldUploads holds many multipart uploads open, each with its
// last bytes withheld, and measures what they cost the server: with the
// body spilling to disk past MaxMemory, each costs about twice MaxMemory
// (the replay buffer and the multipart reader's buffer), not its size.
func TestHardeningHeldUploads(t *testing.T) {
	cfg := heldUploadsSize
	for _, transport := range []struct {
		name  string
		serve func(testing.TB, *App) string
	}{{"nethttp", serveNetHTTP}, {"engine", serveEngine}} {
		t.Run(transport.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Setenv("TMPDIR", dir)
			a := quietApp()
			a.MaxMemory = cfg.maxMemory
			a.MaxBodyBytes = cfg.size + 1<<20
			a.Post("/upload", func(r *Request) Response {
				f := r.FormFile("file")
				if f == nil {
					return Errorf(400, "no file: %v", r.ParseForm())
				}
				return Text(strconv.FormatInt(f.Size, 10))
			})
			addr := transport.serve(t, a)
			heldUploadsRun(t, cfg, addr, dir)
		})
	}
}

func heldUploadsRun(t *testing.T, cfg heldUploads, addr, dir string) {
	bodyLen := int64(len(multipartHead)) + cfg.size + int64(len(multipartTail))
	heap0, rss0 := memNow(t)
	conns := make([]net.Conn, cfg.uploads)
	errs := make(chan error, cfg.uploads)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
		t.Cleanup(func() { c.Close() })
		go func() {
			_, err := fmt.Fprintf(c, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=%s\r\nContent-Length: %d\r\n\r\n%s",
				uploadBoundary, bodyLen, multipartHead)
			if err == nil {
				_, err = io.CopyN(c, zeros{}, cfg.size-withheld)
			}
			errs <- err
		}()
	}
	for range conns {
		if err := <-errs; err != nil {
			t.Fatalf("sending: %v", err)
		}
	}
	// Wait until the server has read about everything that was sent: the
	// spill files (the body's and the multipart reader's) have grown.
	want := int64(cfg.uploads) * (cfg.size - withheld - 2*cfg.maxMemory - 512<<10)
	deadline := time.Now().Add(60 * time.Second)
	for spilled(t, dir) < want {
		if time.Now().After(deadline) {
			t.Fatalf("the server read %d bytes to disk in 60s, want %d", spilled(t, dir), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	heap1, rss1 := memNow(t)
	heapEach, rssEach := (heap1-heap0)/int64(cfg.uploads), (rss1-rss0)/int64(cfg.uploads)
	t.Logf("%d held uploads of %d MiB, MaxMemory %d KiB: heap %+.2f MiB and RSS %+.2f MiB per upload",
		cfg.uploads, cfg.size>>20, cfg.maxMemory>>10, float64(heapEach)/(1<<20), float64(rssEach)/(1<<20))
	if got := map[bool]int64{false: heapEach, true: rssEach}[cfg.rss]; got > cfg.perUpload {
		t.Errorf("a held upload costs %.2f MiB, bound %.2f MiB", float64(got)/(1<<20), float64(cfg.perUpload)/(1<<20))
	}
	// Release them: every upload completes with the right size.
	for _, c := range conns {
		go func() {
			_, err := io.CopyN(c, zeros{}, withheld)
			if err == nil {
				_, err = io.WriteString(c, multipartTail)
			}
			errs <- err
		}()
	}
	for _, c := range conns {
		if err := <-errs; err != nil {
			t.Fatalf("sending the rest: %v", err)
		}
		_ = c.SetReadDeadline(time.Now().Add(60 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("reading the response: %v", err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != strconv.FormatInt(cfg.size, 10) {
			t.Fatalf("upload answered %d %q, want 200 %d", resp.StatusCode, b, cfg.size)
		}
	}
	if n := spilled(t, dir); n != 0 {
		t.Errorf("%d bytes of temporary files left after the uploads completed", n)
	}
}

// zeros is an endless source of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// spilled returns the total size of the temporary files in dir.
func spilled(t *testing.T, dir string) int64 {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, e := range entries {
		if fi, err := os.Stat(filepath.Join(dir, e.Name())); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// memNow returns the live heap after a collection and the process's RSS.
func memNow(t *testing.T) (heap, rss int64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			rss = kb << 10
		}
	}
	return int64(ms.HeapAlloc), rss
}
