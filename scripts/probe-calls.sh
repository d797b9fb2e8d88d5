#!/usr/bin/env bash
# probe-calls.sh: how many times a Go server calls some of its functions
# per request under wrk load, counted exactly with uprobes (perf probe and
# perf stat; needs root and a kernel with uprobes). For questions a CPU
# profile answers only by sampling: "does this timer fire once per
# request?", "how many goroutines does a request start?".
#
# Usage: scripts/probe-calls.sh URL CONNS 'FUNC...' -- BIN [ARGS...]
#   URL    what wrk asks for, e.g. http://127.0.0.1:27106/db (the server
#          must listen there: pass the address in ARGS)
#   FUNC   function symbols as `go tool nm BIN` prints them, e.g.
#          'runtime.newproc1 github.com/microframe/microframe/conn.(*sweeper).run',
#          or syscall:NAME for a system call (its syscalls:sys_enter_NAME
#          tracepoint), e.g. syscall:read syscall:write syscall:epoll_ctl
#   DUR=3s  how long to count, after a 1 s warm-up
# The server runs on CPU 0 and wrk (one thread) on CPU 1, as in
# bench-tfb.sh. Prints requests/s and, per function, calls per request.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh

[ $# -ge 5 ] && [ "$4" = -- ] || { sed -n '2,18p' "$0" >&2; exit 2; }
url=$1 conns=$2 funcs=$3
shift 4
bin=$(readlink -f "$1")
command -v perf >/dev/null || { echo "perf not found (apt-get install linux-perf)"; exit 1; }
command -v wrk >/dev/null || { echo "wrk not found (apt-get install wrk)"; exit 1; }

bench_start probe-calls
group=probe_calls_$$
cleanup_probes() { perf probe -q -d "$group:*" 2>/dev/null || true; }
trap 'cleanup_probes; bench_cleanup' EXIT

# A uprobe is placed by file offset: the symbol's address minus its
# segment's address plus the segment's offset in the file.
read -r seg_off seg_addr < <(readelf -lW "$bin" | awk '$1 == "LOAD" && / R E / {print $2, $3; exit}')
go tool nm "$bin" >"$tmp/nm"
events=() names=()
i=0
for f in $funcs; do
  if [ "${f#syscall:}" != "$f" ]; then # a system call: the kernel's tracepoint
    events+=("syscalls:sys_enter_${f#syscall:}") names+=("$f")
    continue
  fi
  addr=$(awk -v f="$f" '$3 == f && ($2 == "T" || $2 == "t") {print $1; exit}' "$tmp/nm")
  [ -n "$addr" ] || fail "no function $f in $bin"
  off=$(printf '0x%x' $((0x$addr - seg_addr + seg_off)))
  perf probe -q -x "$bin" -a "$group:f$i=$off" || fail "perf probe for $f"
  events+=("$group:f$i") names+=("$f")
  i=$((i + 1))
done

serve_pinned "$url" "$conns" "$@"
dur=${DUR:-3s}
taskset -c 1 wrk -t1 -c"$conns" -d"$((${dur%s} + 1))s" "$url" >"$tmp/wrk" &
wpid=$!
sleep 0.5
perf stat -x, -e "$(IFS=,; echo "${events[*]}")" -p "$pid" -o "$tmp/stat" -- sleep "${dur%s}"
wait "$wpid"
rps=$(awk '/Requests\/sec/ {print $2}' "$tmp/wrk")
echo "$url, $conns connections: $rps requests/s"
i=0
for f in "${names[@]}"; do
  n=$(awk -F, -v e="${events[$i]}" '$3 == e {print $1}' "$tmp/stat")
  awk -v n="$n" -v r="$rps" -v d="${dur%s}" -v f="$f" 'BEGIN {printf "%8.3f per request  %s\n", n / (r * d), f}'
  i=$((i + 1))
done
