package framework

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

// formApp echoes the form it received.
func formApp(maxBody int64) *App {
	a := quietApp()
	a.MaxBodyBytes = maxBody
	a.MaxMemory = 16 // tiny, so uploads spill to temporary files
	a.Post("/", func(r *Request) Response {
		if err := r.ParseForm(); err != nil {
			return Error(err)
		}
		out := "task=" + r.Form("task") + " tags=" + strings.Join(r.FormAll("tag"), ",") + " q=" + r.Form("q")
		if f := r.FormFile("file"); f != nil {
			rd, err := f.Open()
			if err != nil {
				return Error(err)
			}
			defer rd.Close()
			b, _ := io.ReadAll(rd)
			out += " file=" + f.Filename + ":" + string(b)
		}
		out += " files=" + string(rune('0'+len(r.FormFiles("file"))))
		vals, _ := r.FormValues()
		out += " n=" + string(rune('0'+len(vals)))
		return Text(out)
	})
	return a
}

func multipartBody(t *testing.T, fields map[string]string, files map[string]string) (string, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	for name, content := range files {
		fw, err := w.CreateFormFile("file", name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte(content))
	}
	w.Close()
	return buf.String(), w.FormDataContentType()
}

func TestForms(t *testing.T) {
	mp, mpType := multipartBody(t, map[string]string{"task": "write tests"}, map[string]string{"notes.txt": "a file larger than MaxMemory"})
	tests := []struct {
		name, ctype, body string
		status            int
		want              string
	}{
		{"urlencoded", "application/x-www-form-urlencoded", "task=buy+milk&tag=a&tag=b%26c", 200,
			"task=buy milk tags=a,b&c q= files=0 n=2"},
		{"multipart with upload", mpType, mp, 200,
			"task=write tests tags= q= file=notes.txt:a file larger than MaxMemory files=1 n=1"},
		{"other type is an empty form", "application/json", `{"task":"x"}`, 200, "task= tags= q= files=0 n=0"},
		{"query is not form", "application/x-www-form-urlencoded", "task=t", 200, "task=t tags= q= files=0 n=1"},
		{"bad escape", "application/x-www-form-urlencoded", "task=%zz", 400, "malformed form body: invalid URL escape \"%zz\"\n"},
		{"bad content type", "multipart/form-data; boundary", "x", 400, "malformed Content-Type: mime: invalid media parameter\n"},
		{"no boundary", "multipart/form-data", "x", 400, "multipart/form-data without a boundary\n"},
		{"truncated multipart", mpType, mp[:len(mp)/2], 400, ""},
		{"too large", "application/x-www-form-urlencoded", "task=" + strings.Repeat("x", 2000), 413, "request body too large\n"},
	}
	transports(t, formApp(1000), func(t *testing.T, do func(*http.Request) result) {
		for _, tt := range tests {
			res := do(newReq("POST", "/?q=fromquery", tt.body, "Content-Type", tt.ctype))
			if res.status != tt.status || tt.want != "" && res.body != tt.want {
				t.Errorf("%s: got %d %q, want %d %q", tt.name, res.status, res.body, tt.status, tt.want)
			}
		}
	})
}
