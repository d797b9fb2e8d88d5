//go:build stress

package main

// floodSize is the long form of TestHardeningSessionFlood (-tags stress,
// `make stress`): issue 13's target.
var floodSize = struct{ requests, maxSessions int }{6000, 2000}
