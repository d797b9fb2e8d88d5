package engine

import "sync"

// shutdownHooks are the functions RegisterOnShutdown collected.
type shutdownHooks struct {
	mu    sync.Mutex
	funcs []func()
}

// RegisterOnShutdown registers f to be called, on a goroutine of its own,
// when Shutdown or Close begins, as net/http.Server's does. It is the way
// to end what the engine does not track: connections taken over with
// Hijack (tell WebSocket loops to close, so that their handlers return and
// Shutdown need not wait for them until its context expires). Calling it
// after the shutdown began has no effect.
func (s *Server) RegisterOnShutdown(f func()) {
	s.hooks.mu.Lock()
	s.hooks.funcs = append(s.hooks.funcs, f)
	s.hooks.mu.Unlock()
}

// runShutdownHooks starts every registered function once.
func (s *Server) runShutdownHooks() {
	s.hooks.mu.Lock()
	funcs := s.hooks.funcs
	s.hooks.funcs = nil
	s.hooks.mu.Unlock()
	for _, f := range funcs {
		go f()
	}
}
