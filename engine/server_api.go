// Package engine is microframe's HTTP/1.1 server: a listener, an accept loop
// that hands each connection to a bounded goroutine pool, and the lifecycle
// (graceful shutdown, statistics) around them.
package engine

// API sketch (implementation in progress):
//
//   type Server struct {
//       Addr    string          // "127.0.0.1:8080"
//       Handler Handler         // native handler; use Adapt(h) for a net/http Handler
//       Logger  *slog.Logger
//       ... limits and timeouts ...
//   }
//   func (s *Server) ListenAndServe() error
//   func (s *Server) Serve(l net.Listener) error     // tls.NewListener gives HTTPS
//   func (s *Server) Shutdown(ctx context.Context) error
//   func (s *Server) Stats() Stats
//   func Adapt(h http.Handler) Handler               // serve any net/http Handler (http.Flusher works)
