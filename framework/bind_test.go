package framework

import (
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"
)

type bindAll struct {
	Q       []string  `query:"q"`
	Page    *int      `query:"page"`
	Limit   int       `query:"limit"`
	Small   int8      `query:"small"`
	Ratio   float64   `query:"ratio"`
	Count   uint      `query:"count"`
	Done    bool      `query:"done"`
	Maybe   *bool     `query:"maybe"`
	Name    *string   `query:"name"`
	IDs     []int     `query:"id"`
	When    time.Time `query:"when"`
	ID      string    `path:"id"`
	Task    string    `form:"task"`
	Lang    string    `cookie:"lang"`
	Token   string    `header:"X-Token"`
	Ignored string
	Skipped string `query:"-"`
}

func TestBind(t *testing.T) {
	a := quietApp()
	a.Post("/items/{id}", Bind(func(r *Request, p bindAll) Response { return JSON(p) }))
	tests := []struct {
		name, target, body string
		status             int
		want               map[string]any // fields to check in the JSON of p
		wantBody           string
	}{
		{"absent leaves zero and nil", "/items/7", "", 200,
			map[string]any{"Q": nil, "Page": nil, "Limit": 0, "Maybe": nil, "Name": nil, "IDs": nil, "ID": "7", "Done": false}, ""},
		{"everything", "/items/a%20b?q=x&q=y&page=2&limit=-3&small=127&ratio=0.5&count=9&done=on&maybe=false&name=&id=1&id=2&when=2024-05-01T10:00:00Z", "task=buy+milk", 200,
			map[string]any{"Q": []string{"x", "y"}, "Page": 2, "Limit": -3, "Small": 127, "Ratio": 0.5, "Count": 9, "Done": true,
				"Maybe": false, "Name": "", "IDs": []int{1, 2}, "When": "2024-05-01T10:00:00Z", "ID": "a b", "Task": "buy milk",
				"Lang": "fr", "Token": "tok"}, ""},
		{"empty non-string is absent", "/items/1?page=&limit=&done=", "", 200,
			map[string]any{"Page": nil, "Limit": 0, "Done": false}, ""},
		{"empty entries skipped in slices", "/items/1?id=&id=3", "", 200, map[string]any{"IDs": []int{3}}, ""},
		{"not an integer", "/items/1?page=two", "", 400, nil, "query parameter \"page\": \"two\" is not an integer\n"},
		{"out of range", "/items/1?small=128", "", 400, nil, "query parameter \"small\": \"128\" is out of range for int8\n"},
		{"negative uint", "/items/1?count=-1", "", 400, nil, "query parameter \"count\": \"-1\" is not a non-negative integer\n"},
		{"not a bool", "/items/1?done=maybe", "", 400, nil, "query parameter \"done\": \"maybe\" is not a boolean\n"},
		{"not a float", "/items/1?ratio=half", "", 400, nil, "query parameter \"ratio\": \"half\" is not a number\n"},
		{"bad slice element", "/items/1?id=1&id=x", "", 400, nil, "query parameter \"id\": \"x\" is not an integer\n"},
		{"bad text value", "/items/1?when=yesterday", "", 400, nil, ""},
		{"malformed query", "/items/1?q=%zz", "", 400, nil, ""},
		{"long value is cut", "/items/1?page=" + strings.Repeat("9", 100), "", 400, nil, "query parameter \"page\": \"" + strings.Repeat("9", 64) + "...\" is out of range for int\n"},
	}
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		for _, tt := range tests {
			res := do(newReq("POST", tt.target, tt.body, "Content-Type", "application/x-www-form-urlencoded",
				"Cookie", "lang=fr", "X-Token", "tok"))
			if res.status != tt.status || tt.wantBody != "" && res.body != tt.wantBody {
				t.Errorf("%s: got %d %q, want %d %q", tt.name, res.status, res.body, tt.status, tt.wantBody)
				continue
			}
			if tt.want == nil {
				continue
			}
			var got map[string]json.RawMessage
			if err := json.Unmarshal([]byte(res.body), &got); err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			for k, w := range tt.want {
				if g := strings.TrimSpace(string(got[k])); g != mustJSON(w) {
					t.Errorf("%s: %s = %s, want %s", tt.name, k, g, mustJSON(w))
				}
			}
		}
	})
}

