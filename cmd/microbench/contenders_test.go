package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestContendersAnswerAlike builds every contender of compare that serves
// cmd/hello's endpoints (cmd/hello's four handlers, fasthttp, nbio), starts
// each as a process, and compares the raw bytes each sends on a socket for
// GET /plaintext and GET /json with cmd/hello -handler native's: the same
// status line, the same header lines (the Date value masked; net/http,
// fasthttp and nbio each order them their own way), the same body and the
// same number of bytes. A contender that sent a Server header, or encoded
// JSON differently, would fail here.
func TestContendersAnswerAlike(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cmd/hello and the nested fasthttp and nbio servers")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	names := []string{"native", "nethttp", "stdlib", "framework", "fasthttp", "nbio"}
	needed := map[string]bool{}
	for _, n := range names {
		needed[n] = true
	}
	servers := prepareServers(ctx, &sources{}, t.TempDir(), needed, t.Logf)
	if len(servers) != len(names) {
		t.Fatalf("%d servers prepared, want %d", len(servers), len(names))
	}
	raw := map[string]map[string]string{} // server → path → response
	for _, s := range servers {
		if s.skip != "" {
			t.Fatalf("%s: %s", s.name, s.skip)
		}
		if err := s.start(ctx, nil, nil); err != nil {
			t.Fatalf("%s: start: %v", s.name, err)
		}
		raw[s.name] = map[string]string{}
		for _, path := range []string{"/plaintext", "/json"} {
			resp, err := rawGet(s.addr, path)
			if err != nil {
				s.stop()
				t.Fatalf("%s GET %s: %v", s.name, path, err)
			}
			raw[s.name][path] = resp
		}
		s.stop()
	}
	for _, path := range []string{"/plaintext", "/json"} {
		want := raw["native"][path]
		wantNorm := normalizeResponse(want)
		for _, name := range names[1:] {
			got := raw[name][path]
			if normalizeResponse(got) != wantNorm || len(got) != len(want) {
				t.Errorf("GET %s: %s answered %d bytes\n%q\nnative answered %d bytes\n%q", path, name, len(got), got, len(want), want)
			}
		}
	}
}

// rawGet sends one GET over a fresh connection and returns the response
// exactly as received (head and Content-Length body).
func rawGet(addr, path string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, addr); err != nil {
		return "", err
	}
	br := bufio.NewReader(c)
	var head strings.Builder
	length := -1
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return "", fmt.Errorf("head %q: %w", head.String(), err)
		}
		head.WriteString(line)
		if line == "\r\n" {
			break
		}
		if k, v, ok := strings.Cut(strings.TrimRight(line, "\r\n"), ":"); ok && strings.EqualFold(k, "Content-Length") {
			if length, err = strconv.Atoi(strings.TrimSpace(v)); err != nil {
				return "", fmt.Errorf("Content-Length %q", v)
			}
		}
	}
	if length < 0 {
		return "", fmt.Errorf("no Content-Length in %q", head.String())
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(br, body); err != nil {
		return "", err
	}
	return head.String() + string(body), nil
}

// normalizeResponse masks the Date value and sorts the header lines.
func normalizeResponse(resp string) string {
	head, body, _ := strings.Cut(resp, "\r\n\r\n")
	lines := strings.Split(head, "\r\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "Date: ") {
			lines[i] = "Date: <masked, " + strconv.Itoa(len(l)) + " bytes>"
		}
	}
	slices.Sort(lines[1:])
	return strings.Join(lines, "\r\n") + "\r\n\r\n" + body
}
