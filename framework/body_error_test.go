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
	// Returned as it is by a handler that read an http.Request body.
	if got, msg := errorStatus(fmt.Errorf("reading: %w", &http.MaxBytesError{Limit: 1})); got != 413 || msg != "request body too large" {
		t.Errorf("*http.MaxBytesError: %d %q, want 413", got, msg)
	}
	// ErrBodyTooLarge, and the net/http error for code that looks for it.
	err := bodyError(&http.MaxBytesError{Limit: 1})
	var mbe *http.MaxBytesError
	if !errors.Is(err, ErrBodyTooLarge) || !errors.As(err, &mbe) || mbe.Limit != 1 {
		t.Errorf("bodyError(*http.MaxBytesError) = %v: want ErrBodyTooLarge wrapping it", err)
	}
	if err := bodyError(io.EOF); !errors.Is(err, io.EOF) {
		t.Errorf("io.EOF became %v", err)
	}
}
