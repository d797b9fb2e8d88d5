package main

import (
	"bufio"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"
)

var addrLine = regexp.MustCompile(`msg=listening addr=(\S+)`)

// BenchmarkColdStart measures what a user of `make run` waits for: from
// exec of the built binary to the first response to GET / (which also
// parses the index templates, on first use). One op is one process.
//
//	go test -run '^$' -bench ColdStart -benchtime 20x ./cmd/todo
func BenchmarkColdStart(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "todo")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	var total time.Duration
	for b.Loop() {
		start := time.Now()
		cmd := exec.Command(bin, "-addr", "127.0.0.1:0")
		stderr, err := cmd.StderrPipe()
		if err != nil {
			b.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(stderr)
		addr := ""
		for addr == "" && sc.Scan() {
			if m := addrLine.FindStringSubmatch(sc.Text()); m != nil {
				addr = m[1]
			}
		}
		if addr == "" {
			cmd.Process.Kill()
			cmd.Wait()
			b.Fatal("no listening line")
		}
		resp, err := client.Get("http://" + addr + "/")
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		elapsed := time.Since(start)
		if resp.StatusCode != 200 {
			b.Fatalf("GET /: %d", resp.StatusCode)
		}
		total += elapsed
		cmd.Process.Signal(syscall.SIGTERM)
		go io.Copy(io.Discard, stderr)
		if err := cmd.Wait(); err != nil {
			b.Fatalf("exit after SIGTERM: %v", err)
		}
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms-to-first-response")
}
