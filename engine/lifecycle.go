package engine

import (
	"context"
	"errors"
	"net"

	"syscall"
	"time"

	"github.com/microframe/microframe/conn"
)

// Connections refused while the pool is full are answered by a few
// dedicated goroutines so that the accept loop never waits on a client.
// A refused client gets the 503 and a moment to have its request read
// (rejectDrain per read, rejectLinger in all), never more: a client that
// sends nothing, trickles, or never reads must not hold up the refusal of
// the others.
const (
	rejectQueue   = 1024                   // refused connections waiting for their 503; beyond it they are just closed
	rejectWorkers = 4                      // goroutines answering refused connections
	rejectLinger  = 20 * time.Millisecond  // the most one refused connection may take, 503 and drain included
	rejectDrain   = 250 * time.Microsecond // a read of the client's request waiting longer than this ends the drain
)

var busyResponse = []byte("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: text/plain; charset=utf-8\r\n" +
	"Content-Length: 20\r\nConnection: close\r\n\r\nserver at capacity.\n")

// reject refuses a connection the pool could not take.
func (s *Server) reject(nc net.Conn) {
	s.rejected.Add(1)
	select {
	case s.rejects <- nc:
	default:
		nc.Close()
	}
}

func (s *Server) rejectLoop() {
	defer s.rejectWG.Done()
	var sink [4096]byte
	for nc := range s.rejects {
		end := time.Now().Add(rejectLinger)
		nc.SetWriteDeadline(end)
		if _, err := nc.Write(busyResponse); err == nil {
			// Half-close, then read what the client already sent: closing
			// with unread input makes the kernel reset the connection,
			// which can destroy the 503 before it leaves. Only input that
			// is already there, or comes at once, is waited for.
			if cw, ok := nc.(interface{ CloseWrite() error }); ok {
				cw.CloseWrite()
			}
			for {
				dl := time.Now().Add(rejectDrain)
				if dl.After(end) {
					dl = end
				}
				nc.SetReadDeadline(dl)
				if _, err := nc.Read(sink[:]); err != nil {
					break
				}
			}
		}
		nc.Close()
	}
}

// Shutdown stops the server gracefully: it closes the listeners, closes
// connections as soon as they are idle, and waits for requests in progress
// to finish (their responses carry "Connection: close"). If ctx ends first,
// it cancels the connections' contexts, closes every connection at once,
// and returns ctx.Err(). It returns nil once every connection is gone and
// the pool is released. Serve returns ErrServerClosed as soon as Shutdown
// begins. Calling Shutdown again, or after Close, returns nil.
func (s *Server) Shutdown(ctx context.Context) error {
	if !s.beginStop() {
		return nil
	}
	s.shutdownH2()
	s.runShutdownHooks()
	wait := time.Millisecond
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		s.conns.forEach(func(c *conn.Conn) {
			c.CloseIfIdle()
		})
		if s.inflight.Load() == 0 {
			s.finish()
			return nil
		}
		select {
		case <-ctx.Done():
			s.forceClose()
			s.finish()
			return ctx.Err()
		case <-timer.C:
			wait = min(2*wait, 50*time.Millisecond)
			timer.Reset(wait)
		}
	}
}

// Close stops the server at once: listeners and every connection are
// closed, handlers in progress see their writes fail and their contexts
// cancelled. It waits (up to a few seconds) for handlers to return.
func (s *Server) Close() error {
	if !s.beginStop() {
		return nil
	}
	s.runShutdownHooks()
	s.forceClose()
	s.finish()
	return nil
}

// beginStop marks the server draining, closes its listeners and waits for
// the accept loops to return. It reports false if the server was already
// stopping or never started (then it is just marked closed).
func (s *Server) beginStop() bool {
	s.mu.Lock()
	if s.draining.Swap(true) {
		s.mu.Unlock()
		return false
	}
	if !s.started {
		s.closed.Store(true)
		s.mu.Unlock()
		return false
	}
	for l := range s.listeners {
		(*l).Close()
	}
	s.mu.Unlock()
	s.serveWG.Wait()
	return true
}

// forceClose closes every connection and cancels their contexts, then
// waits up to forceWait for their goroutines to return. Closing comes
// first: a handler woken by the cancellation must find its connection
// closed, rather than send a response after all.
func (s *Server) forceClose() {
	const forceWait = 5 * time.Second
	closeAll := func() {
		s.conns.forEach(func(c *conn.Conn) {
			c.Close()
		})
		s.closeH2()
	}
	closeAll()
	s.cancel()
	deadline := time.Now().Add(forceWait)
	for s.inflight.Load() > 0 && time.Now().Before(deadline) {
		closeAll() // connections handed to the pool since
		time.Sleep(time.Millisecond)
	}
}

// finish releases the pool and the reject workers.
func (s *Server) finish() {
	s.closed.Store(true)
	s.stopOnce.Do(func() {
		close(s.rejects)
		s.rejectWG.Wait()
		if err := s.pool.ReleaseTimeout(5 * time.Second); err != nil {
			s.cfg.Logger.Warn("engine: pool release", "err", err)
		}
		s.stopPollers()
		s.cancel()
	})
}

// isTemporary reports accept errors worth retrying: the process or system
// ran out of descriptors or memory for a moment.
func isTemporary(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) ||
		errors.Is(err, syscall.ENOBUFS) || errors.Is(err, syscall.ENOMEM)
}
