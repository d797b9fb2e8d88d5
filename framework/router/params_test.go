package router

import (
	"strconv"
	"strings"
	"testing"
)

func TestParamsZeroValue(t *testing.T) {
	var ps Params
	if ps.Len() != 0 || ps.Pattern() != "" {
		t.Fatalf("zero Params: Len %d, Pattern %q", ps.Len(), ps.Pattern())
	}
	if v, ok := ps.Get("x"); ok || v != "" {
		t.Fatalf("zero Params: Get = %q, %v", v, ok)
	}
	ps.Reset() // must not panic
}

func TestParamsReuse(t *testing.T) {
	r := build(t, []route{
		{"GET", "/a/{x}/{y}"},
		{"GET", "/b/{z}"},
		{"GET", "/many/{a0}/{a1}/{a2}/{a3}/{a4}/{a5}/{a6}/{a7}/{a8}/{a9}"},
	})
	var ps Params
	r.Lookup("GET", "/a/1/2", &ps)
	r.Lookup("GET", "/b/3", &ps)
	if ps.Len() != 1 {
		t.Fatalf("after reuse Len = %d, want 1", ps.Len())
	}
	if _, ok := ps.Get("x"); ok {
		t.Error("parameter x of the previous lookup survived")
	}
	if v, _ := ps.Get("z"); v != "3" {
		t.Errorf("z = %q", v)
	}
	// A failed lookup leaves ps empty, even after a successful one.
	for _, path := range []string{"/a/1", "/nope", "x"} {
		r.Lookup("GET", "/a/1/2", &ps)
		if _, res, _ := r.Lookup("GET", path, &ps); res == Found || ps.Len() != 0 || ps.Pattern() != "" {
			t.Errorf("%s: %v with %d params, pattern %q", path, res, ps.Len(), ps.Pattern())
		}
	}
	// Overflow past the inline values, then back to few, then past again.
	var want []string
	path := "/many"
	for i := range 10 {
		want = append(want, "v"+strconv.Itoa(i))
		path += "/" + want[i]
	}
	for range 3 {
		if _, res, _ := r.Lookup("GET", path, &ps); res != Found || ps.Len() != 10 {
			t.Fatalf("%s: %v, %d params", path, res, ps.Len())
		}
		for i, w := range want {
			if n, v := ps.At(i); n != "a"+strconv.Itoa(i) || v != w {
				t.Errorf("At(%d) = %s=%q, want a%d=%q", i, n, v, i, w)
			}
		}
		r.Lookup("GET", "/b/3", &ps)
		if ps.Len() != 1 {
			t.Fatalf("Len after small lookup = %d", ps.Len())
		}
	}
	// Once grown, Params reuses its overflow storage.
	if n := testing.AllocsPerRun(100, func() { r.Lookup("GET", path, &ps) }); n != 0 {
		t.Errorf("%v allocs per 10-parameter lookup with a warm Params, want 0", n)
	}
	ps.Reset()
	if ps.Len() != 0 || ps.Pattern() != "" {
		t.Errorf("after Reset: Len %d, Pattern %q", ps.Len(), ps.Pattern())
	}
}

func TestParamsAtOutOfRange(t *testing.T) {
	r := build(t, []route{{"GET", "/{x}"}})
	var ps Params
	r.Lookup("GET", "/1", &ps)
	for _, i := range []int{-1, 1, 8, 100} {
		msg := mustPanic(t, func() { ps.At(i) })
		if !strings.HasPrefix(msg, "router: ") {
			t.Errorf("At(%d) panicked %q", i, msg)
		}
	}
}
