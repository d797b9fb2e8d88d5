package framework

import (
	"encoding"
	"fmt"
	"mime/multipart"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// Parameter injection, the Go form of a @route decorator's typed
// arguments: a handler declares the values it wants as the fields of a
// struct, with a tag naming where each comes from,
//
//	type searchParams struct {
//		Q    []string `query:"q"`            // ?q=a&q=b: every value
//		Page *int     `query:"page"`         // nil when absent
//		ID   int      `path:"id"`            // from /todo/{id}
//		Task string   `form:"task,required"` // 400 when absent
//		Pic  *multipart.FileHeader `form:"pic"`
//		Lang string   `cookie:"lang"`
//		Auth string   `header:"X-Token"`
//	}
//
// and the framework fills the struct in before the handler runs. The
// struct is examined once, when the handler is registered, so a mistake in
// it panics at start-up instead of failing on some request later.

// BindError is a request value that could not be bound: absent but
// required, or not convertible to its field's type. Error turns it into a
// 400 whose body is the message.
type BindError struct {
	// Source is where the value was looked for: "query", "form", "path",
	// "cookie" or "header".
	Source string
	// Name is the parameter name, as in the struct tag.
	Name string
	// Value is the offending value ("" when missing).
	Value string
	// Reason says what is wrong: "is missing", "is not an integer"...
	Reason string
}

// Error returns a message naming the parameter and the problem, fit for
// the client: `query parameter "pos": "abc" is not an integer`.
func (e *BindError) Error() string {
	what := e.Source + " parameter " + strconv.Quote(e.Name)
	if e.Value == "" && e.Reason == "is missing" {
		return what + " is missing"
	}
	v := e.Value
	if len(v) > 64 {
		v = v[:64] + "..."
	}
	return what + ": " + strconv.Quote(v) + " " + e.Reason
}

// StatusCode returns 400.
func (e *BindError) StatusCode() int { return http.StatusBadRequest }

// Bind returns a Handler that fills a P from the request and calls fn with
// it. P must be a struct whose tagged fields say where their values come
// from (see the example above): query, form, path, cookie or header, with
// ",required" to reject a request that lacks the value.
//
// Field types: string, bool, the int, uint and float types, any type whose
// pointer implements encoding.TextUnmarshaler, a pointer to any of these
// (nil when the value is absent), a slice of any of these (every value of
// a repeated name), and *multipart.FileHeader or a slice of them for file
// uploads (form only). An absent value leaves the field at its zero value
// (nil for pointers and slices); for every type but string, an empty value
// ("?page=") counts as absent, which is what a blank optional form field
// sends. Booleans accept what strconv.ParseBool does, plus "on" and "off"
// (an HTML checkbox sends "on").
//
// Fields tagged `json:"..."` (and no other source) are decoded from the
// request body, as encoding/json does; P may mix them with path and query
// fields, which JSON keys never touch. The policy is strict: the
// Content-Type must be application/json or end in "+json" (else 415); the
// body must be one JSON object with nothing after it, and an empty body,
// malformed JSON, a value of the wrong type or a key that matches no json
// field is 400 with a message naming the field; a body over
// App.MaxJSONBytes is 413. A field absent from the body keeps its zero
// value.
//
// When P (or *P) has a method Validate() error (see Validator), it is
// called once every field is bound, and an error from it is answered 422
// (see Invalid).
//
// A value that does not convert, or a required one that is absent, is
// answered 400 with a *BindError message before fn runs; a body that cannot
// be parsed as a form gets 400 or 413.
//
// Bind panics, when called, if P is not a struct, has no tagged field, or
// has a field it cannot use (a type it cannot convert to, a tag on an
// unexported field, two sources). Registering the handler with Handle (or
// Get, ...) panics when P binds a path parameter the pattern lacks.
func Bind[P any](fn func(r *Request, p P) Response) Handler {
	pl := mustPlan(reflect.TypeFor[P]())
	h := func(r *Request) Response {
		if r.probe {
			r.probed = pl
			return Response{}
		}
		var p P
		if err := pl.fill(r, reflect.ValueOf(&p).Elem()); err != nil {
			return Error(err)
		}
		return fn(r, p)
	}
	bindFuncs.Store(reflect.ValueOf(h).Pointer(), true)
	return h
}

// bindFuncs holds the code pointers of the handlers Bind makes, so that
// registration can recognise them and ask for their plan.
var bindFuncs sync.Map // uintptr -> true

// boundPlan returns the binding plan of a handler made by Bind, nil for
// any other handler (which is never called here).
func boundPlan(h Handler) *plan {
	if _, ok := bindFuncs.Load(reflect.ValueOf(h).Pointer()); !ok {
		return nil
	}
	probe := &Request{probe: true}
	h(probe)
	return probe.probed
}

// checkPath reports a path field whose parameter pattern does not have.
func (p *plan) checkPath(pattern string) error {
	for _, f := range p.fields {
		if f.src == fromPath && !strings.Contains(pattern, "{"+f.name+"}") && !strings.Contains(pattern, "{"+f.name+"...}") {
			return fmt.Errorf("%s field %s binds path parameter %q, which pattern %q does not have",
				p.typ, p.typ.FieldByIndex(f.index).Name, f.name, pattern)
		}
	}
	return nil
}

// Bind fills the tagged fields of the struct dst points to from the
// request, as the Bind function does for its handler. The error is a
// *BindError or a form error, ready for Error; dst may have been partly
// filled. Bind panics if dst is not a non-nil pointer to a usable struct.
func (r *Request) Bind(dst any) error {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		panic(fmt.Sprintf("framework: Request.Bind needs a non-nil pointer to a struct, got %T", dst))
	}
	return mustPlan(v.Type().Elem()).fill(r, v.Elem())
}

