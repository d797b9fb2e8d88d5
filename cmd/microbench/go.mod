module github.com/microframe/microframe/cmd/microbench

go 1.26.0

replace github.com/microframe/microframe => ../..

replace github.com/microframe/microframe/loadtest => ../../loadtest

require (
	github.com/microframe/microframe/loadtest v0.0.0
	go.uber.org/goleak v1.3.0
)

require (
	github.com/HdrHistogram/hdrhistogram-go v1.4.0 // indirect
	github.com/microframe/microframe v0.0.0 // indirect
)
