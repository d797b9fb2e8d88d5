package main

import (
	"errors"
	"testing"
	"time"
)

// TestUserLog checks the judgement of one user's answers: a 200 must carry
// a count above the last acknowledged one and at most one more per
// request that might have counted.
func TestUserLog(t *testing.T) {
	fail := errors.New("503")
	type answer struct {
		value int64
		err   error
	}
	tests := []struct {
		name    string
		answers []answer
		ok      bool
	}{
		{"in order", []answer{{1, nil}, {2, nil}, {3, nil}}, true},
		{"a failure that counted", []answer{{1, nil}, {0, fail}, {3, nil}}, true},
		{"a failure that did not count", []answer{{1, nil}, {0, fail}, {2, nil}}, true},
		{"an acknowledged count lost", []answer{{1, nil}, {2, nil}, {2, nil}}, false},
		{"going back after a failure", []answer{{1, nil}, {2, nil}, {0, fail}, {2, nil}}, false},
		{"a count never sent", []answer{{1, nil}, {3, nil}}, false},
		{"two failures, then three more", []answer{{1, nil}, {0, fail}, {0, fail}, {5, nil}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u userLog
			for _, a := range tt.answers {
				u.record(a.value, a.err, time.Now())
			}
			if (u.err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok %v", u.err, tt.ok)
			}
		})
	}
}
