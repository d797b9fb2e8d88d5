#!/usr/bin/env bash
# bench-wrk.sh: cmd/hello (native, nethttp adapter, stdlib, framework) against fasthttp
# v1.68.0 with wrk, 64 connections, plain keep-alive and 16-deep pipelining.
# The server is pinned to CPU 0 and wrk to CPU 1 (taskset), so each gets
# one core of this 2-core machine; contenders alternate over ROUNDS rounds
# and the median round is reported. Server CPU per request is read from
# /proc/PID/stat (utime+stime) around each run; peak RSS from VmHWM.
#
# Usage: scripts/bench-wrk.sh [DURATION] [ROUNDS]    (defaults 5s, 3)
#        BASE=REV scripts/bench-wrk.sh ...   also runs cmd/hello as of git
#        revision REV (native, nethttp, framework as base-*), alternating
#        with the working tree's in the same rounds: a before/after check.
#        CONTENDERS="base-native native" limits the run to those servers.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
DUR=${1:-5s}
ROUNDS=${2:-3}
CONNS=${CONNS:-64}
PORT=${PORT:-18190}
command -v wrk >/dev/null || { echo "wrk not found (apt-get install wrk)"; exit 1; }
tmp=$(mktemp -d)
trap 'pkill -P $$ 2>/dev/null || true; rm -rf "$tmp"' EXIT
(cd cmd/hello && go build -o "$tmp/hello" .)
(cd cmd/microbench/fasthttpserver && go build -o "$tmp/fasthttp" .)
TICK=$(getconf CLK_TCK)

declare -A CMD=(
  [native]="$tmp/hello -handler native"
  [nethttp]="$tmp/hello -handler nethttp"
  [stdlib]="$tmp/hello -handler stdlib"
  [framework]="$tmp/hello -handler framework"
  [fasthttp]="$tmp/fasthttp"
)
ORDER=(native nethttp stdlib framework fasthttp)
if [ -n "${BASE:-}" ]; then
  git worktree add -q --detach "$tmp/base" "$BASE"
  if [ -f "$tmp/base/cmd/hello/go.mod" ]; then # its own module (since issue 22)
    (cd "$tmp/base/cmd/hello" && go build -o "$tmp/hello-base" .)
  else
    (cd "$tmp/base" && go build -o "$tmp/hello-base" ./cmd/hello)
  fi
  git worktree remove --force "$tmp/base"
  for h in native nethttp framework; do CMD[base-$h]="$tmp/hello-base -handler $h"; done
  ORDER=(base-native native base-nethttp nethttp base-framework framework stdlib fasthttp)
fi
if [ -n "${CONTENDERS:-}" ]; then read -r -a ORDER <<<"$CONTENDERS"; fi
results="$tmp/results"
: > "$results"

run_one() { # name mode path
  local name=$1 mode=$2 path=$3 extra=""
  [ "$mode" = pipelined ] && extra="-s scripts/pipeline.lua"
  taskset -c 0 ${CMD[$name]} -addr 127.0.0.1:$PORT >/dev/null 2>&1 &
  local pid=$!
  wait_port 127.0.0.1 "$PORT" 50
  taskset -c 1 wrk -t1 -c"$CONNS" -d1s $extra "http://127.0.0.1:$PORT$path" -- 16 >/dev/null 2>&1 # warm-up
  local t0 t1 out
  t0=$(awk '{print $14+$15}' /proc/$pid/stat)
  out=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"$DUR" --latency $extra "http://127.0.0.1:$PORT$path" -- 16)
  t1=$(awk '{print $14+$15}' /proc/$pid/stat)
  local reqs rps p50 p99 hwm errs
  reqs=$(awk '/requests in/{print $1}' <<<"$out")
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  p50=$(awk '$1=="50%"{print $2}' <<<"$out")
  p99=$(awk '$1=="99%"{print $2}' <<<"$out")
  errs=$(awk '/Non-2xx|Socket errors/{print}' <<<"$out" | tr '\n' ' ')
  hwm=$(awk '/VmHWM/{print $2}' /proc/$pid/status)
  kill -INT $pid; wait $pid 2>/dev/null || true
  local cpu
  cpu=$(awk -v a="$t0" -v b="$t1" -v n="$reqs" -v t="$TICK" 'BEGIN{printf "%.2f", (b-a)/t*1e6/n}')
  echo "$mode $name $rps $cpu $p50 $p99 $hwm $errs" >> "$results"
}

for mode in keepalive pipelined; do
  for r in $(seq "$ROUNDS"); do
    for name in "${ORDER[@]}"; do
      run_one "$name" "$mode" /plaintext
    done
  done
done

echo "wrk -t1 -c$CONNS -d$DUR, GET /plaintext, server on CPU 0, wrk on CPU 1; median of $ROUNDS rounds"
printf '| mode | server | req/s | server CPU µs/req | p50 | p99 | peak RSS KiB |\n|---|---|---|---|---|---|---|\n'
for mode in keepalive pipelined; do
  for name in "${ORDER[@]}"; do
    awk -v m="$mode" -v n="$name" '$1==m && $2==n' "$results" | sort -k3 -n | awk -v r="$ROUNDS" 'NR==int((r+1)/2){printf "| %s | %s | %.0f | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7}'
  done
done
echo
echo "server CPU µs/req of every round, in the order run:"
for mode in keepalive pipelined; do
  for name in "${ORDER[@]}"; do
    awk -v m="$mode" -v n="$name" '$1==m && $2==n {s = s " " $4} END {printf "%s %s:%s\n", m, n, s}' "$results"
  done
done
if grep -q 'Non-2xx\|Socket errors' "$results"; then echo; echo "errors reported by wrk:"; grep 'Non-2xx\|Socket errors' "$results"; fi
