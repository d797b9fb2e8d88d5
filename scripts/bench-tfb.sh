#!/usr/bin/env bash
# bench-tfb.sh: the TechEmpower test types on PostgreSQL (issue 21):
# cmd/tfb (framework and native handlers) against its peers in
# cmd/tfb/peers (fasthttp, gin, echo, chi, hertz), with wrk.
#
# It builds tfb and every peer, starts one throwaway database ("tfb db"),
# then for each case (test type x concurrency), for each round, runs every
# server in turn: started fresh, a 1 s warm-up, then wrk for DUR. The
# server is pinned to CPU 0 and wrk to CPU 1 (taskset), as in
# bench-wrk.sh; PostgreSQL is not pinned and shares both cores with them
# as it can, so on the database test types the server competes with it
# for CPU 0. Go sets GOMAXPROCS from the affinity, so every server runs
# with GOMAXPROCS=1 and its default pool of 4 connections (POOL=N
# overrides it for all). Collected per run: req/s, server CPU per request
# (utime+stime of /proc/PID/stat), p99 (wrk --latency), and PostgreSQL CPU
# per request: the postmaster's own and reaped children's CPU plus that of
# its live children (the backends), before and after; and the cores the
# server, PostgreSQL and wrk each used over the run (CPU seconds per
# second): a server below one core while PostgreSQL is busy is waiting on
# the database or its pool, not on its own code; wrk near one core is the
# bottleneck itself (json at 256 connections on this machine), and then
# server CPU per request, not req/s, compares the servers. The median round is reported (by req/s; its other columns are from
# the same run).
#
# Usage: scripts/bench-tfb.sh [-quick]       (make bench-tfb [QUICK=1])
#   -quick or QUICK=1: 1 round of 2 s, no warm-up, two cases: under a
#     minute once the binaries are built.
#   DUR=5s ROUNDS=3   the duration of each run and the rounds (defaults 5s, 3)
#   CONTENDERS="tfb-native gin"   limits the run to those servers
#   BASE=REV          also runs cmd/tfb as of git revision REV (base-framework,
#                     base-native), alternating with the working tree's
#   CASES="db:64 json:256"        limits the run to those cases
#   NOWRITE=1         prints the table without appending it to docs/benchmarks.md
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh

QUICK=${QUICK:-}
[ "${1:-}" = -quick ] && QUICK=1
if [ -n "$QUICK" ]; then
  DUR=${DUR:-2s}; ROUNDS=${ROUNDS:-1}; WARM=0
  DEFAULT_CASES="json:256 db:64"
else
  DUR=${DUR:-5s}; ROUNDS=${ROUNDS:-3}; WARM=1
  DEFAULT_CASES="plaintext:256 json:256 db:64 db:256 queries:64 queries:256 updates:64 updates:256 fortunes:64 fortunes:256"
fi
CASES_SET=${CASES:-} # as given, for the command line written with the table
read -r -a CASES <<<"${CASES:-$DEFAULT_CASES}"
PORT=${PORT:-18290}
command -v wrk >/dev/null || { echo "wrk not found (apt-get install wrk)"; exit 1; }

bench_start bench-tfb
trap 'echo "bench-tfb: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
# Built into bin/bench-tfb, not $tmp: go build links again only what changed.
bin=$PWD/bin/bench-tfb
mkdir -p "$bin"
echo "building tfb and the peers into $bin..." >&2
(cd cmd/tfb && go build -o "$bin/tfb" .)
(cd cmd/tfb/peers && go build -o "$bin/" ./fasthttp ./gin ./echo ./chi ./hertz)
TICK=$(getconf CLK_TCK)