// The binding plan of a struct type, computed once.

type source uint8

const (
	fromQuery source = iota
	fromForm
	fromPath
	fromCookie
	fromHeader
)

var sourceNames = [...]string{"query", "form", "path", "cookie", "header"}

type fieldPlan struct {
	index    []int
	src      source
	name     string
	required bool
	typ      reflect.Type // the field's type
}

type plan struct {
	typ      reflect.Type
	fields   []fieldPlan
	hasForm  bool
	hasQry   bool
	json     *jsonPlan // nil when no field comes from a JSON body
	validate bool      // *P has Validate() error
}

var plans sync.Map // reflect.Type -> *plan

var (
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	fileHeaderType      = reflect.TypeFor[*multipart.FileHeader]()
)

func mustPlan(t reflect.Type) *plan {
	if p, ok := plans.Load(t); ok {
		return p.(*plan)
	}
	p, err := makePlan(t)
	if err != nil {
		panic("framework: binding " + t.String() + ": " + err.Error())
	}
	plans.Store(t, p)
	return p
}

func makePlan(t reflect.Type) (*plan, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("parameters must be a struct, not %s", t.Kind())
	}
	p := &plan{typ: t, validate: reflect.PointerTo(t).Implements(validatorType)}
	var jsonFields []reflect.StructField
	for _, sf := range reflect.VisibleFields(t) {
		if sf.Anonymous && sf.Type.Kind() == reflect.Struct {
			continue // its fields are visited on their own
		}
		var found []string
		var fp fieldPlan
		for i, tag := range sourceNames {
			v, ok := sf.Tag.Lookup(tag)
			if !ok || v == "-" {
				continue
			}
			found = append(found, tag)
			name, opts, _ := strings.Cut(v, ",")
			if name == "" {
				name = sf.Name
			}
			fp = fieldPlan{index: sf.Index, src: source(i), name: name, typ: sf.Type}
			switch opts {
			case "":
			case "required":
				fp.required = true
			default:
				return nil, fmt.Errorf("field %s: unknown tag option %q", sf.Name, opts)
			}
		}
		if v, ok := sf.Tag.Lookup("json"); ok && v != "-" && len(found) == 0 {
			found = append(found, "json") // with another source, the json tag is for output only
		}
		switch {
		case len(found) == 0:
			continue
		case len(found) > 1:
			return nil, fmt.Errorf("field %s has more than one source: %s", sf.Name, strings.Join(found, ", "))
		case !sf.IsExported():
			return nil, fmt.Errorf("field %s is tagged but unexported", sf.Name)
		case viaPointer(t, sf.Index):
			return nil, fmt.Errorf("field %s is reached through an embedded pointer, which may be nil", sf.Name)
		case found[0] == "json":
			jsonFields = append(jsonFields, sf)
			continue
		}
		if err := checkType(fp.src, sf.Type); err != nil {
			return nil, fmt.Errorf("field %s: %v", sf.Name, err)
		}
		p.hasForm = p.hasForm || fp.src == fromForm
		p.hasQry = p.hasQry || fp.src == fromQuery
		p.fields = append(p.fields, fp)
	}
	if len(jsonFields) > 0 {
		jp, err := makeJSONPlan(jsonFields)
		if err != nil {
			return nil, err
		}
		p.json = jp
	}
	if len(p.fields) == 0 && p.json == nil {
		return nil, fmt.Errorf("no field has a source tag (query, form, path, cookie, header or json), so nothing would be bound")
	}
	return p, nil
}

// viaPointer reports whether the field at index is reached through an
// embedded pointer.
func viaPointer(t reflect.Type, index []int) bool {
	for _, i := range index[:len(index)-1] {
		t = t.Field(i).Type
		if t.Kind() == reflect.Pointer {
			return true
		}
	}
	return false
}

// checkType reports whether a field of type t can be bound from src.
func checkType(src source, t reflect.Type) error {
	if t == fileHeaderType || t.Kind() == reflect.Slice && t.Elem() == fileHeaderType {
		if src != fromForm {
			return fmt.Errorf("file uploads come from form fields only")
		}
		return nil
	}
	if t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		if reflect.PointerTo(t).Implements(textUnmarshalerType) {
			return nil
		}
		t = t.Elem()
	}
	if scalar(t) {
		return nil
	}
	return fmt.Errorf("cannot bind to type %s", t)
}

