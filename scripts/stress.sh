#!/usr/bin/env bash
# stress.sh runs the long forms of the adversarial tests (see
# docs/security.md): 1,000 slowloris connections and 100 slow uploads,
# 10,000 idle keep-alive connections measured against net/http, 5,000
# refused connections and a flood of hostile ones, Shutdown under 500
# clients. `make stress` calls it; `go test` runs the short forms.
#
# Everything targets 127.0.0.1 and stops by itself. The tests run without
# the race detector, so that the memory they report is what a real build
# uses; `make test` runs the short forms with it.
#
#   scripts/stress.sh              # all of them (about a minute)
#   scripts/stress.sh IdleMemory   # only tests whose name matches
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
filter=${1:-}

# Both ends of every connection live on this machine. The idle test runs
# the server in a child process, so each process needs a descriptor per
# connection (10,000) plus slack; the overload test holds about 11,000.
need=12000
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need" ]; then
  ulimit -n "$need" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fi
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need" ]; then
  echo "stress: open-file limit is $(ulimit -n), the stress tests need $need (ulimit -n $need)" >&2
  exit 1
fi

echo "== engine: adversarial tests, stress sizes (-tags stress, no -race)"
"$GO" test -tags stress -count=1 -timeout 20m -v -run "^TestHardening${filter}" ./engine/ |
  grep -v -e '^=== RUN' -e '^=== PAUSE' -e '^=== CONT'

# Issue 13's field-safety targets. Each transport of the held-uploads test
# runs in its own process, so that one's freed memory does not hide the
# other's RSS.
for transport in nethttp engine; do
  echo "== framework: 20 held 9 MiB multipart uploads ($transport, -tags stress, no -race)"
  "$GO" test -tags stress -count=1 -timeout 10m -v -run "^TestHardening${filter}.*/${transport}\$" ./framework/ |
    grep -v -e '^=== RUN' -e '^=== PAUSE' -e '^=== CONT'
done
echo "== cmd/todo: 6,000 anonymous /counter requests against -max-sessions 2000 (-tags stress, no -race)"
(cd cmd/todo && "$GO" test -tags stress -count=1 -timeout 10m -v -run "^TestHardening${filter}" ./) |
  grep -v -e '^=== RUN' -e '^=== PAUSE' -e '^=== CONT'
