//go:build race

package middleware_test

// raceEnabled: the race detector changes allocation counts.
const raceEnabled = true
