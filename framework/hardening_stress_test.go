//go:build stress

package framework

// The long forms of the hardening tests, built with -tags stress
// (scripts/stress.sh, `make stress`): the sizes of issue 13's target.
var heldUploadsSize = heldUploads{uploads: 20, size: 9 << 20, maxMemory: 1 << 20, perUpload: 3 << 20, rss: true}
