#!/usr/bin/env bash
# cluster-test: two cmd/todo instances sharing one Redis, HAProxy
# round-robin in front of them, everything on 127.0.0.1 free ports.
# The Go client scripts/clustertest logs in through HAProxy, sends 1,000
# concurrent GET /counter and expects to see exactly 1..1000, then stops
# instance b mid-run and expects every request to keep succeeding on a,
# with the session intact. Every process started here is stopped on exit.
#
#   bash scripts/cluster-test.sh          (make cluster-test)
#   LB=nginx bash scripts/cluster-test.sh (the same behind nginx)
#
# Needs go, redis-server and haproxy (Debian packages redis-server and
# haproxy; nginx for LB=nginx). Exits non-zero, saying why, on any failure;
# the logs of the processes are printed then.
set -euo pipefail
cd "$(dirname "$0")/.."
LB=${LB:-haproxy}

fail() {
  echo "cluster-test: FAIL: $*" >&2
  exit 1
}
case "$LB" in
  haproxy | nginx) ;;
  *) fail "LB=$LB: want haproxy or nginx" ;;
esac
export PATH="$PATH:/usr/sbin:/sbin"
for bin in go redis-server "$LB"; do
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
go build -o "$tmp/clustertest" ./scripts/clustertest

read -r redis_port a_port b_port lb_port < <("$tmp/clustertest" ports 4)
host=127.0.0.1

redis-server --port "$redis_port" --bind "$host" --save '' --appendonly no \
  --dir "$tmp" --daemonize no --loglevel warning >"$tmp/redis.log" 2>&1 &
pids+=($!)
"$tmp/clustertest" wait "$host:$redis_port" || fail "redis-server did not start"

start_todo() { # name port
  "$tmp/todo" -addr "$host:$2" -store redis -redis-addr "$host:$redis_port" \
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
echo "cluster-test: redis :$redis_port, todo a :$a_port b :$b_port, $LB :$lb_port"

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
