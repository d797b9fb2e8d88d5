//go:build !race

package engine_test

// raceEnabled: see hardening_race_on_test.go.
const raceEnabled = false
