//go:build !stress

package engine_test

import "time"

// scale sizes the adversarial tests for `go test`: small enough to keep the
// package well under a minute with -race on two cores, large enough that
// every mechanism (timeouts, pool refusal, buffer release) is exercised.
// Build with -tags stress (scripts/stress.sh) for the full sizes.
var scale = hardeningScale{
	stress:          false,
	slowloris:       50,
	slowBodies:      10,
	headTimeout:     300 * time.Millisecond,
	bodyTimeout:     600 * time.Millisecond,
	trickle:         100 * time.Millisecond,
	idleConns:       1000,
	overloadPool:    20,
	overloadExtra:   100,
	hostileRejects:  200,
	floodRejects:    1500,
	shutdownClients: 32,
	shutdownRounds:  2,
}
