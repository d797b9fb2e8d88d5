package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat.
// It is 100 on every Linux architecture Go supports (the kernel fixes it
// for user space whatever CONFIG_HZ is).
const clockTicks = 100

// errProcFormat means a /proc file did not look as documented in proc(5).
var errProcFormat = errors.New("microbench: unexpected /proc format")

// procCPU returns the user plus system CPU time the process pid has used,
// all its threads included, from /proc/PID/stat. The resolution is one
// clock tick (10ms).
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseStatCPU(b)
}

// parseStatCPU extracts utime+stime (fields 14 and 15) from the contents
// of /proc/PID/stat. The command name (field 2) is in parentheses and may
// itself contain spaces and parentheses, so fields are counted from the
// last ')'.
func parseStatCPU(b []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errProcFormat
	}
	fields := bytes.Fields(b[i+1:])
	// After ')': field 3 (state) is fields[0], so field k is fields[k-3].
	if len(fields) < 13 {
		return 0, errProcFormat
	}
	utime, err1 := strconv.ParseInt(string(fields[14-3]), 10, 64)
	stime, err2 := strconv.ParseInt(string(fields[15-3]), 10, 64)
	if err1 != nil || err2 != nil || utime < 0 || stime < 0 {
		return 0, errProcFormat
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// procPeakRSS returns the peak resident set size of pid (VmHWM in
// /proc/PID/status) in bytes.
func procPeakRSS(pid int) (int64, error) {
	return procStatus(pid, "VmHWM:")
}

// procStatus reads one "N kB" line of /proc/PID/status, in bytes.
func procStatus(pid int, key string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	return parseStatusKB(b, key)
}

// parseStatusKB finds the line starting with key in /proc/PID/status
// contents and returns its "N kB" value in bytes.
func parseStatusKB(b []byte, key string) (int64, error) {
	for line := range bytes.Lines(b) {
		rest, ok := bytes.CutPrefix(line, []byte(key))
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) != 2 || string(f[1]) != "kB" {
			return 0, errProcFormat
		}
		kb, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil || kb < 0 {
			return 0, errProcFormat
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("%w: no %s line", errProcFormat, key)
}
