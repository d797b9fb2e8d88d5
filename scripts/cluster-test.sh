#!/usr/bin/env bash
# cluster-test: two cmd/todo instances sharing one Redis, HAProxy
# round-robin in front of them, everything on 127.0.0.1 free ports.
# The Go client cmd/clustertest logs in through HAProxy, sends 1,000
# concurrent GET /counter and expects to see exactly 1..1000, then stops
# instance b mid-run and expects every request to keep succeeding on a,
# with the session intact. Every process started here is stopped on exit.
#
#
# With REDIS=cluster the sessions live in a Redis Cluster of three masters
# with a replica each instead (cluster-node-timeout 1s): the same 1,000
# concurrent requests must count exactly, then 30 logged-in users count
# concurrently through HAProxy while one master is killed with SIGKILL:
# no count answered 200 may be lost, none counted that was never sent,
# failures must stop within 6s of the kill, and every session must be
# readable afterwards (clustertest failover).
#
#   bash scripts/cluster-test.sh                (one Redis)
#   REDIS=cluster bash scripts/cluster-test.sh  (a Redis Cluster; make cluster-test runs both)
#   LB=nginx bash scripts/cluster-test.sh       (the same behind nginx)
#
# Needs go, redis-server and haproxy (Debian packages redis-server and
# haproxy; nginx for LB=nginx; redis-cli, from redis-tools, for
# REDIS=cluster). Exits non-zero, saying why, on any failure; the logs of
# the processes are printed then.
set -euo pipefail
cd "$(dirname "$0")/.."
LB=${LB:-haproxy}
REDIS=${REDIS:-single}

fail() {
  echo "cluster-test: FAIL: $*" >&2
  exit 1
}
case "$LB" in
  haproxy | nginx) ;;
  *) fail "LB=$LB: want haproxy or nginx" ;;
esac
case "$REDIS" in
  single | cluster) ;;
  *) fail "REDIS=$REDIS: want single or cluster" ;;
esac
export PATH="$PATH:/usr/sbin:/sbin"
for bin in go redis-server redis-cli "$LB"; do
  command -v "$bin" >/dev/null 2>&1 || fail "$bin not found (apt-get install redis-server $LB)"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cluster-test.XXXXXX")
