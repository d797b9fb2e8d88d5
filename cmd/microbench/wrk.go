package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// wrkResult is what microbench reads back from wrk's text output (run
// with --latency).
type wrkResult struct {
	Requests   int64
	Throughput float64       // Requests/sec line
	P50, P99   time.Duration // from the Latency Distribution block
	Errors     int64         // socket errors plus non-2xx/3xx responses
	ClientCPU  time.Duration // wrk's own user+system time
}

// errWrkOutput means wrk's output lacked a line microbench needs.
var errWrkOutput = errors.New("microbench: could not read wrk's output")

// parseWrk reads wrk's report. It needs the "Requests/sec:" line, the
// "N requests in" line, and the 50% and 99% lines of --latency.
func parseWrk(out string) (wrkResult, error) {
	var r wrkResult
	var haveRate, haveReqs, have50, have99 bool
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 2 && f[0] == "Requests/sec:":
			v, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				return r, fmt.Errorf("%w: %q", errWrkOutput, sc.Text())
			}
			r.Throughput, haveRate = v, true
		case len(f) >= 3 && f[1] == "requests" && f[2] == "in":
			v, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return r, fmt.Errorf("%w: %q", errWrkOutput, sc.Text())
			}
			r.Requests, haveReqs = v, true
		case len(f) == 2 && (f[0] == "50%" || f[0] == "99%"):
			d, err := parseWrkDuration(f[1])
			if err != nil {
				return r, err
			}
			if f[0] == "50%" {
				r.P50, have50 = d, true
			} else {
				r.P99, have99 = d, true
			}
		case len(f) >= 2 && f[0] == "Socket" && f[1] == "errors:":
			// Socket errors: connect 0, read 0, write 0, timeout 0
			for i := 2; i+1 < len(f); i += 2 {
				n, err := strconv.ParseInt(strings.TrimSuffix(f[i+1], ","), 10, 64)
				if err != nil {
					return r, fmt.Errorf("%w: %q", errWrkOutput, sc.Text())
				}
				r.Errors += n
			}
		case len(f) == 5 && f[0] == "Non-2xx":
			n, err := strconv.ParseInt(f[4], 10, 64)
			if err != nil {
				return r, fmt.Errorf("%w: %q", errWrkOutput, sc.Text())
			}
			r.Errors += n
		}
	}
	if !haveRate || !haveReqs || !have50 || !have99 {
		return r, fmt.Errorf("%w: missing Requests/sec, request count or latency distribution (was --latency given?)", errWrkOutput)
	}
	return r, nil
}

// parseWrkDuration reads wrk's latency format: "567.00us", "1.79ms",
// "1.02s", "2.00m".
func parseWrkDuration(s string) (time.Duration, error) {
	units := []struct {
		suffix string
		unit   time.Duration
	}{{"us", time.Microsecond}, {"ms", time.Millisecond}, {"s", time.Second}, {"m", time.Minute}, {"h", time.Hour}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			v, err := strconv.ParseFloat(num, 64)
			if err != nil || v < 0 {
				break
			}
			return time.Duration(v * float64(u.unit)), nil
		}
	}
	return 0, fmt.Errorf("%w: latency %q", errWrkOutput, s)
}

// wrkPipelineScript is a wrk Lua script that sends depth copies of the
// request in every write, like microbench -pipeline.
const wrkPipelineScript = `-- written by microbench: pipeline N requests per write
init = function(args)
  local depth = tonumber(args[1]) or 1
  local batch = {}
  for i = 1, depth do
    batch[i] = wrk.format()
  end
  pipelined = table.concat(batch)
end

request = function()
  return pipelined
end
`

// wrkArgs is the wrk command line for one measurement.
func wrkArgs(url string, conns, threads, pipeline int, d time.Duration, script string) []string {
	args := []string{"-t", strconv.Itoa(max(1, min(threads, conns))), "-c", strconv.Itoa(conns),
		"-d", fmt.Sprintf("%ds", max(1, int(d.Round(time.Second).Seconds()))), "--latency", "--timeout", "2s"}
	if pipeline > 1 {
		args = append(args, "-s", script)
	}
	args = append(args, url)
	if pipeline > 1 {
		args = append(args, "--", strconv.Itoa(pipeline))
	}
	return args
}

// runWrk runs wrk (optionally under taskset) and parses its report.
func runWrk(ctx context.Context, wrk string, pin []string, args []string) (wrkResult, error) {
	argv := append(append(append([]string{}, pin...), wrk), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("%s: %v: %s", strings.Join(argv, " "), err, strings.TrimSpace(string(out)))
	}
	r, err := parseWrk(string(out))
	if err != nil {
		return r, err
	}
	r.ClientCPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return r, nil
}

// writeWrkScript saves the pipeline script in dir and returns its path.
func writeWrkScript(dir string) (string, error) {
	p := filepath.Join(dir, "pipeline.lua")
	return p, os.WriteFile(p, []byte(wrkPipelineScript), 0o644)
}
