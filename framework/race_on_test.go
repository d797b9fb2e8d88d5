//go:build race

package framework

// raceEnabled: the race detector changes allocation counts.
const raceEnabled = true
