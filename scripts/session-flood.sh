#!/usr/bin/env bash
# session-flood.sh: issue 13's session-flood benchmark. One client (one
# wrk connection) sends GET /counter without cookies for DURATION seconds,
# so that every request creates a session, against cmd/todo with
# -max-sessions MAX. It samples the server's RSS every 5 s and reports the
# largest, the statuses, and the CPU time per request; then it checks that
# a user who logged in before the flood is still logged in and that a new
# visitor gets a session.
#
#   scripts/session-flood.sh [DURATION] [MAX] [SERVER]   # defaults: 600 2000 engine
#
# Loopback only; stops by itself. Hold the benchmark lock on a shared
# machine: flock /tmp/bench.lock scripts/session-flood.sh
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${1:-600}
max=${2:-2000}
server=${3:-engine}
GO=${GO:-go}
addr=127.0.0.1:${PORT:-18613}

tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
(cd cmd/todo && "$GO" build -o "$tmp/todo" .)
"$tmp/todo" -addr "$addr" -server "$server" -max-sessions "$max" 2>"$tmp/log" &
pid=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://$addr/" && break; sleep 0.1; done

jar=$tmp/user.jar
curl -s -c "$jar" -d user=ada "http://$addr/login" >/dev/null
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
echo "server $server, -max-sessions $max, one client for ${duration}s; RSS at start $(rss) kB"

t0=$(ticks)
wrk -t1 -c1 -d"${duration}s" --latency "http://$addr/counter" >"$tmp/wrk" &
wrkpid=$!
peak=0
while kill -0 "$wrkpid" 2>/dev/null; do
  r=$(rss); [ "$r" -gt "$peak" ] && peak=$r
  sleep 5
done
wait "$wrkpid"
t1=$(ticks)
requests=$(awk '/requests in/ {print $1}' "$tmp/wrk")
non2xx=$(awk '/Non-2xx/ {print $NF}' "$tmp/wrk")
hz=$(getconf CLK_TCK)
echo "requests: $requests, non-2xx: ${non2xx:-0}"
echo "peak RSS: $peak kB, RSS at end: $(rss) kB"
awk -v t="$((t1 - t0))" -v hz="$hz" -v n="$requests" 'BEGIN { printf "server CPU: %.1f us per request\n", t / hz / n * 1e6 }'
grep -E "Latency|Req/Sec" "$tmp/wrk" | head -2

who=$(curl -s -b "$jar" "http://$addr/whoami")
visitor=$(curl -s -c "$tmp/v.jar" "http://$addr/counter"; echo -n " "; curl -s -b "$tmp/v.jar" "http://$addr/counter")
echo "user logged in before the flood: whoami = $who; new visitor: counter $visitor"
errors=$(grep -c "level=ERROR" "$tmp/log" || true)
echo "ERROR lines logged: $errors"
[ "$who" = ada ] && [ "$visitor" = "1 2" ] && [ "${non2xx:-0}" = 0 ]
