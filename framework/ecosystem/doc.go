// Package ecosystem holds no code of its own: its tests run the framework
// with the third-party net/http middleware people put in front of Go web
// apps (OpenTelemetry's otelhttp, Prometheus' promhttp, rs/cors,
// go-chi/httprate), on the engine and on net/http, so that what a user
// writes following the framework's documentation is checked against the
// real libraries. It is a module of its own so that the framework's
// go.mod does not require them.
package ecosystem
