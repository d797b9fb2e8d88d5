package engine

import "github.com/microframe/microframe/conn"

// Ctx is one request and its response on the native path; see conn.Ctx.
type Ctx = conn.Ctx

// Handler answers requests on the native path; see conn.Handler.
type Handler = conn.Handler

// HandlerFunc adapts a function to Handler; see conn.HandlerFunc.
type HandlerFunc = conn.HandlerFunc