// scalar reports whether one string converts to a t.
func scalar(t reflect.Type) bool {
	if reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return true
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// fill binds every planned field of v (a struct) from r.
func (p *plan) fill(r *Request, v reflect.Value) error {
	if p.hasQry {
		if err := r.QueryError(); err != nil {
			return &HTTPError{Code: http.StatusBadRequest, Message: "malformed query string: " + err.Error(), Err: err}
		}
	}
	if p.hasForm {
		if err := r.ParseForm(); err != nil {
			return err
		}
	}
	if p.json != nil {
		if err := p.json.fill(r, v); err != nil {
			return err
		}
	}
	for i := range p.fields {
		f := &p.fields[i]
		if err := f.bind(r, v.FieldByIndex(f.index)); err != nil {
			return err
		}
	}
	if p.validate {
		return validate(v.Addr().Interface().(Validator))
	}
	return nil
}

// bind sets one field.
func (f *fieldPlan) bind(r *Request, dst reflect.Value) error {
	if f.typ == fileHeaderType || f.typ.Kind() == reflect.Slice && f.typ.Elem() == fileHeaderType {
		files := r.FormFiles(f.name)
		if len(files) == 0 {
			return f.missing()
		}
		if f.typ == fileHeaderType {
			dst.Set(reflect.ValueOf(files[0]))
		} else {
			dst.Set(reflect.ValueOf(files))
		}
		return nil
	}
	values := f.values(r)
	isString := f.typ.Kind() == reflect.String || f.typ.Kind() == reflect.Pointer && f.typ.Elem().Kind() == reflect.String
	if !isString && f.typ.Kind() != reflect.Slice && len(values) > 0 && values[0] == "" {
		values = nil // an empty value is an absent one
	}
	if len(values) == 0 {
		return f.missing()
	}
	switch {
	case f.typ.Kind() == reflect.Slice && !scalar(f.typ):
		s := reflect.MakeSlice(f.typ, 0, len(values))
		for _, v := range values {
			if v == "" && f.typ.Elem().Kind() != reflect.String {
				continue
			}
			e := reflect.New(f.typ.Elem()).Elem()
			if err := f.convert(v, e); err != nil {
				return err
			}
			s = reflect.Append(s, e)
		}
		if s.Len() == 0 {
			return f.missing()
		}
		dst.Set(s)
	case f.typ.Kind() == reflect.Pointer && !scalar(f.typ):
		e := reflect.New(f.typ.Elem())
		if err := f.convert(values[0], e.Elem()); err != nil {
			return err
		}
		dst.Set(e)
	default:
		return f.convert(values[0], dst)
	}
	return nil
}

// values returns the raw values of the field's parameter, nil if absent.
func (f *fieldPlan) values(r *Request) []string {
	switch f.src {
	case fromQuery:
		return r.QueryAll(f.name)
	case fromForm:
		return r.FormAll(f.name)
	case fromPath:
		if v, ok := r.params.Get(f.name); ok {
			return []string{decodePath(v)}
		}
	case fromCookie:
		if v, ok := r.LookupCookie(f.name); ok {
			return []string{v}
		}
	case fromHeader:
		return r.HeaderValues(f.name)
	}
	return nil
}

func (f *fieldPlan) missing() error {
	if f.required {
		return &BindError{Source: sourceNames[f.src], Name: f.name, Reason: "is missing"}
	}
	return nil
}

// convert parses s into dst, whose type is scalar.
func (f *fieldPlan) convert(s string, dst reflect.Value) error {
	if dst.CanAddr() && dst.Addr().Type().Implements(textUnmarshalerType) {
		if err := dst.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			return f.bad(s, "is not a valid "+dst.Type().String()+": "+err.Error())
		}
		return nil
	}
	switch dst.Kind() {
	case reflect.String:
		dst.SetString(s)
	case reflect.Bool:
		b, err := parseBool(s)
		if err != nil {
			return f.bad(s, "is not a boolean")
		}
		dst.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, dst.Type().Bits())
		if err != nil {
			return f.bad(s, numberReason(err, "an integer", dst.Type()))
		}
		dst.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(s, 10, dst.Type().Bits())
		if err != nil {
			return f.bad(s, numberReason(err, "a non-negative integer", dst.Type()))
		}
		dst.SetUint(n)
	case reflect.Float32, reflect.Float64:
		n, err := strconv.ParseFloat(s, dst.Type().Bits())
		if err != nil {
			return f.bad(s, numberReason(err, "a number", dst.Type()))
		}
		dst.SetFloat(n)
	}
	return nil
}

func (f *fieldPlan) bad(value, reason string) error {
	return &BindError{Source: sourceNames[f.src], Name: f.name, Value: value, Reason: reason}
}

func numberReason(err error, what string, t reflect.Type) string {
	if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
		return "is out of range for " + t.String()
	}
	return "is not " + what
}

func parseBool(s string) (bool, error) {
	switch s {
	case "on":
		return true, nil
	case "off":
		return false, nil
	}
	return strconv.ParseBool(s)
}
