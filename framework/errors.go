package framework

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
)

// HTTPError is an error that knows its HTTP answer: the status code and a
// message meant for the client. Err, the cause, is logged but never shown.
type HTTPError struct {
	// Code is the status code to answer with, 4xx or 5xx.
	Code int
	// Message is the text body of the answer. When empty, the standard
	// status text is sent ("Not Found").
	Message string
	// Err is the underlying error, if any, for logs and errors.Is/As.
	Err error
}

// Error returns the message, followed by the cause when there is one.
func (e *HTTPError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Code)
	}
	if e.Err != nil {
		return msg + ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *HTTPError) Unwrap() error { return e.Err }

// StatusCode returns Code.
func (e *HTTPError) StatusCode() int { return e.Code }

// Error returns the response for an error a handler ran into. The status
// and the body the client sees depend on the error:
//
//   - an error with a StatusCode() int method (an *HTTPError, a *BindError)
//     gives that status; the body is an HTTPError's Message, or the error
//     text of any other such type below 500 (which therefore must be fit
//     for clients), or the status text; several *ValidationErrors joined
//     with errors.Join give one 422 naming them all (see Invalid);
//   - an error matching fs.ErrNotExist gives 404, fs.ErrPermission 403;
//   - an *http.MaxBytesError (a read past http.MaxBytesReader) gives 413;
//   - an error matching one given to RegisterErrorStatus gives its status
//     (package framework/session makes the session store's "full" a 503);
//   - context.Canceled and context.DeadlineExceeded give 503;
//   - any other error gives 500 with the body "Internal Server Error": its
//     text stays in the log, where it cannot leak internals to a client.
//
// When the response is sent, a 5xx is logged at level Error with the error;
// other statuses, and an error that is the request context's own
// cancellation (the client hung up), at level Debug. Error(nil) is a 500 too: a handler that
// means success should not call Error.
func Error(err error) Response {
	if err == nil {
		err = errors.New("framework: Error(nil)")
	}
	return Response{kind: kindError, err: err}
}

// Errorf returns an error response with status code and a message for the
// client formatted as by fmt.Sprintf, like Error(&HTTPError{Code: code,
// Message: ...}). Use it for the expected failures of a handler:
//
//	return framework.Errorf(http.StatusNotFound, "no todo %q", id)
func Errorf(code int, format string, args ...any) Response {
	return Error(&HTTPError{Code: code, Message: fmt.Sprintf(format, args...)})
}

// errorStatus returns the status code and the client's message for err.
func errorStatus(err error) (int, string) {
	var he *HTTPError
	if errors.As(err, &he) {
		msg := he.Message
		if msg == "" {
			msg = http.StatusText(he.Code)
		}
		return validCode(he.Code), msg
	}
	var sc interface{ StatusCode() int }
	if errors.As(err, &sc) {
		if _, ok := sc.(*ValidationError); ok {
			if ves := validationErrors(err); len(ves) > 1 {
				msgs := make([]string, len(ves))
				for i, ve := range ves {
					msgs[i] = ve.Error()
				}
				return http.StatusUnprocessableEntity, strings.Join(msgs, "; ")
			}
		}
		code := validCode(sc.StatusCode())
		if code >= 500 {
			return code, http.StatusText(code)
		}
		return code, err.Error()
	}
	if code := registeredStatus(err); code != 0 {
		return code, http.StatusText(code)
	}
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe): // a read past an http.MaxBytesReader of net/http middleware
		return http.StatusRequestEntityTooLarge, ErrBodyTooLarge.Message
	case errors.Is(err, fs.ErrNotExist):
		return http.StatusNotFound, http.StatusText(http.StatusNotFound)
	case errors.Is(err, fs.ErrPermission):
		return http.StatusForbidden, http.StatusText(http.StatusForbidden)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, http.StatusText(http.StatusServiceUnavailable)
	}
	return http.StatusInternalServerError, http.StatusText(http.StatusInternalServerError)
}

// validCode keeps error statuses in 400..599; anything else is a bug in
// the error and becomes 500.
func validCode(code int) int {
	if code < 400 || code > 599 {
		return http.StatusInternalServerError
	}
	return code
}

// registered holds the RegisterErrorStatus mappings, copied on write.
var (
	registered   atomic.Pointer[[]errorStatusEntry]
	registeredMu sync.Mutex
)

type errorStatusEntry struct {
	target error
	code   int
}

// RegisterErrorStatus makes Error answer code (a 4xx or 5xx, with the
// standard status text as the message) for any error matching target
// (errors.Is), for sentinel errors of packages that know nothing of HTTP.
// Call it from an init function or before serving; a later registration
// for the same target replaces the earlier one. It panics on a nil target
// or a code outside 400..599.
func RegisterErrorStatus(target error, code int) {
	if target == nil || code < 400 || code > 599 {
		panic(fmt.Sprintf("framework: RegisterErrorStatus(%v, %d): want an error and a status in 400..599", target, code))
	}
	registeredMu.Lock()
	defer registeredMu.Unlock()
	var next []errorStatusEntry
	if cur := registered.Load(); cur != nil {
		for _, e := range *cur {
			if e.target != target {
				next = append(next, e)
			}
		}
	}
	next = append(next, errorStatusEntry{target, code})
	registered.Store(&next)
}

func registeredStatus(err error) int {
	if cur := registered.Load(); cur != nil {
		for _, e := range *cur {
			if errors.Is(err, e.target) {
				return e.code
			}
		}
	}
	return 0
}
