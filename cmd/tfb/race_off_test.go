//go:build !race

package main

// raceEnabled: the race detector changes allocation counts.
const raceEnabled = false
