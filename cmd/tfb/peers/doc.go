// Package peers is the home of microframe's TechEmpower peers: the six
// test types of cmd/tfb (/plaintext, /json, /db, /queries, /updates,
// /fortunes) written on the Go frameworks people pick, each the way its
// users write it, so that "make bench-tfb" measures microframe against
// them on the same database, the same rules and the same response bytes.
//
// The peers are commands, one directory each: fasthttp (valyala/fasthttp
// v1.68.0), gin (gin-gonic/gin on net/http), echo (labstack/echo/v4 on
// net/http), chi (go-chi/chi/v5 on net/http) and hertz (cloudwego/hertz on
// netpoll). Each takes -addr, -db (default $DATABASE_URL) and -pool
// (default four connections per GOMAXPROCS, as cmd/tfb), and shares its
// database code with the others (internal/store: a pgx pool with prepared
// statements, batches for /queries and /updates, a two-second bound on
// each request's database work, after which it answers 503).
//
// The module exists to keep these frameworks out of every other go.mod.
// This package has no code: its tests build every peer and cmd/tfb, run
// them on a throwaway PostgreSQL (cmd/tfb/internal/tfbdb), pass each
// through the benchmark verifier (cmd/tfb/internal/verify), check that all
// of them send the same bodies for /json, /plaintext and /fortunes and
// the same header names on every test type, and that each answers 503
// while the database is down and recovers when it returns.
package peers
