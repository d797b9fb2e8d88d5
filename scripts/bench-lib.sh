# Helpers shared by the benchmark scripts (sourced, not run).

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
