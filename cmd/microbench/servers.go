package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

const modulePath = "github.com/microframe/microframe"

// sources says where the contenders' binaries come from: prebuilt ones, or
// a build from the module source (compare and idle share it).
type sources struct {
	src                                 string
	helloBin, fastBin, nbioBin, todoBin string
}

// register adds the flags -src, -hello, -fasthttp, -nbio and, withTodo,
// -todo to fs.
func (b *sources) register(fs *flag.FlagSet, withTodo bool) {
	fs.StringVar(&b.src, "src", "", "root of the microframe module to build from (default: found from the working directory)")
	fs.StringVar(&b.helloBin, "hello", "", "prebuilt cmd/hello binary (default: build it)")
	fs.StringVar(&b.fastBin, "fasthttp", "", "prebuilt cmd/microbench/fasthttpserver binary (default: build it)")
	fs.StringVar(&b.nbioBin, "nbio", "", "prebuilt cmd/microbench/nbioserver binary (default: build it)")
	if withTodo {
		fs.StringVar(&b.todoBin, "todo", "", "prebuilt cmd/todo binary (default: build it)")
	}
}

// parseFlagSet parses args and refuses positional arguments.
func parseFlagSet(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return nil
}

// server is one contender process started by compare.
type server struct {
	name string
	bin  string
	args []string // besides -addr

	skip     string            // why it is left out, if it is
	badLoads map[string]string // load name → why that load is left out

	addr   string
	pid    int
	cmd    *exec.Cmd
	done   chan struct{} // closed when the process has exited
	output tailBuffer
}

// prepareServers builds (or takes from flags) the binaries of the needed
// contenders. A contender whose build fails is returned with skip set.
func prepareServers(ctx context.Context, f *sources, dir string, needed map[string]bool, logf func(string, ...any)) []*server {
	needHello := needed["native"] || needed["nethttp"] || needed["stdlib"] || needed["framework"]
	type build struct {
		bin  *string
		pkg  string // directory relative to the module root; may be a nested module
		name string
		err  string
		need bool
	}
	builds := []*build{
		{bin: &f.helloBin, pkg: "cmd/hello", name: "hello", need: needHello},
		{bin: &f.fastBin, pkg: "cmd/microbench/fasthttpserver", name: "fasthttpserver", need: needed["fasthttp"]},
		{bin: &f.todoBin, pkg: "cmd/todo", name: "todo", need: needed["todo"]},
		{bin: &f.nbioBin, pkg: "cmd/microbench/nbioserver", name: "nbioserver", need: needed["nbio"]},
	}
	for _, b := range builds {
		if !b.need || *b.bin != "" {
			continue
		}
		if f.src == "" {
			root, err := findModuleRoot()
			if err != nil {
				b.err = err.Error()
				continue
			}
			f.src = root
		}
		out := filepath.Join(dir, b.name)
		logf("building %s", b.pkg)
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./"+b.pkg)
		cmd.Dir = f.src
		if _, err := os.Stat(filepath.Join(f.src, b.pkg, "go.mod")); err == nil { // a nested module of its own
			cmd = exec.CommandContext(ctx, "go", "build", "-o", out, ".")
			cmd.Dir = filepath.Join(f.src, b.pkg)
		}
		if msg, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Sprintf("go build %s failed: %s", b.pkg, firstLines(string(msg), 3))
			continue
		}
		*b.bin = out
	}
	helloErr, fastErr, todoErr, nbioErr := builds[0].err, builds[1].err, builds[2].err, builds[3].err
	var servers []*server
	for _, name := range allContenders {
		if !needed[name] {
			continue
		}
		s := &server{name: name, badLoads: map[string]string{}}
		switch name {
		case "fasthttp":
			s.bin, s.skip = f.fastBin, fastErr
		case "nbio":
			s.bin, s.skip = f.nbioBin, nbioErr
		case "todo":
			s.bin, s.skip, s.args = f.todoBin, todoErr, []string{"-seed", "3"}
		default:
			s.bin, s.skip, s.args = f.helloBin, helloErr, []string{"-handler", name}
		}
		servers = append(servers, s)
	}
	return servers
}

