module github.com/microframe/microframe/cmd/microbench/fasthttpserver

go 1.26.0

require (
	github.com/valyala/fasthttp v1.68.0
	go.uber.org/goleak v1.3.0
)

require (
	github.com/andybalholm/brotli v1.2.0 // indirect
	github.com/klauspost/compress v1.18.7 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
)

require github.com/microframe/microframe v0.0.0-00010101000000-000000000000

replace github.com/microframe/microframe => ../../..
