#!/usr/bin/env bash
# redis-bench: what the Redis topologies cost cmd/todo's counter (a
# logged-in user's GET /counter: one session read, one compare-and-set
# write), measured with cmd/microbench against one instance, everything on
# 127.0.0.1 free ports. It prints a Markdown table for docs/benchmarks.md:
# requests per second, latency, and CPU time per request of the instance
# and of all redis-server processes of the topology (masters and
# replicas), from /proc/PID/stat before and after each run.
#
#   flock /tmp/bench.lock bash scripts/redis-bench.sh
#   ROUNDS=5 D=10s C=64 bash scripts/redis-bench.sh
#
# Setups: one Redis; a master with one replica, without and with WAIT 1
# (-redis-replicas 0 and 1); a Redis Cluster of three masters with a
# replica each, without and with WAIT 1. Each column is the median over
# $ROUNDS rounds (errors: the sum). Needs go, redis-server and redis-cli.
# Every process started here is stopped on exit; every run stops by itself
# after $D.
set -euo pipefail
cd "$(dirname "$0")/.."
D=${D:-5s}
C=${C:-32}
ROUNDS=${ROUNDS:-3}

# fail, $tmp and $pids (stopped on exit), cpu, field, awk_median.
. scripts/bench-lib.sh
bench_start redis-bench
for bin in go redis-server redis-cli; do
  command -v "$bin" >/dev/null 2>&1 || fail "$bin not found (apt-get install redis-server)"
done

echo "redis-bench: building" >&2
(cd cmd/todo && go build -o "$tmp/todo" .)
(cd cmd/microbench && go build -o "$tmp/microbench" .)
(cd cmd/clustertest && go build -o "$tmp/clustertest" .)
host=127.0.0.1
tck=$(getconf CLK_TCK)
# Ten ports, and six more for the cluster nodes' bus (the default, the
# port plus 10000, may be past 65535).
read -r -a ports < <("$tmp/clustertest" ports 16)
todo_port=${ports[9]}

# start_redis PORT [OPTION...]: a redis-server; its pid is in last_pid.
start_redis() {
  local port=$1
  shift
  mkdir -p "$tmp/$port"
  redis-server --port "$port" --bind "$host" --save '' --appendonly no \
    --dir "$tmp/$port" --daemonize no --loglevel warning "$@" >"$tmp/redis-$port.log" 2>&1 &
  last_pid=$!
  pids+=("$last_pid")
}

# One Redis.
start_redis "${ports[0]}"
single_pids=("$last_pid")
# A master and its replica.
start_redis "${ports[1]}"
repl_pids=("$last_pid")
start_redis "${ports[2]}" --replicaof "$host" "${ports[1]}"
repl_pids+=("$last_pid")
# A cluster of three masters with a replica each.
cluster_pids=() cluster_addrs=()
for i in 3 4 5 6 7 8; do
  port=${ports[$i]}
  start_redis "$port" --cluster-port "${ports[$((i + 7))]}" --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 1000 \
    --cluster-require-full-coverage no
  cluster_pids+=("$last_pid")
  cluster_addrs+=("$host:$port")
done
"$tmp/clustertest" wait "$host:${ports[0]}" "$host:${ports[1]}" "$host:${ports[2]}" "${cluster_addrs[@]}" ||
  fail "redis-server did not start: $(tail -n 3 "$tmp"/redis-*.log)"
redis-cli --cluster create "${cluster_addrs[@]}" --cluster-replicas 1 --cluster-yes >"$tmp/create.log" 2>&1 ||
  fail "redis-cli --cluster create: $(tail -n 5 "$tmp/create.log")"
for _ in $(seq 300); do
  ok=1
  for a in "${cluster_addrs[@]}"; do
    redis-cli -p "${a##*:}" cluster info | grep -q '^cluster_state:ok' || ok=0
  done
  [ "$ok" = 1 ] && [ "$(redis-cli -p "${ports[1]}" info replication | grep -c state=online)" = 1 ] && break
  sleep 0.1
done
[ "$ok" = 1 ] || fail "the cluster did not become healthy"
cluster_list=$(IFS=,; echo "${cluster_addrs[*]}")

cat >"$tmp/counter.json" <<'JSON'
{"setup": [{"method": "POST", "path": "/login", "body": "user=ada", "expect": 200,
            "header": {"Content-Type": ["application/x-www-form-urlencoded"]}}],
 "steps": [{"path": "/counter", "expect": 200}]}
