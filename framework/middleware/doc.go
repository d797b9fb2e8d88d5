// Package middleware holds the framework's middleware, one concern per
// file: request ids (RequestID), access logging (AccessLog), panic
// recovery (Recover), deadlines (Timeout), security headers
// (SecurityHeaders), cross-site request refusal (CrossOrigin) and response
// compression (Compress).
//
// Each is a framework.Middleware built only on the framework's public API,
// so that middleware written outside it has the same means:
//
//	app := framework.New()
//	app.Use(middleware.RequestID(), middleware.AccessLog(middleware.AccessLogOptions{}),
//		middleware.Recover(nil), middleware.Timeout(5*time.Second))
//	app.Use(middleware.Compress(middleware.CompressOptions{}))
//
// The first middleware given to Use is the outermost. RequestID comes
// first, so that every line about the request carries the id and its
// header is set before AccessLog sends the response; AccessLog before
// Recover, so that it logs the 500 Recover answers. Errors, the 500 of a
// panic and the 503 of a timeout included, are rendered by the App's (or
// the group's) ErrorRenderer.
package middleware
