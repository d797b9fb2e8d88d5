//go:build stress

package engine_test

import "time"

// scale, built with -tags stress (scripts/stress.sh, `make stress`): the
// sizes the hardening issue asks for. Slow clients send a header byte every
// three seconds against the default ten-second head timeout.
var scale = hardeningScale{
	stress:          true,
	slowloris:       1000,
	slowBodies:      100,
	headTimeout:     10 * time.Second,
	bodyTimeout:     15 * time.Second,
	trickle:         3 * time.Second,
	idleConns:       10000,
	overloadPool:    500,
	overloadExtra:   5000,
	hostileRejects:  1000,
	floodRejects:    5000,
	shutdownClients: 500,
	shutdownRounds:  5,
}
