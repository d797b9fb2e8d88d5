package main

import (
	"fmt"
	"net/http"
	"unicode/utf8"

	"github.com/microframe/microframe/framework"
)

// The app's bounds on what a client may store or ask for, so that no
// client can grow the server's memory or make one request cost seconds of
// CPU. The HTML forms answer 400 naming the limit; a full list answers 409.
const (
	maxUserLen     = 64     // characters of a user name
	maxTaskLen     = 1000   // characters of a task
	maxItems       = 10_000 // todos in the list
	maxSearchTerms = 10     // q parameters of one search
	maxTermLen     = 100    // characters of one search term
)

// tooLong returns a 400 response when s has more than limit characters,
// naming what and the limit; ok is true when s is within it.
func tooLong(what string, s string, limit int) (framework.Response, bool) {
	// Counting runes is linear in s, which MaxBodyBytes already bounds.
	if n := utf8.RuneCountInString(s); n > limit {
		return framework.Errorf(http.StatusBadRequest, "%s is %d characters long; the limit is %d", what, n, limit), false
	}
	return framework.Response{}, true
}

// checkSearch refuses a search with too many or too long terms.
func checkSearch(terms []string) (framework.Response, bool) {
	if len(terms) > maxSearchTerms {
		return framework.Errorf(http.StatusBadRequest, "a search has %d terms; the limit is %d", len(terms), maxSearchTerms), false
	}
	for i, q := range terms {
		if resp, ok := tooLong(fmt.Sprintf("search term %d", i+1), q, maxTermLen); !ok {
			return resp, false
		}
	}
	return framework.Response{}, true
}

// listFull is the answer to adding a todo to a full list.
func listFull() framework.Response {
	return framework.Errorf(http.StatusConflict, "the list is full: it holds the limit of %d todos", maxItems)
}