declare -A CMD=(
  [tfb-framework]="$bin/tfb -handler framework"
  [tfb-native]="$bin/tfb -handler native"
  [fasthttp]="$bin/fasthttp"
  [gin]="$bin/gin"
  [echo]="$bin/echo"
  [chi]="$bin/chi"
  [hertz]="$bin/hertz"
)
ORDER=(tfb-framework tfb-native fasthttp gin echo chi hertz)
if [ -n "${BASE:-}" ]; then # cmd/tfb as of git revision BASE, for a before/after check
  git worktree add -q --detach "$tmp/base" "$BASE"
  (cd "$tmp/base/cmd/tfb" && go build -o "$bin/tfb-base" .)
  git worktree remove --force "$tmp/base"
  CMD[base-framework]="$bin/tfb-base -handler framework"
  CMD[base-native]="$bin/tfb-base -handler native"
  ORDER=(base-framework tfb-framework base-native tfb-native fasthttp gin echo chi hertz)
fi
if [ -n "${CONTENDERS:-}" ]; then read -r -a ORDER <<<"$CONTENDERS"; fi
POOLFLAG=""
[ -n "${POOL:-}" ] && POOLFLAG="-pool $POOL"

# The database: tfb db prints DATABASE_URL=... once it is ready.
"$bin/tfb" db > "$tmp/db.out" 2> "$tmp/db.err" &
dbpid=$!
pids+=("$dbpid")
for _ in $(seq 600); do grep -q '^DATABASE_URL=' "$tmp/db.out" && break; kill -0 "$dbpid" 2>/dev/null || break; sleep 0.1; done
DB=$(sed -n 's/^DATABASE_URL=//p' "$tmp/db.out")
[ -n "$DB" ] || fail "tfb db did not start: $(cat "$tmp/db.err")"

# postmaster: the postgres child of tfb db.
postmaster=""
for p in $(pgrep -P "$dbpid"); do
  [ "$(cat /proc/$p/comm 2>/dev/null)" = postgres ] && postmaster=$p
done
[ -n "$postmaster" ] || fail "no postgres process under tfb db ($dbpid)"
pgversion=$("$(readlink -f /proc/$postmaster/exe)" --version 2>/dev/null | sed 's/^postgres (PostgreSQL)/PostgreSQL/') || pgversion=PostgreSQL

# pg_cpu: the clock ticks PostgreSQL has used so far: the postmaster's own
# and its reaped children's (fields 14-17), and its live children's own
# (a backend that exits meanwhile is skipped: its time moves to the
# postmaster's reaped children). One awk for all: it runs between wrk runs.
# The comm of every postgres process is "postgres", so the fields count.
pg_cpu() {
  { cat "/proc/$postmaster/stat" $(pgrep -P "$postmaster" | sed 's|.*|/proc/&/stat|') 2>/dev/null || true; } |
    awk 'NR == 1 { t += $16 + $17 } { t += $14 + $15 } END { print t }'
}

# children_cpu: CPU seconds (user+system) of this shell's finished
# children so far; around a wrk run, the difference is wrk's own (and a
# few milliseconds of the command substitution's shell). A client at
# about 1.00 core is the bottleneck: the servers' req/s then measure the
# client, and their CPU per request is the comparison that holds.
# (times runs in this shell, not in a command substitution's: its own
# children are not wrk.)
children_cpu() {
  times > "$tmp/times"
  awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, p, "m"); sub("s", "", p[2]); t += p[1] * 60 + p[2] } print t }' "$tmp/times"
}

results="$tmp/results"
: > "$results"

# path_of TEST: the request path of a test type.
path_of() {
  case $1 in
    plaintext) echo /plaintext ;; json) echo /json ;; db) echo /db ;;
    queries) echo "/queries?queries=20" ;; updates) echo "/updates?queries=20" ;;
    fortunes) echo /fortunes ;; *) fail "unknown test type $1" ;;
  esac
}

