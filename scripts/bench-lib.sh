# Helpers shared by the benchmark scripts (sourced, not run, from the
# repository's root).

# bench_start NAME: fail (prefixed with NAME), a temporary directory $tmp
# and a list $pids of processes, all stopped and removed on exit.
bench_start() {
  bench_name=$1
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/$bench_name.XXXXXX")
  pids=()
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}

fail() {
  echo "$bench_name: FAIL: $*" >&2
  exit 1
}

bench_cleanup() {
  local status=$?
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
  exit "$status"
}

# cpu PID...: the CPU time the processes have used so far, in clock ticks.
cpu() {
  local total=0 pid t
  for pid in "$@"; do
    # Fields 14 and 15 of /proc/PID/stat (after the "(comm)" field).
    t=$(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')
    total=$((total + t))
  done
  echo "$total"
}

# field NAME FILE: the first number after "NAME": in microbench's JSON.
field() { grep -m1 "\"$1\":" "$2" | sed 's/.*: *//; s/,$//'; }

# awk_median: an awk function, median(key, col), of the values collected
# as vals[key, col] = " v1 v2 ...", to put before an awk program.
awk_median='
  function median(key, col,    n, i, j, v, t) {
    n = split(vals[key, col], v, " ")
    for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j-1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j-1]; v[j-1] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }'

# wait_port HOST PORT [TRIES [PAUSE]]: wait until HOST:PORT accepts a
# connection, trying TRIES times (100) PAUSE seconds (0.1) apart. It gives
# up quietly: a server that never listens fails the wrk run that follows.
wait_port() {
  local i
  for i in $(seq "${3:-100}"); do
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
    sleep "${4:-0.1}"
  done
}

# serve_pinned URL CONNS CMD...: start CMD on CPU 0 (its pid in $pid, and
# in $pids for bench_cleanup), wait for URL's host:port, then warm it up
# with 1 s of wrk -t1 -cCONNS on CPU 1. Sets $hostport (host:port of URL).
serve_pinned() {
  local url=$1 conns=$2
  shift 2
  taskset -c 0 "$@" >/dev/null 2>&1 &
  pid=$!
  pids+=("$pid")
  hostport=${url#http://}; hostport=${hostport%%/*}
  wait_port "${hostport%:*}" "${hostport##*:}"
  taskset -c 1 wrk -t1 -c"$conns" -d1s "$url" >/dev/null
}
