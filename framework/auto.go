package framework

import (
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
)

// Auto-configuration: an app written as a Go type declares, in one small
// method, the URL and method of each handler by the handler's name; Mount
// finds the handler methods by reflection and registers them.
//
//	func (t *Todo) Routes() map[string]string {
//		return map[string]string{
//			"Index":  "GET /",
//			"Create": "POST /todo/create",
//			"Show":   "GET /todo/{id}",
//		}
//	}
//	func (t *Todo) Index(r *framework.Request) framework.Response { ... }
//	func (t *Todo) Create(r *framework.Request, p CreateParams) framework.Response { ... }
//
// Reflection also keeps the declaration and the methods in sync: a
// declared name without a method, an exported method shaped like a handler
// but not declared, and a path parameter a handler binds but its pattern
// lacks all panic at Mount, naming what is wrong.

// Routable is an app type for Mount: Routes maps handler method names to
// "METHOD /pattern" (or just "/pattern" for any method).
type Routable interface {
	Routes() map[string]string
}

var (
	requestType     = reflect.TypeFor[*Request]()
	responseType    = reflect.TypeFor[Response]()
	respWriterType  = reflect.TypeFor[http.ResponseWriter]()
	httpRequestType = reflect.TypeFor[*http.Request]()
)

// Mount registers the handler methods of app, as declared by its Routes
// method. A handler method has one of three shapes:
//
//	func (a *App) Name(r *framework.Request) framework.Response
//	func (a *App) Name(r *framework.Request, p Params) framework.Response  // Params bound as by Bind
//	func (a *App) Name(w http.ResponseWriter, r *http.Request)
//
// Routes are named "Type.Method" in the handler map (App.Routes) and
// registered in the order of their names (the dispatch order does not
// depend on it; see package router).
//
// Mount panics, with a message starting "framework: Mount", when a declared
// name has no method or a method of another shape, when an exported method
// has a handler's shape but is not declared (declare it, or unexport it),
// when a declaration is malformed, when a bound path parameter is not in
// the pattern, and for everything Handle panics on.
func (a *App) Mount(app Routable) { a.mount(nil, app) }

func (a *App) mount(g *Group, app Routable) {
	v := reflect.ValueOf(app)
	t := v.Type()
	typeName := strings.TrimPrefix(t.String(), "*")
	if i := strings.LastIndexByte(typeName, '.'); i >= 0 {
		typeName = typeName[i+1:]
	}
	fail := func(format string, args ...any) {
		panic(fmt.Sprintf("framework: Mount(%s): ", t) + fmt.Sprintf(format, args...))
	}
	decl := app.Routes()
	for i := 0; i < t.NumMethod(); i++ {
		m := t.Method(i)
		if _, ok := decl[m.Name]; !ok && handlerShape(m.Type, 1) != shapeNone {
			fail("method %s looks like a handler but Routes does not declare it (declare it or unexport it)", m.Name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(decl)) {
		spec := decl[name]
		method, pattern, ok := strings.Cut(spec, " ")
		if !ok {
			method, pattern = "", spec
		}
		if !strings.HasPrefix(pattern, "/") || strings.Contains(pattern, " ") {
			fail("%s: declaration %q is not \"METHOD /pattern\" or \"/pattern\"", name, spec)
		}
		m := v.MethodByName(name)
		if !m.IsValid() {
			fail("Routes declares %s but %s has no exported method %s", name, t, name)
		}
		h, err := methodHandler(m, pattern)
		if err != nil {
			fail("%s: %v", name, err)
		}
		a.add(g, &Route{Name: typeName + "." + name, Method: method, Pattern: pattern, Handler: h})
	}
}

type shape uint8

const (
	shapeNone  shape = iota
	shapePlain       // func(*Request) Response
	shapeBound       // func(*Request, P) Response
	shapeHTTP        // func(http.ResponseWriter, *http.Request)
)

// handlerShape classifies a function type; skip counts leading inputs to
// ignore (1 for the receiver of a method type).
func handlerShape(ft reflect.Type, skip int) shape {
	in := ft.NumIn() - skip
	arg := func(i int) reflect.Type { return ft.In(skip + i) }
	switch {
	case in == 1 && ft.NumOut() == 1 && arg(0) == requestType && ft.Out(0) == responseType:
		return shapePlain
	case in == 2 && ft.NumOut() == 1 && arg(0) == requestType && ft.Out(0) == responseType && arg(1).Kind() == reflect.Struct:
		return shapeBound
	case in == 2 && ft.NumOut() == 0 && arg(0) == respWriterType && arg(1) == httpRequestType:
		return shapeHTTP
	}
	return shapeNone
}

// methodHandler turns a bound method value into a Handler.
func methodHandler(m reflect.Value, pattern string) (Handler, error) {
	switch handlerShape(m.Type(), 0) {
	case shapePlain:
		return m.Interface().(func(*Request) Response), nil
	case shapeHTTP:
		return fromHTTPHandler(http.HandlerFunc(m.Interface().(func(http.ResponseWriter, *http.Request)))), nil
	case shapeBound:
		pt := m.Type().In(1)
		pl, err := makePlan(pt)
		if err != nil {
			return nil, fmt.Errorf("binding %s: %v", pt, err)
		}
		if err := pl.checkPath(pattern); err != nil {
			return nil, err
		}
		// The parameter type is only known at run time, so the call goes
		// through reflect (a few allocations per request). Bind, with the
		// type known at compile time, is the allocation-lean way.
		return func(r *Request) Response {
			p := reflect.New(pt).Elem()
			if err := pl.fill(r, p); err != nil {
				return Error(err)
			}
			return m.Call([]reflect.Value{reflect.ValueOf(r), p})[0].Interface().(Response)
		}, nil
	}
	return nil, fmt.Errorf("method has type %s, not a handler's (func(*framework.Request) framework.Response, func(*framework.Request, Params) framework.Response or func(http.ResponseWriter, *http.Request))", m.Type())
}