run_one() { # name test conns
  local name=$1 test=$2 conns=$3 extra="" path
  path=$(path_of "$test")
  [ "$test" = plaintext ] && extra="-s scripts/pipeline.lua"
  taskset -c 0 ${CMD[$name]} $POOLFLAG -addr 127.0.0.1:$PORT -db "$DB" >/dev/null 2>&1 &
  local pid=$!
  pids=("$dbpid" "$pid") # so that an interrupted run stops it too
  wait_port 127.0.0.1 "$PORT" 100 0.05
  if [ "$WARM" = 1 ]; then
    taskset -c 1 wrk -t1 -c"$conns" -d1s $extra "http://127.0.0.1:$PORT$path" -- 16 >/dev/null 2>&1
  fi
  local t0 t1 g0 g1 w0 w1 out
  t0=$(cpu "$pid"); g0=$(pg_cpu); w0=$(date +%s%N); children_cpu > "$tmp/c0"
  out=$(taskset -c 1 wrk -t1 -c"$conns" -d"$DUR" --latency $extra "http://127.0.0.1:$PORT$path" -- 16)
  children_cpu > "$tmp/c1"; t1=$(cpu "$pid"); g1=$(pg_cpu); w1=$(date +%s%N)
  kill -INT "$pid"; wait "$pid" 2>/dev/null || true
  pids=("$dbpid")
  local reqs rps p99 errs
  reqs=$(awk '/requests in/{print $1}' <<<"$out")
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  p99=$(awk '$1=="99%"{print $2}' <<<"$out")
  errs=$(awk '/Non-2xx|Socket errors/{print}' <<<"$out" | tr '\n' ' ')
  awk -v c="$test:$conns" -v n="$name" -v rps="$rps" -v p99="$p99" -v reqs="$reqs" -v t="$TICK" \
      -v s=$((t1 - t0)) -v g=$((g1 - g0)) -v w=$((w1 - w0)) -v k="$(awk 'NR == FNR { a = $1; next } { print $1 - a }' "$tmp/c0" "$tmp/c1")" -v e="$errs" \
      'BEGIN{ if (reqs == 0) reqs = 1; w /= 1e9
        printf "%s %s %.0f %.2f %s %.2f %.2f/%.2f/%.2f %s\n", c, n, rps, s/t*1e6/reqs, p99, g/t*1e6/reqs, s/t/w, g/t/w, k/w, e }' >> "$results"
  echo "  ${SECONDS}s $test c$conns $name: $(tail -1 "$results" | cut -d' ' -f3-)" >&2
}

start=$(date -u '+%Y-%m-%d %H:%M UTC')
for c in "${CASES[@]}"; do
  for r in $(seq "$ROUNDS"); do
    for name in "${ORDER[@]}"; do
      run_one "$name" "${c%%:*}" "${c##*:}"
    done
  done
done