// findModuleRoot walks up from the working directory to the root of the
// microframe module.
func findModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(b, []byte("module "+modulePath+"\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the " + modulePath + " module: give -src or prebuilt binaries")
		}
		dir = parent
	}
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = append(lines[:n], "...")
	}
	return strings.Join(lines, " | ")
}

// freeAddr finds a loopback port nobody listens on. The port is released
// before the server binds it; on a busy machine another process could take
// it first, in which case the server fails to start and is skipped.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// start launches the server on a free loopback port and waits until it
// answers HTTP. It then checks each load that applies to it and records in
// badLoads those whose path does not answer 2xx.
func (s *server) start(ctx context.Context, pin []string, loads []load) error {
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	s.addr = addr
	argv := append(append(append([]string{}, pin...), s.bin, "-addr", addr), s.args...)
	s.cmd = exec.Command(argv[0], argv[1:]...)
	s.cmd.Stdout = &s.output
	s.cmd.Stderr = &s.output
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive microbench
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.pid = s.cmd.Process.Pid
	s.done = make(chan struct{})
	go func() { s.cmd.Wait(); close(s.done) }()

	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case <-s.done:
			return fmt.Errorf("exited at start: %s", firstLines(s.output.String(), 3))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		resp, err := client.Get("http://" + addr + "/")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not answering on %s after 15s: %v", addr, err)
		}
	}
	for _, l := range loads {
		if !slices.Contains(l.servers, s.name) {
			continue
		}
		resp, err := client.Get("http://" + addr + l.path)
		if err != nil {
			s.badLoads[l.name] = err.Error()
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			s.badLoads[l.name] = fmt.Sprintf("GET %s answered %s", l.path, resp.Status)
		}
	}
	return nil
}

// stop asks the server to shut down (SIGTERM) and kills it if it has not
// exited within five seconds.
func (s *server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// tailBuffer keeps the last 4 KiB written to it; safe for concurrent use.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 4096 {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-4096:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// machineInfo describes where and how a comparison ran.
type machineInfo struct {
	Date        string `json:"date"`
	CPU         string `json:"cpu"`
	CPUs        int    `json:"cpus"`
	MemoryGiB   int64  `json:"memory_gib"`
	Kernel      string `json:"kernel"`
	Go          string `json:"go"`
	Pinned      bool   `json:"pinned"`
	Connections int    `json:"connections"`
	Duration    string `json:"duration"`
	Warmup      string `json:"warmup"`
	Rounds      int    `json:"rounds"`
	Command     string `json:"command"`
}

func describeMachine(f *compareFlags) machineInfo {
	m := machineInfo{
		Date: time.Now().UTC().Format("2006-01-02 15:04 MST"), CPUs: runtime.NumCPU(), Go: runtime.Version(),
		Pinned: f.pin, Connections: f.conns, Duration: f.dur.String(), Warmup: f.warmup.String(), Rounds: f.rounds,
		Command: "microbench " + strings.Join(os.Args[1:], " "),
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if kb, err := parseStatusKB(b, "MemTotal:"); err == nil {
			m.MemoryGiB = (kb + 1<<29) >> 30
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

func writeMachine(w io.Writer, m machineInfo) {
	fmt.Fprintf(w, "%s\n\n", m.Command)
	fmt.Fprintf(w, "date %s; %d × %s, %d GiB; Linux %s; %s; %d connections, %s per run after %s warmup, %d rounds, median shown; pinned: %v\n\n",
		m.Date, m.CPUs, m.CPU, m.MemoryGiB, m.Kernel, m.Go, m.Connections, m.Duration, m.Warmup, m.Rounds, m.Pinned)
}
