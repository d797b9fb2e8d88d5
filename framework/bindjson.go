package framework

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
)

// JSON bodies and validation, for Bind (whose doc states the policy):
//
//	type updateParams struct {
//		Pos  int    `path:"pos"`
//		Task string `json:"task"`
//		Due  *Date  `json:"due,omitempty"`
//	}
//
// The JSON fields are decoded into a struct type made of them only, so
// that unknown keys are caught and the other fields are never touched,
// then copied over.

// DefaultMaxJSONBytes is the default App.MaxJSONBytes: 1 MiB.
const DefaultMaxJSONBytes = 1 << 20

// Validator is implemented by parameter structs that check their values
// once Bind has filled them in. Validate returns nil for valid parameters;
// an error is answered 422 Unprocessable Entity (or the status of an error
// with a StatusCode method) and the handler does not run. Use Invalid to
// name the field at fault. Validation libraries (such as
// github.com/go-playground/validator's struct tags) plug in here: call
// them from Validate.
type Validator interface {
	Validate() error
}

var validatorType = reflect.TypeFor[Validator]()

// ValidationError is a bound value that Validate rejected. Error turns it
// into 422 with its message; the JSON error renderer adds the field.
type ValidationError struct {
	// Field names the value at fault, as the client knows it: the JSON key
	// or parameter name ("task").
	Field string
	// Reason says what is wrong ("must not be blank").
	Reason string
}

// Invalid returns a *ValidationError for field, its reason formatted as by
// fmt.Sprintf:
//
//	return framework.Invalid("task", "is longer than %d characters", 1000)
//
// To report several fields at once, join them: errors.Join of
// *ValidationErrors (nil ones are dropped, and no error at all is nil) is
// answered as one 422 listing every field, in order: the message names
// them all, separated by "; ", and JSONErrors adds a "fields" array.
//
//	var errs []error
//	if p.Title == "" {
//		errs = append(errs, framework.Invalid("title", "must not be empty"))
//	}
//	if !strings.HasPrefix(p.URL, "https://") {
//		errs = append(errs, framework.Invalid("url", "must start with https://"))
//	}
//	return errors.Join(errs...)
func Invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// validationErrors returns the *ValidationErrors in err's tree, in order
// (errors.Join, wrapping with %w).
func validationErrors(err error) []*ValidationError {
	var out []*ValidationError
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case nil:
		case *ValidationError:
			out = append(out, e)
		case interface{ Unwrap() []error }:
			for _, x := range e.Unwrap() {
				walk(x)
			}
		case interface{ Unwrap() error }:
			walk(e.Unwrap())
		}
	}
	walk(err)
	return out
}

// Error returns the field, quoted, and the reason: `"task" must not be
// blank`.
func (e *ValidationError) Error() string { return strconv.Quote(e.Field) + " " + e.Reason }

// StatusCode returns 422.
func (e *ValidationError) StatusCode() int { return http.StatusUnprocessableEntity }

// validate runs v's Validate and gives a plain error the status 422.
func validate(v Validator) error {
	err := v.Validate()
	if err == nil {
		return nil
	}
	var sc interface{ StatusCode() int }
	if errors.As(err, &sc) {
		return err
	}
	return &HTTPError{Code: http.StatusUnprocessableEntity, Message: err.Error(), Err: err}
}

// jsonPlan decodes a JSON body into the json fields of a parameter struct.
type jsonPlan struct {
	typ   reflect.Type
	index [][]int // where each field of typ goes in the parameter struct
}

func makeJSONPlan(fields []reflect.StructField) (jp *jsonPlan, err error) {
	jp = &jsonPlan{}
	sfs := make([]reflect.StructField, len(fields))
	for i, f := range fields {
		sfs[i] = reflect.StructField{Name: f.Name, Type: f.Type, Tag: reflect.StructTag(`json:"` + f.Tag.Get("json") + `"`)}
		jp.index = append(jp.index, f.Index)
	}
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("json fields: %v", v)
		}
	}()
	jp.typ = reflect.StructOf(sfs)
	return jp, nil
}

// fill decodes r's body into the json fields of v.
func (jp *jsonPlan) fill(r *Request, v reflect.Value) error {
	mt, _, _ := mime.ParseMediaType(r.ContentType())
	if mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return &HTTPError{Code: http.StatusUnsupportedMediaType,
			Message: fmt.Sprintf("Content-Type %q is not JSON; want application/json", r.ContentType())}
	}
	limit := r.app.maxJSON()
	lr := &io.LimitedReader{R: r.Body(), N: limit + 1}
	dec := json.NewDecoder(lr)
	dec.DisallowUnknownFields()
	// Into a pointer to the struct, so that a body of null leaves it nil
	// rather than decoding as {}.
	ptr := reflect.New(reflect.PointerTo(jp.typ))
	err := dec.Decode(ptr.Interface())
	if err == nil && ptr.Elem().IsNil() {
		err = errNull
	}
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errTrailing
			if terr != nil && !isSyntax(terr) {
				err = terr
			}
		}
	}
	if err != nil {
		if lr.N <= 0 {
			return &HTTPError{Code: http.StatusRequestEntityTooLarge,
				Message: fmt.Sprintf("JSON body larger than %d bytes", limit)}
		}
		return jsonError(err)
	}
	tmp := ptr.Elem().Elem()
	for i, ix := range jp.index {
		v.FieldByIndex(ix).Set(tmp.Field(i))
	}
	return nil
}

var (
	errTrailing = errors.New("data after the JSON value")
	errNull     = errors.New("JSON body is null")
)

func isSyntax(err error) bool {
	var se *json.SyntaxError
	return errors.As(err, &se)
}

// jsonError turns a decoding error into a 400 with a message fit for the
// client; read errors (a body over MaxBodyBytes, a broken connection) keep
// their own status.
func jsonError(err error) error {
	var (
		se *json.SyntaxError
		te *json.UnmarshalTypeError
		he *HTTPError
	)
	msg := ""
	switch {
	case errors.As(err, &he):
		return err
	case errors.As(err, &se):
		msg = fmt.Sprintf("malformed JSON at byte %d: %s", se.Offset, se.Error())
	case err == io.EOF:
		msg = "request body is empty; want a JSON object"
	case errors.Is(err, io.ErrUnexpectedEOF):
		msg = "malformed JSON: the body ends inside a value"
	case errors.As(err, &te):
		if te.Field == "" {
			msg = fmt.Sprintf("want a JSON object, got %s", te.Value)
		} else {
			msg = fmt.Sprintf("JSON field %q: got %s, want %s", te.Field, te.Value, jsonKind(te.Type))
		}
	case err == errTrailing:
		msg = "malformed JSON: data after the object"
	case err == errNull:
		msg = "request body is null; want a JSON object"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no error type for this one; its text is
		// documented by DisallowUnknownFields' tests and stable since Go 1.10.
		msg = "JSON body has " + strings.TrimPrefix(err.Error(), "json: ")
	default:
		return err
	}
	return &HTTPError{Code: http.StatusBadRequest, Message: msg, Err: err}
}

// jsonKind names what a Go type expects, in JSON's words.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return t.String()
}

func (a *App) maxJSON() int64 {
	switch {
	case a.MaxJSONBytes == 0:
		return DefaultMaxJSONBytes
	case a.MaxJSONBytes < 0:
		return a.maxBody()
	}
	return a.MaxJSONBytes
}
