package framework

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"testing"

	"github.com/microframe/microframe/parse"
)

// TestBodyErrorStatus: each way a body read can fail maps to the status a
// client should see, never a 500 for what the client did.
func TestBodyErrorStatus(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{parse.ErrBodyTooLarge, http.StatusRequestEntityTooLarge},
		{&http.MaxBytesError{Limit: 1}, http.StatusRequestEntityTooLarge},
		{parse.ErrBadChunk, http.StatusBadRequest},
		{fmt.Errorf("read: %w", os.ErrDeadlineExceeded), http.StatusRequestTimeout},
		{io.ErrUnexpectedEOF, http.StatusBadRequest},
	}
	for _, tc := range tests {
		got, _ := errorStatus(bodyError(tc.err))
		if got != tc.want {
			t.Errorf("%v: status %d, want %d", tc.err, got, tc.want)
		}
	}
	if err := bodyError(io.EOF); !errors.Is(err, io.EOF) {
		t.Errorf("io.EOF became %v", err)
	}
}
