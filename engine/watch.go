package engine

import "github.com/microframe/microframe/conn"

// Disconnect detection (see conn's Ctx.Context) needs a poller. The
// parking path has one; a server without it (GoroutinePerConn, or TLS
// connections, which never park) still gets one for watching running
// requests, when the system has one.

// startWatching opens a poller used only to watch running requests
// (conn.Config.WatchHangUps), when the parking path did not open one.
func (s *Server) startWatching() {
	if s.cfg.Park != nil {
		return
	}
	p, err := conn.OpenPoller()
	if err != nil {
		s.cfg.Logger.Debug("engine: no poller; client hang-ups are noticed at the next write", "err", err)
		return
	}
	s.watcher = p
	cfg := *s.cfg
	cfg.WatchHangUps = p
	s.cfg = cfg.WithDefaults()
}

// stopPollers stops the parking path and the watching poller, once no
// connection is left (or Close gave up waiting for them).
func (s *Server) stopPollers() {
	s.stopParking()
	if s.watcher != nil {
		s.watcher.Close()
	}
}
