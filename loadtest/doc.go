// Package loadtest generates HTTP/1.1 load against one server and measures
// it honestly. It is the engine of cmd/microbench.
//
// A run opens Config.Connections keep-alive connections to the host and port
// of Config.URL, and nothing else. Each connection is driven by its own
// goroutine through a small HTTP/1.1 client written for the job: the request
// is serialised once, written as is (Pipeline copies at a time when
// pipelining), and responses are read by an incremental parser that reuses
// one buffer per connection, so the steady state allocates nothing per
// request. Every latency goes into a per-connection HDR histogram (from
// github.com/HdrHistogram/hdrhistogram-go); the histograms are merged when
// the run ends, so no lock is taken on the request path. An https URL is
// served over TLS (HTTP/1.1 by ALPN; Config.TLS for self-signed servers).
//
// # Errors are counted, never hidden
//
// Failed dials, reads and writes, timeouts and malformed responses are
// counted in Result.Errors by cause, and so is every response whose status
// is outside 2xx and 3xx (Errors.Status; in a scenario, a status the step
// did not expect). Result.BelowRate tells when an open-loop run fell short
// of its rate. Result.WriteText prints warnings for both.
//
// # Closed and open loop
//
// In the closed loop (Rate zero) a connection sends its next request as soon
// as the previous response arrived. This finds the server's throughput, but
// a server that stalls for a second also stops the load for a second, and
// the stall shows as a single slow request: coordinated omission.
//
// In the open loop (Rate > 0) request i of a connection is due at a fixed
// time, start + i/rate-per-connection, whether or not the server kept up.
// Latency is measured from that intended time; a connection that is behind
// sends at once, but its requests are still charged for the time they spent
// waiting. A one-second stall then shows as the whole second's worth of
// slow requests, as a user would have seen it (the correction wrk2 makes).
//
// # Scenarios
//
// With Config.Scenario each connection is a virtual user with its own cookie
// jar, running Setup steps once (log in) and then Steps over and over (hit
// session pages). That generates session-heavy load, where every request
// carries the user's cookie and the server must look the session up. Each
// loop step reports its own latency (StepResult.Latency).
//
// # Bounds
//
// A run stops by itself: after Config.Duration, after Config.Requests
// requests, or when its context is done. Run refuses a configuration with
// neither bound.
package loadtest
