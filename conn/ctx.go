package conn

// Ctx is one request and its response on the native path. See the method
// list in ctx_api.go; the implementation is in progress.
type Ctx struct{}
