package store

import (
	"math"
	"strconv"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestQueries(t *testing.T) {
	tests := []struct {
		q    string
		want int
	}{
		{"", 1}, {"0", 1}, {"foo", 1}, {"-1", 1}, {"1.5", 1}, {" 2", 1},
		{"1", 1}, {"20", 20}, {"+20", 20}, {"500", 500}, {"501", 500},
		{strconv.Itoa(math.MaxInt), 500}, {"99999999999999999999999", 500},
		{"-99999999999999999999999", 1},
	}
	for _, tt := range tests {
		if got := Queries(tt.q); got != tt.want {
			t.Errorf("Queries(%q) = %d, want %d", tt.q, got, tt.want)
		}
	}
}

func TestOpenNeedsURL(t *testing.T) {
	if _, err := Open("", 1); err == nil {
		t.Error("Open with no URL: no error")
	}
}