table="$tmp/table"
{
  echo "| test | conns | server | req/s | server CPU µs/req | p99 | PostgreSQL CPU µs/req | cores used, server/PostgreSQL/wrk |"
  echo "|---|---|---|---|---|---|---|---|"
  for c in "${CASES[@]}"; do
    for name in "${ORDER[@]}"; do
      awk -v c="$c" -v n="$name" '$1==c && $2==n' "$results" | sort -k3 -n |
        awk -v r="$ROUNDS" 'NR==int((r+1)/2){split($1, tc, ":"); t = tc[1]
          if (t == "queries" || t == "updates") t = t "=20"
          if (t == "plaintext") t = t " (16-deep pipeline)"
          printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", t, tc[2], $2, $3, $4, $5, $6, $7}'
    done
  done
} > "$table"
# Paired within each round, which this shared machine's swings (20-50%
# between rounds) leave alone: each microframe server against the best
# peer (the one with the highest median req/s, and the one with the
# lowest median CPU per request) in the same round; the median of those
# ratios over the rounds. (Against the best peer of each round instead,
# the least of five noisy figures would be the yardstick: biased low.)
paired="$tmp/paired"
awk -v rounds="$ROUNDS" '
  { k = $1 SUBSEP $2; i = ++seen[k]; rps[$1, i, $2] = $3; cpu[$1, i, $2] = $4
    if (!(($1, $2) in known)) { known[$1, $2] = 1; names[$1] = names[$1] " " $2 }
    if (!($1 in cn)) { cn[$1] = 1; cases[++nc] = $1 } }
  function median(a, n,   i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
    return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2 }
  # ratio: the median over the rounds of own / peer for metric m (1 req/s, 2 CPU)
  function ratio(c, own, peer, m,   r, n) {
    n = 0
    for (r = 1; r <= rounds; r++) {
      if (!((c, r, own) in rps) || !((c, r, peer) in rps)) continue
      q[++n] = m == 1 ? rps[c, r, own] / rps[c, r, peer] : cpu[c, r, own] / cpu[c, r, peer]
    }
    return n ? median(q, n) : 0 }
  END {
    for (ci = 1; ci <= nc; ci++) {
      c = cases[ci]; m = split(names[c], ns, " ")
      br = ""; bc = ""
      for (y = 1; y <= m; y++) {
        p = ns[y]; if (p ~ /^(tfb|base)-/) continue
        n = 0; for (r = 1; r <= rounds; r++) if ((c, r, p) in rps) a[++n] = rps[c, r, p]
        mr = median(a, n)
        n = 0; for (r = 1; r <= rounds; r++) if ((c, r, p) in rps) a[++n] = cpu[c, r, p]
        mc = median(a, n)
        if (br == "" || mr > bmr) { br = p; bmr = mr }
        if (bc == "" || mc < bmc) { bc = p; bmc = mc }
      }
      if (br == "") continue
      for (x = 1; x <= m; x++) {
        own = ns[x]; if (own !~ /^tfb-/) continue
        printf "| %s | %s | %.2f× (%s) | %.2f× (%s) |\n", c, own, ratio(c, own, br, 1), br, ratio(c, own, bc, 2), bc
      }
    }
  }' "$results" > "$paired"
envs=""
for v in BASE CONTENDERS CASES_SET DUR ROUNDS POOL QUICK; do
  [ -n "${!v:-}" ] && envs+="${v%_SET}=\"${!v}\" "
done
cmdline=${BENCH_CMD:-${envs}scripts/bench-tfb.sh $*}
mode="$ROUNDS round(s) of $DUR, median by req/s"
[ -n "$QUICK" ] && mode="QUICK: 1 round of $DUR, no warm-up: a smoke test, not a measurement"
errors=$(grep -E 'Non-2xx|Socket errors' "$results" || true)

echo
echo "$mode; server on CPU 0, wrk -t1 on CPU 1, PostgreSQL unpinned"
cat "$table"
if [ -s "$paired" ]; then
  echo
  echo "Paired by round: each microframe server against the best peer (by median), round by round; the median of the ratios"
  echo "| case | server | req/s ÷ best peer's | CPU per request ÷ best peer's |"
  echo "|---|---|---|---|"
  cat "$paired"
fi
if [ -n "$errors" ]; then echo; echo "errors reported by wrk:"; echo "$errors"; fi

if [ -z "${NOWRITE:-}" ]; then
  {
    echo
    echo "### bench-tfb, $start"
    echo
    echo '```sh'
    echo "$cmdline"
    echo '```'
    echo
    echo "$mode. wrk -t1 --latency, the server pinned to CPU 0 (GOMAXPROCS=1, pool ${POOL:-4}), wrk to CPU 1, $pgversion unpinned on both; shared 2-core machine (load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)), so the figures are noisy."
    echo
    cat "$table"
    if [ -s "$paired" ]; then
      echo
      echo "Paired by round, which the machine's swings between rounds leave alone: each microframe server against the best peer (the highest median req/s; the lowest median CPU per request), in the same round; the median of the $ROUNDS ratios:"
      echo
      echo "| case | server | req/s ÷ best peer's | CPU per request ÷ best peer's |"
      echo "|---|---|---|---|"
      cat "$paired"
    fi
    if [ -n "$errors" ]; then echo; echo "wrk reported errors:"; echo; echo '```'; echo "$errors"; echo '```'; fi
  } >> docs/benchmarks.md
  echo "(appended to docs/benchmarks.md)" >&2
fi
