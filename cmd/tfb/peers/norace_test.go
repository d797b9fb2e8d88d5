//go:build !race

package peers

// raceBuild: the test binary runs without the race detector.
const raceBuild = false
