#!/usr/bin/env bash
# cluster-bench: throughput of cmd/todo with 1 and 2 instances, with and
# without Redis and HAProxy, measured with cmd/microbench, everything on
# 127.0.0.1 free ports. It prints a Markdown table for docs/deploy.md:
# requests per second, latency, and how many CPU cores each part used
# during the run (the CPU time it consumed divided by the run's length).
#
#   bash scripts/cluster-bench.sh                 # 3 rounds of 5s runs, 32 connections
#   ROUNDS=5 D=10s C=64 bash scripts/cluster-bench.sh
#
# The setups run in turn, round after round, and the table shows each
# column's median over the rounds. "other cores" is the CPU the rest of the
# machine used meanwhile (from /proc/stat): on a shared machine, runs with
# a lot of it are slower for reasons outside the setup measured.
#
# Two workloads: "counter" is a logged-in user hitting GET /counter (one
# session read and one atomic session write per request: Redis round
# trips with -store redis); "page" is GET /search?q=milk, a rendered page
# that does not touch the session. Needs go, redis-server and haproxy.
# Every process started here is stopped on exit, and every run stops by
# itself after $D.
set -euo pipefail
cd "$(dirname "$0")/.."
D=${D:-5s}
C=${C:-32}
ROUNDS=${ROUNDS:-3}

# fail, $tmp and $pids (stopped on exit), cpu, field, awk_median.
. scripts/bench-lib.sh
bench_start cluster-bench
for bin in go redis-server haproxy; do
  command -v "$bin" >/dev/null 2>&1 || fail "$bin not found (apt-get install redis-server haproxy)"
done

echo "cluster-bench: building" >&2
(cd cmd/todo && go build -o "$tmp/todo" .)
(cd cmd/microbench && go build -o "$tmp/microbench" .)
(cd cmd/clustertest && go build -o "$tmp/clustertest" .)
host=127.0.0.1
tck=$(getconf CLK_TCK)

read -r redis_port a_port b_port lb_port < <("$tmp/clustertest" ports 4)
redis-server --port "$redis_port" --bind "$host" --save '' --appendonly no \
  --dir "$tmp" --daemonize no --loglevel warning >"$tmp/redis.log" 2>&1 &
redis_pid=$!
pids+=("$redis_pid")
"$tmp/clustertest" wait "$host:$redis_port" || fail "redis-server did not start"

cat >"$tmp/counter.json" <<'EOF'
{"setup": [{"method": "POST", "path": "/login", "body": "user=ada", "expect": 200,
            "header": {"Content-Type": ["application/x-www-form-urlencoded"]}}],
 "steps": [{"path": "/counter", "expect": 200}]}
EOF
cat >"$tmp/page.json" <<'EOF'
{"steps": [{"path": "/search?q=milk", "expect": 200}]}
EOF


# busy: the CPU time the whole machine has spent busy so far, in ticks.
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }

# cores TICKS: CPU ticks over the run's wall time ($real seconds), as a
# number of cores.
cores() { awk -v t="$1" -v hz="$tck" -v d="$real" 'BEGIN { printf "%.2f", t / hz / d }'; }


# start_todo NAME PORT STORE: start an instance, add its pid to todo_pids.
start_todo() {
  "$tmp/todo" -addr "$host:$2" -store "$3" -redis-addr "$host:$redis_port" \
    -instance "$1" >"$tmp/todo-$1.log" 2>&1 &
  todo_pids+=($!)
  pids+=($!)
}

# start_haproxy PORT...: HAProxy round-robin over the given instance
# ports; its pid goes to lb_pid.
start_haproxy() {
  {
    printf 'global\n    maxconn 4000\n    nbthread 1\n'
    printf 'defaults\n    mode http\n    timeout connect 1s\n    timeout client 10s\n    timeout server 10s\n'
    printf 'frontend fe\n    bind %s:%s\n    default_backend todo\n' "$host" "$lb_port"
    printf 'backend todo\n    balance roundrobin\n'
    for p in "$@"; do printf '    server s%s %s:%s\n' "$p" "$host" "$p"; done
  } >"$tmp/haproxy.cfg"
  haproxy -db -f "$tmp/haproxy.cfg" >"$tmp/haproxy.log" 2>&1 &
  lb_pid=$!
  pids+=($!)
}

