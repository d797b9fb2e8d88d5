//go:build race

package peers

// raceBuild: the test binary runs with the race detector, so the servers
// it starts are built with it too.
const raceBuild = true
