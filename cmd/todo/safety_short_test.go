//go:build !stress

package main

// floodSize is the short form of TestHardeningSessionFlood, for `make test`.
var floodSize = struct{ requests, maxSessions int }{600, 200}
