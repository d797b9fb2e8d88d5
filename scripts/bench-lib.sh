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
