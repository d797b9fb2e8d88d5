//go:build !stress

package framework

// The short forms of the hardening tests, for `make test` (with -race).
var heldUploadsSize = heldUploads{uploads: 4, size: 4 << 20, maxMemory: 256 << 10, perUpload: 2 << 20}
