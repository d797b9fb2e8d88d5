// Package pprofserver serves net/http/pprof on a separate, opt-in address,
// so that profiling endpoints are never mixed into an application's routes.
// Importing it registers nothing on http.DefaultServeMux beyond what
// net/http/pprof itself registers.
package pprofserver

import (
	"context"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// Start listens on addr (keep it on loopback) and serves the pprof index,
// cmdline, profile, symbol and trace endpoints under /debug/pprof/. It
// returns a stop function that shuts the server down and waits for it.
func Start(addr string) (stop func(), err error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(l)
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if srv.Shutdown(ctx) != nil {
			srv.Close()
		}
		<-done
	}, nil
}
