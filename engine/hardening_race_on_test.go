//go:build race

package engine_test

// raceEnabled: the race detector multiplies the memory of every goroutine
// and allocation, so absolute memory bounds are checked only without it.
const raceEnabled = true
