module github.com/microframe/microframe

go 1.26.0

require (
	github.com/google/uuid v1.6.0
	github.com/klauspost/compress v1.18.7
	github.com/panjf2000/ants/v2 v2.12.1
	github.com/puzpuzpuz/xsync/v3 v3.5.1
	go.uber.org/goleak v1.3.0
	golang.org/x/net v0.62.0
	golang.org/x/sys v0.50.0
)

require (
	golang.org/x/sync v0.24.0 // indirect
	golang.org/x/text v0.43.0 // indirect
)
