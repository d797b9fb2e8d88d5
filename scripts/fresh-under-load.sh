#!/usr/bin/env bash
# fresh-under-load.sh: how long a new client waits for its first response
# while keep-alive clients keep the server busy. wrk (one thread, CPU 1)
# loads URL with CONNS connections; meanwhile a second client, also on
# CPU 1, opens a new connection every 10 ms, sends one GET for URL's path
# and reads the answer, N times. The server runs on CPU 0, as in
# bench-tfb.sh. A server that keeps its thread busy with the connections
# it already has (a scheduler that never looks at the network while its
# run queue is full) shows here, where req/s and p99 of the wrk clients
# do not.
#
# Usage: scripts/fresh-under-load.sh URL CONNS -- BIN [ARGS...]
#   URL    e.g. http://127.0.0.1:27106/json (the server must listen there)
#   N=200  fresh connections
# Prints the wrk clients' requests/s and the fresh clients' time to
# their response: p50, p90, p99 and max in ms.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh

[ $# -ge 4 ] && [ "$3" = -- ] || { sed -n '2,16p' "$0" >&2; exit 2; }
url=$1 conns=$2
shift 3
command -v wrk >/dev/null || { echo "wrk not found (apt-get install wrk)"; exit 1; }
n=${N:-200}

bench_start fresh-under-load
serve_pinned "$url" "$conns" "$@"
path=/${url#http://"$hostport"/}
[ "$url" = "http://$hostport" ] && path=/
# wrk runs past the fresh clients: N every 10 ms, plus a margin.
taskset -c 1 wrk -t1 -c"$conns" -d"$((n / 100 + 3))s" "$url" >"$tmp/wrk" &
wpid=$!
sleep 1
taskset -c 1 python3 - "${hostport%:*}" "${hostport##*:}" "$path" "$n" <<'EOF'
import socket, sys, time
host, port, path, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
req = ("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (path, host)).encode()
ms = []
for _ in range(n):
    t = time.perf_counter()
    s = socket.create_connection((host, port), timeout=10)
    s.sendall(req)
    if not s.recv(4096):
        sys.exit("fresh client: connection closed before a response")
    ms.append((time.perf_counter() - t) * 1000)
    s.close()
    time.sleep(0.01)
ms.sort()
q = lambda p: ms[min(len(ms) - 1, int(p * len(ms)))]
print("fresh clients: p50 %.2f ms, p90 %.2f, p99 %.2f, max %.2f (%d)" % (q(0.5), q(0.9), q(0.99), ms[-1], n))
EOF
wait "$wpid"
echo "$url, $conns keep-alive connections: $(awk '/Requests\/sec/ {print $2}' "$tmp/wrk") requests/s"