# bench LABEL WORKLOAD STORE N_INSTANCES VIA: one measured run.
bench() {
  local label=$1 workload=$2 store=$3 n=$4 via=$5
  local port url
  todo_pids=() lb_pid=""
  start_todo a "$a_port" "$store"
  [ "$n" -eq 2 ] && start_todo b "$b_port" "$store"
  "$tmp/clustertest" wait "$host:$a_port" || fail "todo did not start"
  [ "$n" -eq 2 ] && { "$tmp/clustertest" wait "$host:$b_port" || fail "todo b did not start"; }
  port=$a_port
  if [ "$via" = haproxy ]; then
    if [ "$n" -eq 2 ]; then start_haproxy "$a_port" "$b_port"; else start_haproxy "$a_port"; fi
    "$tmp/clustertest" wait "$host:$lb_port" || fail "haproxy did not start"
    port=$lb_port
  fi
  url="http://$host:$port/"
  # A short warm-up run, unmeasured, so both instances are past start-up.
  "$tmp/microbench" -url "$url" -scenario "$tmp/$workload.json" -c "$C" -d 1s -progress off >/dev/null 2>&1 || true

  local t_todo t_redis t_lb=0 t_all user sys real
  t_all=$(busy)
  t_todo=$(cpu "${todo_pids[@]}")
  t_redis=$(cpu "$redis_pid")
  [ -n "$lb_pid" ] && t_lb=$(cpu "$lb_pid")
  TIMEFORMAT='%U %S %R'
  { time "$tmp/microbench" -url "$url" -scenario "$tmp/$workload.json" -c "$C" -d "$D" \
      -progress off -json >"$tmp/out.json" 2>"$tmp/mb.err"; } 2>"$tmp/time.txt" ||
    fail "microbench failed: $(cat "$tmp/mb.err")"
  t_all=$(($(busy) - t_all))
  t_todo=$(($(cpu "${todo_pids[@]}") - t_todo))
  t_redis=$(($(cpu "$redis_pid") - t_redis))
  [ -n "$lb_pid" ] && t_lb=$(($(cpu "$lb_pid") - t_lb))
  read -r user sys real <"$tmp/time.txt"
  local t_gen
  t_gen=$(awk -v u="$user" -v s="$sys" -v hz="$tck" 'BEGIN { printf "%d", (u + s) * hz }')

  local rps p50 p99 errs
  rps=$(field requests_per_sec "$tmp/out.json")
  p50=$(field p50 "$tmp/out.json")
  p99=$(field p99 "$tmp/out.json")
  errs=$(grep -A7 '"errors"' "$tmp/out.json" | grep -Eo '[0-9]+' | awk '{s += $1} END {print s + 0}')
  local other=$((t_all - t_todo - t_redis - t_lb - t_gen))
  [ "$other" -lt 0 ] && other=0
  # One raw row per run: label, workload, then the numbers.
  printf '%s\t%s\t%.0f\t%.2f\t%.2f\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$label" "$workload" "$rps" "$(awk -v x="$p50" 'BEGIN{print x/1000}')" "$(awk -v x="$p99" 'BEGIN{print x/1000}')" \
    "$(cores "$t_todo")" "$(cores "$t_redis")" "$(cores "$t_lb")" "$(cores "$t_gen")" "$(cores "$other")" "$errs" >>"$tmp/raw.tsv"
  echo "cluster-bench: $(tail -n1 "$tmp/raw.tsv" | tr '\t' ' ')" >&2

  for pid in "${todo_pids[@]}" $lb_pid; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
}

echo "cluster-bench: $(nproc) cores, microbench -c $C -d $D per run, $ROUNDS rounds; load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
: >"$tmp/raw.tsv"
for round in $(seq "$ROUNDS"); do
  for workload in counter page; do
    bench "1 instance, memory store" "$workload" memory 1 direct
    bench "1 instance, Redis" "$workload" redis 1 direct
    bench "1 instance, Redis, HAProxy" "$workload" redis 1 haproxy
    bench "2 instances, Redis, HAProxy" "$workload" redis 2 haproxy
  done
done

# The table: per setup and workload, in the order first run, the median
# of each column over the rounds (errors: the sum).
echo "| setup | workload | req/s | p50 ms | p99 ms | todo cores | redis cores | haproxy cores | microbench cores | other cores | errors |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
awk -F'\t' "$awk_median"'
  {
    key = $1 SUBSEP $2
    if (!(key in seen)) { seen[key] = 1; order[++k] = key }
    for (c = 3; c <= 10; c++) vals[key, c] = vals[key, c] " " $c
    errs[key] += $11
  }
  END {
    for (i = 1; i <= k; i++) {
      split(order[i], lw, SUBSEP)
      printf "| %s | %s | %.0f | %.2f | %.2f", lw[1], lw[2], median(order[i], 3), median(order[i], 4), median(order[i], 5)
      for (c = 6; c <= 10; c++) printf " | %.2f", median(order[i], c)
      printf " | %d |\n", errs[order[i]]
    }
  }' "$tmp/raw.tsv"
