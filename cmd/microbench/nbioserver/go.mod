module github.com/microframe/microframe/cmd/microbench/nbioserver

go 1.26.0

replace github.com/microframe/microframe => ../../..

require (
	github.com/lesismal/llib v1.2.2 // indirect
	golang.org/x/crypto v0.0.0-20210513122933-cd7d49e622d5 // indirect
	golang.org/x/sys v0.50.0 // indirect
)

require (
	github.com/lesismal/nbio v1.6.8
	github.com/microframe/microframe v0.0.0-00010101000000-000000000000
	go.uber.org/goleak v1.3.0
)
