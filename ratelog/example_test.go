package ratelog_test

import (
	"log/slog"
	"os"

	"github.com/microframe/microframe/ratelog"
)

func Example() {
	text := slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // steady output for the example
			}
			return a
		},
	})
	h := ratelog.New(text, ratelog.Options{})
	log := slog.New(h)
	for _, path := range []string{"/a", "/b", "/c"} {
		log.Error("request failed", "path", path, "status", 503, "err", "store full")
	}
	h.Flush() // before exiting: write the count of what was dropped
	// Output:
	// level=ERROR msg="request failed" path=/a status=503 err="store full"
	// level=ERROR msg="request failed" path=/c status=503 err="store full" suppressed=2
}
