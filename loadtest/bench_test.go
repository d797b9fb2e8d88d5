package loadtest

import (
	"context"
	"testing"
	"time"
)

// BenchmarkRun measures the generator itself against the allocation-free
// in-process server; req/s is reported as a metric. Both run in this
// process, so the number is a floor for what the generator can drive.
func BenchmarkRun(b *testing.B) {
	for _, bc := range []struct {
		name     string
		conns    int
		pipeline int
	}{{"c4", 4, 1}, {"c4-pipeline16", 4, 16}} {
		b.Run(bc.name, func(b *testing.B) {
			s := newRawServer(b, okResponse).start()
			b.ReportAllocs()
			var total int64
			var elapsed time.Duration
			for b.Loop() {
				res, err := Run(context.Background(), Config{URL: s.URL(), Connections: bc.conns, Pipeline: bc.pipeline, Requests: 20000})
				if err != nil || res.Errors.Total() != 0 {
					b.Fatal(err, res.Errors)
				}
				total += res.Requests
				elapsed += res.Elapsed
			}
			b.ReportMetric(float64(total)/elapsed.Seconds(), "req/s")
		})
	}
}
