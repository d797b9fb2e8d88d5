module github.com/microframe/microframe/loadtest

go 1.26.0

replace github.com/microframe/microframe => ..

require (
	github.com/HdrHistogram/hdrhistogram-go v1.4.0
	github.com/microframe/microframe v0.0.0
	go.uber.org/goleak v1.3.0
)