func TestBindRequiredAndFiles(t *testing.T) {
	type upload struct {
		Title string                  `form:"title,required"`
		File  *multipart.FileHeader   `form:"file,required"`
		All   []*multipart.FileHeader `form:"file"`
		Theme string                  `cookie:"theme,required"`
	}
	a := quietApp()
	a.Post("/", Bind(func(r *Request, p upload) Response {
		f, err := p.File.Open()
		if err != nil {
			return Error(err)
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		return Text(p.Title + ":" + p.File.Filename + ":" + string(b) + ":" + string(rune('0'+len(p.All))) + ":" + p.Theme)
	}))
	withFile, ctype := multipartBody(t, map[string]string{"title": "T"}, map[string]string{"a.txt": "AAA"})
	noFile, ctype2 := multipartBody(t, map[string]string{"title": "T"}, nil)
	noTitle, ctype3 := multipartBody(t, nil, map[string]string{"a.txt": "AAA"})
	transports(t, a, func(t *testing.T, do func(*http.Request) result) {
		if res := do(newReq("POST", "/", withFile, "Content-Type", ctype, "Cookie", "theme=dark")); res.body != "T:a.txt:AAA:1:dark" {
			t.Errorf("with file: %d %q", res.status, res.body)
		}
		if res := do(newReq("POST", "/", noFile, "Content-Type", ctype2, "Cookie", "theme=dark")); res.status != 400 || res.body != "form parameter \"file\" is missing\n" {
			t.Errorf("without file: %d %q", res.status, res.body)
		}
		if res := do(newReq("POST", "/", noTitle, "Content-Type", ctype3, "Cookie", "theme=dark")); res.status != 400 || res.body != "form parameter \"title\" is missing\n" {
			t.Errorf("without title: %d %q", res.status, res.body)
		}
		if res := do(newReq("POST", "/", withFile, "Content-Type", ctype)); res.status != 400 || res.body != "cookie parameter \"theme\" is missing\n" {
			t.Errorf("without cookie: %d %q", res.status, res.body)
		}
	})
}

func TestRequestBind(t *testing.T) {
	var p struct {
		N int `query:"n"`
	}
	a := quietApp()
	a.Get("/", func(r *Request) Response {
		if err := r.Bind(&p); err != nil {
			return Error(err)
		}
		return Text("ok")
	})
	if rec := newRecorder(); func() bool { a.ServeHTTP(rec, get("/?n=5")); return rec.Code != 200 || p.N != 5 }() {
		t.Fatalf("n=%d", p.N)
	}
	rec := newRecorder()
	a.ServeHTTP(rec, get("/?n=x"))
	if rec.Code != 400 {
		t.Fatalf("bad n: %d", rec.Code)
	}
	if msg := catchPanic(func() { (&Request{}).Bind(p) }); !strings.Contains(msg, "non-nil pointer") {
		t.Fatalf("panic %q", msg)
	}
}

type inner struct {
	X string `query:"x"`
}

type outer struct {
	inner
	Y string `query:"y"`
}

func TestBindEmbedded(t *testing.T) {
	a := quietApp()
	a.Get("/", Bind(func(r *Request, p outer) Response { return Text(p.X + p.Y) }))
	rec := newRecorder()
	a.ServeHTTP(rec, get("/?x=1&y=2"))
	if rec.Body.String() != "12" {
		t.Fatalf("got %q", rec.Body.String())
	}
}

func TestBindPlanPanics(t *testing.T) {
	tests := []struct {
		name string
		bind func()
		want string
	}{
		{"not a struct", func() { Bind(func(r *Request, p int) Response { return Text("") }) }, "must be a struct"},
		{"unsupported type", func() {
			Bind(func(r *Request, p struct {
				M map[string]string `query:"m"`
			}) Response {
				return Text("")
			})
		}, "cannot bind to type map[string]string"},
		{"two sources", func() {
			Bind(func(r *Request, p struct {
				X string `query:"x" form:"x"`
			}) Response {
				return Text("")
			})
		}, "more than one source: query, form"},
		{"unexported", func() {
			Bind(func(r *Request, p struct {
				x string `query:"x"`
			}) Response {
				return Text(p.x)
			})
		}, "tagged but unexported"},
		{"file outside form", func() {
			Bind(func(r *Request, p struct {
				F *multipart.FileHeader `query:"f"`
			}) Response {
				return Text("")
			})
		}, "form fields only"},
		{"embedded pointer", func() {
			Bind(func(r *Request, p struct {
				*inner
			}) Response {
				return Text("")
			})
		}, "through an embedded pointer"},
		{"unknown option", func() {
			Bind(func(r *Request, p struct {
				X string `query:"x,requird"`
			}) Response {
				return Text("")
			})
		}, "unknown tag option \"requird\""},
	}
	for _, tt := range tests {
		if msg := catchPanic(tt.bind); !strings.HasPrefix(msg, "framework: binding ") || !strings.Contains(msg, tt.want) {
			t.Errorf("%s: panic %q, want it to contain %q", tt.name, msg, tt.want)
		}
	}
}
