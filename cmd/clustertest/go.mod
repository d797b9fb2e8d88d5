module github.com/microframe/microframe/cmd/clustertest

go 1.26.0

replace github.com/microframe/microframe => ../..

require (
	github.com/microframe/microframe v0.0.0
	go.uber.org/goleak v1.3.0
)

require (
	github.com/google/uuid v1.6.0 // indirect
	github.com/klauspost/compress v1.18.7 // indirect
	github.com/puzpuzpuz/xsync/v3 v3.5.1 // indirect
	golang.org/x/sys v0.50.0 // indirect
)
