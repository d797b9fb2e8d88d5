// Package middleware holds the framework's middleware, one concern per
// file: access logging (Logger), panic recovery (Recover), request ids
// (RequestID), security headers (SecurityHeaders), cross-site request
// refusal (CrossOrigin) and response compression (Compress).
//
// Each is a framework.Middleware built only on the framework's public API,
// so that middleware written outside it has the same means:
//
//	app := framework.New()
//	app.Use(middleware.RequestID(), middleware.Logger(nil), middleware.Recover(nil))
//	app.Use(middleware.Compress(middleware.CompressOptions{}))
//
// The first middleware given to Use is the outermost. Put Logger before
// Recover so that it logs the 500 Recover answers, and RequestID before
// both so that their lines carry the id.
package middleware
