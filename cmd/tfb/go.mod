module github.com/microframe/microframe/cmd/tfb

go 1.26.0

replace github.com/microframe/microframe => ../..

require (
	github.com/microframe/microframe v0.0.0
	go.uber.org/goleak v1.3.0
)

require github.com/stretchr/testify v1.11.1 // indirect
