// Package importmap is the project's import map, written once: every
// package of every module, what it is, and exactly which of our packages
// and which other modules it imports. Its tests hold the code to it: they
// run "go list -deps" over every module and fail, naming the arrow, when a
// package imports something the map does not list (or no longer imports
// something it does), when a package is missing from the map, or when one
// of the rules below is broken; and they check that the table in
// docs/architecture.md is the one the map renders
// ("go test ./internal/importmap -update" rewrites it).
//
// Only what a program links counts: tests may import any package of their
// module (the engine's tests run the framework on it). The package has no
// code to import; it exists for its tests.
package importmap

// module is the path of the root module; the paths below are relative to it.
const module = "github.com/microframe/microframe"

// pkg is one package of the map.
type pkg struct {
	path    string   // import path below module
	role    string   // what it is, for the table of docs/architecture.md
	imports []string // the packages of ours it imports, exactly
	others  []string // the other modules whose packages it imports, exactly
}

// packages is the map, top to bottom: a package imports only packages
// listed below it, so reading down is following the imports.
var packages = []pkg{
	// Programs, each a module of its own.
	{"cmd/todo", "the demo app", []string{"engine", "framework", "framework/middleware", "framework/session", "ratelog", "sessionstore", "sessionstore/redisstore"}, []string{"github.com/redis/go-redis/v9"}},
	{"cmd/hello", "the benchmark server", []string{"cmd/internal/benchbody", "cmd/internal/pprofserver", "conn", "engine", "framework", "internal/selfsigned"}, []string{"github.com/coder/websocket"}},
	{"cmd/tfb/peers", "the TechEmpower peers' module; tests only (every peer and cmd/tfb on one database, verified and compared)", nil, nil},
	{"cmd/tfb/peers/fasthttp", "the fasthttp TechEmpower peer", []string{"cmd/tfb/peers/internal/store"}, []string{"github.com/valyala/fasthttp"}},
	{"cmd/tfb/peers/gin", "the gin TechEmpower peer", []string{"cmd/tfb/peers/internal/store"}, []string{"github.com/gin-gonic/gin"}},
	{"cmd/tfb/peers/echo", "the echo TechEmpower peer", []string{"cmd/tfb/peers/internal/store"}, []string{"github.com/labstack/echo/v4"}},
	{"cmd/tfb/peers/chi", "the chi TechEmpower peer", []string{"cmd/tfb/peers/internal/store"}, []string{"github.com/go-chi/chi/v5"}},
	{"cmd/tfb/peers/hertz", "the hertz TechEmpower peer", []string{"cmd/tfb/peers/internal/store"}, []string{"github.com/cloudwego/hertz"}},
	{"cmd/tfb/peers/internal/store", "the peers' shared database code (pgx pool)", []string{"cmd/tfb/internal/tfbdb"}, []string{"github.com/jackc/pgx/v5"}},
	{"cmd/tfb", "the TechEmpower test types on PostgreSQL (framework and native), tfb db, tfb verify", []string{"cmd/internal/pprofserver", "cmd/tfb/internal/tfbdb", "cmd/tfb/internal/verify", "conn", "engine", "framework", "internal/pgtest"}, []string{"github.com/jackc/pgx/v5"}},
	{"cmd/tfb/internal/verify", "the TechEmpower rules checked against a running server", []string{"cmd/tfb/internal/tfbdb"}, nil},
	{"cmd/tfb/internal/tfbdb", "the TechEmpower tables and rows, their prepared statements, on a throwaway PostgreSQL", []string{"internal/pgtest"}, []string{"github.com/jackc/pgx/v5"}},
	{"cmd/microbench", "the load generator and server comparison", []string{"loadtest"}, nil},
	{"cmd/microbench/fasthttpserver", "the fasthttp contender", []string{"cmd/internal/benchbody"}, []string{"github.com/valyala/fasthttp"}},
	{"cmd/microbench/nbioserver", "the nbio contender", []string{"cmd/internal/benchbody"}, []string{"github.com/lesismal/nbio"}},
	{"cmd/clustertest", "the client of make cluster-test", nil, nil},
	{"cmd/internal/benchbody", "the benchmark bodies every contender sends", nil, nil},
	{"cmd/internal/pprofserver", "pprof on an address of its own", nil, nil},
	// Examples, each a module of its own.
	{"examples/bookmarks", "the bookmarks JSON API on pgx and PostgreSQL, with otelhttp, Prometheus, CORS and a rate limit", []string{"engine", "framework", "framework/middleware"},
		[]string{"github.com/go-chi/httprate", "github.com/jackc/pgx/v5", "github.com/prometheus/client_golang", "github.com/rs/cors",
			"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp", "go.opentelemetry.io/otel", "go.opentelemetry.io/otel/trace"}},
	{"examples/bookmarks/cmd/devdb", "a throwaway PostgreSQL for trying the bookmarks example", []string{"internal/pgtest"}, nil},
	// The load generator: a client, a module of its own.
	{"loadtest", "load generation and measurement", []string{"cookiejar", "internal/ascii"}, []string{"github.com/HdrHistogram/hdrhistogram-go"}},
	// The library (the root module) and its driver-backed store.
	{"sessionstore/redisstore", "sessions in Redis (its own module)", []string{"sessionstore"}, []string{"github.com/redis/go-redis/v9"}},
	{"sessionstore/redisstore/redistest", "throwaway redis-server processes for tests", nil, []string{"github.com/redis/go-redis/v9"}},
	{"framework/ecosystem", "tests with otelhttp, promhttp, rs/cors and httprate (a module of its own)", nil, nil},
	{"framework/internal/fwtest", "an App on both servers, for the framework's tests", []string{"conn", "engine/enginetest"}, nil},
	{"framework/middleware", "the middleware, one per file, on the framework's public API", []string{"framework"}, []string{"github.com/klauspost/compress"}},
	{"framework/session", "sessions for the framework (opt-in)", []string{"framework", "sessionstore"}, nil},
	{"engine/enginetest", "an engine server for tests", []string{"conn", "engine", "internal/selfsigned"}, nil},
	{"framework", "the web framework", []string{"conn", "framework/router", "internal/ascii", "internal/cookieheader", "internal/httpbridge", "parse", "ratelog"}, nil},
	{"framework/router", "the router", []string{"internal/ascii"}, nil},
	{"sessionstore/storetest", "the Store contract as a test suite", []string{"sessionstore"}, nil},
	{"sessionstore", "session stores and the session Manager", []string{"cookiejar"}, []string{"github.com/google/uuid", "github.com/puzpuzpuz/xsync/v3"}},
	{"cookiejar", "RFC 6265 cookies, codecs, a client jar", []string{"internal/ascii", "internal/cookieheader"}, nil},
	{"engine", "the server: listener, pools, lifecycle, TLS and HTTP/2, the net/http adapter", []string{"conn", "internal/httpbridge", "parse", "ratelog"}, []string{"github.com/panjf2000/ants/v2", "github.com/puzpuzpuz/xsync/v3", "golang.org/x/net", "golang.org/x/sys"}},
	{"internal/httpbridge", "the one bridge to net/http", []string{"conn", "internal/ascii", "parse"}, nil},
	{"conn", "the native handler contract and the connection actor that serves it", []string{"internal/ascii", "internal/poller", "parse"}, nil},
	{"parse", "the incremental request parser; no I/O", []string{"internal/ascii"}, nil},
	{"ratelog", "a rate-limiting slog.Handler", nil, nil},
	{"internal/cookieheader", "the one Cookie-header parser", []string{"internal/ascii"}, nil},
	{"internal/poller", "epoll readiness (Linux)", nil, []string{"golang.org/x/sys"}},
	{"internal/selfsigned", "throwaway TLS certificates", nil, nil},
	{"internal/pgtest", "throwaway PostgreSQL servers for tests and benchmarks", nil, nil},
	{"internal/ascii", "tokens, case folding, lists, OWS, unsafe views", nil, nil},
	{"internal/importmap", "this map; its tests check the code against it", nil, nil},
}

// rule is a constraint on everything a package links, directly or not,
// that holds whatever the map says: changing one is a design decision, to
// be argued in its commit.
type rule struct {
	from  string   // a package, or "p/..." for p and the packages below it
	only  []string // if set: the only packages of ours it may depend on
	never []string // packages ("p/..." as above) it must not depend on
	why   string
}

var rules = []rule{
	{from: "parse", only: []string{"internal/ascii"},
		why: "the parser does no I/O and knows nothing of connections, so it stands on the byte-level leaf alone"},
	{from: "framework", never: []string{"sessionstore/...", "cookiejar"},
		why: "an app without sessions links no session store (the glue is framework/session)"},
	{from: "loadtest", only: []string{"cookiejar", "internal/ascii", "internal/cookieheader"},
		why: "the load generator is a client, which shares the cookie and byte rules but never the server code it measures"},
	{from: "internal/...", never: []string{"engine/...", "framework/...", "sessionstore/...", "cookiejar", "loadtest", "cmd/..."},
		why: "internal/ holds the shared leaves and the bridge, below every public package but conn and parse"},
	{from: "conn", never: []string{"internal/httpbridge"},
		why: "the connection actor speaks the native contract, and net/http is the business of the bridge above it"},
}