pids=()
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [ "$status" -ne 0 ]; then
    for log in "$tmp"/*.log; do
      [ -s "$log" ] || continue
      echo "---- $(basename "$log") (last 30 lines)" >&2
      tail -n 30 "$log" >&2
    done
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "cluster-test: building cmd/todo and the client"
(cd cmd/todo && go build -o "$tmp/todo" .)
(cd cmd/clustertest && go build -o "$tmp/clustertest" .)

# Three ports for the instances and the balancer, one for a Redis or six
# for the cluster's nodes, and six more for the nodes' cluster bus (the
# default, the port plus 10000, may be past 65535): all in one call, so
# that they differ.
read -r -a all_ports < <("$tmp/clustertest" ports 15)
a_port=${all_ports[0]} b_port=${all_ports[1]} lb_port=${all_ports[2]}
host=127.0.0.1

# start_redis NAME PORT [OPTION...]: a redis-server in a directory of its own.
declare -A redis_pid
start_redis() {
  local name=$1 port=$2
  shift 2
  mkdir -p "$tmp/$name"
  redis-server --port "$port" --bind "$host" --save '' --appendonly no \
    --dir "$tmp/$name" --daemonize no --loglevel warning "$@" >"$tmp/$name.log" 2>&1 &
  pids+=($!)
  redis_pid[$port]=$!
}

if [ "$REDIS" = single ]; then
  redis_port=${all_ports[3]}
  start_redis redis "$redis_port"
  "$tmp/clustertest" wait "$host:$redis_port" || fail "redis-server did not start"
  redis_addrs="$host:$redis_port"
else
  redis_ports=("${all_ports[@]:3:6}")
  addrs=()
  for i in 0 1 2 3 4 5; do
    port=${redis_ports[$i]}
    start_redis "redis-$port" "$port" --cluster-port "${all_ports[$((i + 9))]}" \
      --cluster-enabled yes --cluster-config-file nodes.conf \
      --cluster-node-timeout 1000 --cluster-require-full-coverage no
    addrs+=("$host:$port")
  done
  "$tmp/clustertest" wait "${addrs[@]}" || fail "the redis-server nodes did not start"
  redis-cli --cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes >"$tmp/cluster-create.log" 2>&1 ||
    fail "redis-cli --cluster create failed: $(tail -n 5 "$tmp/cluster-create.log")"
  # Healthy: every node sees cluster_state:ok, three masters with a replica
  # online each.
  healthy() {
    local port online=0
    for port in "${redis_ports[@]}"; do
      redis-cli -p "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
      online=$((online + $(redis-cli -p "$port" info replication 2>/dev/null | grep -c 'state=online' || true)))
    done
    [ "$online" -eq 3 ]
  }
  for _ in $(seq 300); do
    healthy && break
    sleep 0.1
  done
  healthy || fail "the Redis Cluster did not become healthy in 30s"
  redis_addrs=$(IFS=,; echo "${addrs[*]}")
fi

start_todo() { # name port
  "$tmp/todo" -addr "$host:$2" -store redis -redis-addr "$redis_addrs" \
    -instance "$1" >"$tmp/todo-$1.log" 2>&1 &
  pids+=($!)
}
start_todo a "$a_port"
a_pid=$!
start_todo b "$b_port"
b_pid=$!

# HAProxy: health checks every 200ms take a dead instance out after two
# failures; a request that cannot connect, or whose connection is closed
# before any answer (an instance shutting down), is retried on the other
# instance.
start_haproxy() {
  cat >"$tmp/haproxy.cfg" <<EOF
global
    maxconn 2000

defaults
    mode http
    timeout connect 1s
    timeout client 10s
    timeout server 10s
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response

frontend cluster
    bind $host:$lb_port
    default_backend todo

backend todo
    balance roundrobin
    option httpchk
    http-check send meth GET uri /
    http-check expect status 200
    default-server inter 200ms fall 2 rise 1
    server a $host:$a_port check
    server b $host:$b_port check
EOF
  haproxy -c -q -f "$tmp/haproxy.cfg" || fail "haproxy rejected its configuration"
  haproxy -db -f "$tmp/haproxy.cfg" >"$tmp/haproxy.log" 2>&1 &
  pids+=($!)
}

# nginx (open source) has no active health checks: a connection error
# marks an instance failed for fail_timeout, and the request moves to the
# next instance (proxy_next_upstream, for idempotent methods only).
start_nginx() {
  mkdir -p "$tmp/nginx"
  cat >"$tmp/nginx.conf" <<EOF
daemon off;
worker_processes 1;
user root; # the temp dirs below are root's; keep the default user in production
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    upstream todo {
        server $host:$a_port max_fails=1 fail_timeout=2s;
        server $host:$b_port max_fails=1 fail_timeout=2s;
        keepalive 32;
    }
    server {
        listen $host:$lb_port;
        location / {
            proxy_pass http://todo;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_connect_timeout 1s;
            proxy_next_upstream error timeout;
        }
    }
}
EOF
  nginx -t -q -c "$tmp/nginx.conf" -e "$tmp/nginx.log" || fail "nginx rejected its configuration"
  nginx -c "$tmp/nginx.conf" -e "$tmp/nginx.log" &
  pids+=($!)
}

"start_$LB"

"$tmp/clustertest" wait "$host:$a_port" "$host:$b_port" "$host:$lb_port" ||
  fail "the instances or HAProxy did not start"
echo "cluster-test: redis $redis_addrs, todo a :$a_port b :$b_port, $LB :$lb_port"

if [ "$REDIS" = cluster ]; then
  "$tmp/clustertest" check -lb "http://$host:$lb_port" \
    -instance "a=http://$host:$a_port" -instance "b=http://$host:$b_port" -n 1000 -c 20 ||
    fail "the check failed (see above)"
  victim=
  for port in "${redis_ports[@]}"; do
    if [ "$(redis-cli -p "$port" role | head -n 1)" = master ]; then
      victim=$port
      break
    fi
  done
  [ -n "$victim" ] || fail "no Redis master found"
  echo "cluster-test: killing the Redis master on :$victim (SIGKILL) mid-run"
  "$tmp/clustertest" failover -lb "http://$host:$lb_port" -kill-pid "${redis_pid[$victim]}" \
    -users 30 -before 2s -after 8s -error-limit 6s ||
    fail "the failover check failed (see above)"
  kill -0 "$a_pid" 2>/dev/null && kill -0 "$b_pid" 2>/dev/null || fail "an instance is gone"
  if grep -h 'level=ERROR' "$tmp"/todo-*.log | grep -v 'redisstore' >&2; then
    fail "an instance logged errors other than Redis failures (above)"
  fi
  echo "cluster-test: PASS"
  exit 0
fi

"$tmp/clustertest" check -lb "http://$host:$lb_port" \
  -instance "a=http://$host:$a_port" -instance "b=http://$host:$b_port" \
  -n 1000 -c 20 -stop b -stop-pid "$b_pid" -after 300 ||
  fail "the check failed (see above)"

# b was stopped with SIGTERM and must have shut down cleanly.
b_status=0
wait "$b_pid" || b_status=$?
[ "$b_status" -eq 0 ] || fail "instance b exited with status $b_status after SIGTERM"
kill -0 "$a_pid" 2>/dev/null || fail "instance a is gone"
if grep -h 'level=ERROR' "$tmp"/todo-*.log >&2; then
  fail "an instance logged errors (above)"
fi
echo "cluster-test: PASS"
