package conn

import (
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"

	"github.com/microframe/microframe/parse"
)

// beginRequest prepares the Ctx for the request whose head was just
// parsed, and pins the head until serveRequest is done with it.
func (c *Conn) beginRequest() {
	x := c.x
	req := &x.req
	x.reset()
	c.pinHead()
	c.progress.Add(1)
	c.closeAfter = !req.KeepAlive || leavesHTTP(req)
	x.body.start(req, c.w.now, c.cfg)
	c.bodyDone = x.body.err != nil
	c.servedOne = true
	if c.debug {
		c.cfg.Logger.Debug("request", "method", string(req.Method), "target", string(req.Target),
			"remote", c.nc.RemoteAddr().String())
	}
}

// serveRequest answers the request begun by beginRequest, once its body
// was collected (or needs none).
func (c *Conn) serveRequest() {
	x := c.x
	req := &x.req
	defer c.unpinHead()
	switch {
	case req.ExpectUnsupported:
		// As net/http's server: an expectation nobody here can meet.
		x.status = 417
		c.closeAfter = true
	case string(req.Method) == "OPTIONS" && string(req.Target) == "*":
		// As net/http's server: "OPTIONS *" asks about the server as a
		// whole; it gets 200 with an empty body, whatever the handler.
	case c.overloaded():
		c.cfg.Counters.Overloads.Add(1)
		x.abandoned = true
		c.writeErrorWith(503, "Retry-After: 1\r\n", "server at capacity")
	default:
		c.callHandler()
	}
	c.endRequest()
	c.userRDL, c.userWDL = false, false
	if c.hijacked {
		c.cfg.Counters.Requests.Add(1)
		return
	}
	x.finish()
	x.body.drain()
	c.cfg.Counters.Requests.Add(1)
}

// overloaded reports whether the server wants new requests refused.
func (c *Conn) overloaded() bool {
	return c.cfg.Overloaded != nil && c.cfg.Overloaded.Load()
}

// leavesHTTP reports whether req asks to turn the connection into
// something other than HTTP/1.1: a CONNECT tunnel or an Upgrade. The engine
// grants neither (it never sends 101, and a 2xx to CONNECT does not open a
// tunnel here), but a proxy in front may already forward what follows as
// opaque bytes. Reading those bytes as more requests would let them past
// the proxy unseen (smuggling through a tunnel), so the connection closes
// after the response instead.
func leavesHTTP(req *parse.Request) bool {
	return string(req.Method) == "CONNECT" || req.Header("Upgrade") != nil
}

// callHandler runs the handler; a panic becomes a 500 when nothing was
// sent yet, and closes the connection in every case.
func (c *Conn) callHandler() {
	defer func() {
		if r := recover(); r != nil {
			c.handlerPanic(r)
		}
	}()
	c.handler.ServeCtx(c.x)
}

func (c *Conn) handlerPanic(r any) {
	x := c.x
	c.closeAfter = true
	abort := r == ErrAbortHandler || r == http.ErrAbortHandler
	if !abort {
		c.cfg.Counters.Panics.Add(1)
		c.cfg.Logger.Error("handler panic", "method", string(x.req.Method), "target", string(x.req.Target),
			"remote", c.nc.RemoteAddr().String(), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
	}
	if x.headSent || abort {
		x.abandoned = true // a half-sent response can only be cut short
		return
	}
	x.abandoned = true
	x.pending = x.pending[:0]
	c.writeError(500, "Internal Server Error")
}

// headError answers (or quietly ends) a connection whose next head could
// not be read.
func (c *Conn) headError(err error) {
	log := c.cfg.Logger
	remote := c.nc.RemoteAddr().String()
	var pe *parse.Error
	switch {
	case errors.As(err, &pe):
		c.cfg.Counters.ParseErrors.Add(1)
		log.Info("conn: bad request", "remote", remote, "status", pe.Status, "reason", pe.Reason)
		c.writeError(pe.Status, pe.Reason)
	case err == errHeadTooBig:
		c.cfg.Counters.ParseErrors.Add(1)
		c.writeError(431, "request head too large")
	case err == errHeadTimeout:
		c.cfg.Counters.Timeouts.Add(1)
		log.Info("conn: request head timeout", "remote", remote, "received", c.w.r1-c.w.r0)
		c.writeError(408, "request head timeout")
	case err == errClosedIdle || err == errDraining || isTimeout(err) || isEOF(err) || c.broken:
		// Idle timeout, shutdown, or the client left between requests.
	default:
		log.Info("conn: read error", "remote", remote, "err", err)
	}
	c.flush()
}
