# microframe — see README.md. Every target works on a fresh machine with Go
# installed; .ci/run installs the Debian packages the tests use.

GO       ?= go
ADDR     ?= 127.0.0.1:8080
FUZZTIME ?= 30s
# Nested modules (their own go.mod): `go test ./...` does not enter them.
# The root module is the library (engine, framework, stores); every
# program (cmd/*), the load generator (loadtest) and each driver-backed
# store is a module of its own, so the library requires only what it uses.
NESTED   := $(patsubst %/go.mod,%,$(shell find . -mindepth 2 -name go.mod -not -path './.git/*' | sort))
MODULES  := . $(NESTED)
# Nested modules whose tests run without the race detector: the nbio
# contender, because nbio v1.6.8 itself races (its accept goroutine writes a
# connection's address while its poller goroutine reads it; -race reports it
# inside nbhttp, not in our code). Everything of ours runs under -race.
NORACE   := ./cmd/microbench/nbioserver

.PHONY: run hello tfb tfb-db tfb-verify test test-root test-nested vet lint bench bench-tfb allocs fuzz fuzz-short e2e stress cluster-test clean

## run: build the demo app (cmd/todo) into bin/todo and exec it on $(ADDR)
## with embedded defaults; the shell is replaced by the server, so the
## process make started is the server (kill its pid, the server stops)
run:
	cd cmd/todo && $(GO) build -o ../../bin/todo .
	exec ./bin/todo -addr $(ADDR)

## hello: start the benchmark server (cmd/hello, native handler) on $(ADDR)
hello:
	cd cmd/hello && $(GO) run . -addr $(ADDR)

## tfb-db: a throwaway PostgreSQL with the TechEmpower tables (cmd/tfb:
## tfb db); prints DATABASE_URL=... and runs until interrupted, then
## removes it. Needs Debian's postgresql (.ci/run installs it).
tfb-db:
	cd cmd/tfb && $(GO) build -o ../../bin/tfb .
	exec ./bin/tfb db

## tfb: the TechEmpower server on $(ADDR) with $(TFB_HANDLER) (framework
## or native) on $$DATABASE_URL (from make tfb-db)
TFB_HANDLER ?= framework
tfb:
	cd cmd/tfb && $(GO) build -o ../../bin/tfb .
	exec ./bin/tfb -addr $(ADDR) -handler $(TFB_HANDLER)

## tfb-verify: check the server on $(ADDR) against the TechEmpower rules
## (with $$DATABASE_URL, also that /updates persisted)
tfb-verify:
	cd cmd/tfb && $(GO) build -o ../../bin/tfb .
	./bin/tfb verify $${DATABASE_URL:+-db "$$DATABASE_URL"} http://$(ADDR)

## test: vet, then every test of every module with the race detector
test: vet test-root test-nested

# The engine tests run twice: on the parking path (the default on Linux)
# and on the goroutine-per-connection path.
test-root:
	$(GO) test -race -count=1 ./...
	MICROFRAME_GOROUTINE_PER_CONN=1 $(GO) test -race -count=1 ./engine/

test-nested:
	@set -e; for d in $(NESTED); do echo "== $$d"; race=-race; \
	  case " $(NORACE) " in *" $$d "*) race=;; esac; \
	  (cd $$d && $(GO) vet ./... && $(GO) test $$race -count=1 ./...); done

vet:
	$(GO) vet ./...

## lint: formatting and vet over every module
lint: vet
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@set -e; for d in $(NESTED); do (cd $$d && $(GO) vet ./...); done

## bench: the benchmarks of every package of every module (short runs; see docs/benchmarks.md for recorded ones)
bench:
	@set -e; for d in $(MODULES); do echo "== $$d"; \
	  (cd $$d && $(GO) test -run='^$$' -bench=. -benchmem -benchtime=500ms ./...); done

## bench-tfb: the TechEmpower test types on a throwaway PostgreSQL, cmd/tfb
## (framework, native) against fasthttp, gin, echo, chi and hertz
## (cmd/tfb/peers), wrk with the server and wrk pinned to a core each;
## prints a table and appends it to docs/benchmarks.md. QUICK=1: one
## short round of two cases (under a minute); DUR, ROUNDS, CONTENDERS,
## CASES, POOL: see scripts/bench-tfb.sh
BENCH_TFB_VARS = $(strip $(foreach v,QUICK DUR ROUNDS CONTENDERS CASES POOL,$(if $($(v)),$(v)='$($(v))')))
bench-tfb:
	BENCH_CMD="make bench-tfb$(if $(BENCH_TFB_VARS), $(BENCH_TFB_VARS))" \
	  QUICK=$(QUICK) bash scripts/bench-tfb.sh

## allocs: the allocation and idle-memory checks of every module without
## the race detector, which changes allocation counts (.ci/run runs it)
allocs:
	@set -e; for d in $(MODULES); do echo "== $$d"; \
	  (cd $$d && $(GO) test -count=1 -run 'Allocs|IdleMemory' ./...); done

## fuzz: run every fuzz target of every module for $(FUZZTIME) each (a
## target is a "func Fuzz..." line in a package's _test.go files)
fuzz:
	@set -e; for d in $(MODULES); do (cd $$d && \
	  for pd in $$($(GO) list -f '{{.ImportPath}}={{.Dir}}' ./...); do pkg=$${pd%%=*}; dir=$${pd#*=}; \
	    for f in $$(cat $$dir/*_test.go 2>/dev/null | sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p'); do \
	      echo "== $$pkg $$f"; $(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg; \
	    done; done); done

## fuzz-short: a short pass of every fuzz target (CI). A count of inputs
## rather than a duration: a duration-bounded run can end with a spurious
## "context deadline exceeded" when the deadline falls while a worker is busy.
fuzz-short:
	$(MAKE) fuzz FUZZTIME=20000x

## e2e: the browser test of the demo app (needs Debian's chromium)
e2e:
	cd cmd/todo && $(GO) test -count=1 -run TestBrowser -v ./...

## stress: the long forms of the hardening tests (slowloris, idle connections, overload, session flood, held uploads)
stress:
	bash scripts/stress.sh

## cluster-test: two cmd/todo instances sharing Redis behind HAProxy, on one
## Redis, then on a Redis Cluster whose master is killed (needs redis-server, redis-cli, haproxy)
cluster-test:
	bash scripts/cluster-test.sh
	REDIS=cluster bash scripts/cluster-test.sh

clean:
	rm -rf bin
