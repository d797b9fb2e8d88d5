package peers

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
)

// get sends one GET over a fresh keep-alive connection and reads the
// response as sent, Content-Length framed (every contender must send one),
// so that the header names are the server's, not a client's rewrite.
func get(addr, path string) (*response, error) {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, addr); err != nil {
		return nil, err
	}
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil {
		return nil, err
	}
	f := strings.Fields(line)
	if len(f) < 2 || !strings.HasPrefix(f[0], "HTTP/1.1") {
		return nil, fmt.Errorf("status line %q", line)
	}
	r := &response{header: map[string]string{}}
	if r.status, err = strconv.Atoi(f[1]); err != nil {
		return nil, fmt.Errorf("status line %q", line)
	}
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("header line %q", line)
		}
		name = strings.ToLower(name)
		if _, dup := r.header[name]; !dup {
			r.order = append(r.order, name)
		}
		r.header[name] = strings.TrimSpace(value)
	}
	slices.Sort(r.order)
	n, err := strconv.Atoi(r.header["content-length"])
	if err != nil {
		return nil, fmt.Errorf("no Content-Length (header names %v)", r.order)
	}
	r.body = make([]byte, n)
	if _, err := io.ReadFull(br, r.body); err != nil {
		return nil, err
	}
	return r, nil
}