JSON

# bench LABEL ADDRS REPLICAS REDIS_PID...: one measured run.
bench() {
  local label=$1 addrs=$2 replicas=$3
  shift 3
  local redis_pids=("$@")
  "$tmp/todo" -addr "$host:$todo_port" -store redis -redis-addr "$addrs" -redis-replicas "$replicas" \
    >"$tmp/todo.log" 2>&1 &
  local todo_pid=$!
  pids+=("$todo_pid")
  "$tmp/clustertest" wait "$host:$todo_port" || fail "todo did not start: $(tail -n 5 "$tmp/todo.log")"
  local url="http://$host:$todo_port/"
  "$tmp/microbench" -url "$url" -scenario "$tmp/counter.json" -c "$C" -d 1s -progress off >/dev/null 2>&1 || true
  local t_todo t_redis
  t_todo=$(cpu "$todo_pid")
  t_redis=$(cpu "${redis_pids[@]}")
  "$tmp/microbench" -url "$url" -scenario "$tmp/counter.json" -c "$C" -d "$D" -progress off -json \
    >"$tmp/out.json" 2>"$tmp/mb.err" || fail "microbench failed: $(cat "$tmp/mb.err")"
  t_todo=$(($(cpu "$todo_pid") - t_todo))
  t_redis=$(($(cpu "${redis_pids[@]}") - t_redis))
  kill "$todo_pid"
  wait "$todo_pid" 2>/dev/null || true
  local n rps p50 p99 errs
  n=$(field requests "$tmp/out.json")
  rps=$(field requests_per_sec "$tmp/out.json")
  p50=$(field p50 "$tmp/out.json")
  p99=$(field p99 "$tmp/out.json")
  errs=$(grep -A7 '"errors"' "$tmp/out.json" | grep -Eo '[0-9]+' | awk '{s += $1} END {print s + 0}')
  # µs of CPU per request: ticks / CLK_TCK / requests.
  printf '%s\t%.0f\t%.2f\t%.2f\t%.1f\t%.1f\t%s\n' "$label" "$rps" \
    "$(awk -v x="$p50" 'BEGIN{print x/1000}')" "$(awk -v x="$p99" 'BEGIN{print x/1000}')" \
    "$(awk -v t="$t_todo" -v hz="$tck" -v n="$n" 'BEGIN{print t/hz/n*1e6}')" \
    "$(awk -v t="$t_redis" -v hz="$tck" -v n="$n" 'BEGIN{print t/hz/n*1e6}')" "$errs" >>"$tmp/raw.tsv"
  echo "redis-bench: $(tail -n1 "$tmp/raw.tsv" | tr '\t' ' ')" >&2
}

echo "redis-bench: $(nproc) cores, microbench -c $C -d $D per run, $ROUNDS rounds; load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
: >"$tmp/raw.tsv"
for _ in $(seq "$ROUNDS"); do
  bench "one Redis" "$host:${ports[0]}" 0 "${single_pids[@]}"
  bench "master + replica, no WAIT" "$host:${ports[1]}" 0 "${repl_pids[@]}"
  bench "master + replica, WAIT 1" "$host:${ports[1]}" 1 "${repl_pids[@]}"
  bench "cluster 3×(master + replica), no WAIT" "$cluster_list" 0 "${cluster_pids[@]}"
  bench "cluster 3×(master + replica), WAIT 1" "$cluster_list" 1 "${cluster_pids[@]}"
done

echo "| setup | req/s | p50 ms | p99 ms | todo µs CPU/req | redis µs CPU/req | errors |"
echo "|---|---:|---:|---:|---:|---:|---:|"
awk -F'\t' "$awk_median"'
  {
    if (!($1 in seen)) { seen[$1] = 1; order[++k] = $1 }
    for (c = 2; c <= 6; c++) vals[$1, c] = vals[$1, c] " " $c
    errs[$1] += $7
  }
  END {
    for (i = 1; i <= k; i++) {
      key = order[i]
      printf "| %s | %.0f | %.2f | %.2f | %.1f | %.1f | %d |\n", key, median(key, 2), median(key, 3), median(key, 4), median(key, 5), median(key, 6), errs[key]
    }
  }' "$tmp/raw.tsv"
