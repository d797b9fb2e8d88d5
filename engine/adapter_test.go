package engine_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/microframe/microframe/conn"
	"github.com/microframe/microframe/engine"
)

// testMux serves testNative's endpoints as a net/http Handler.
func testMux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/plaintext", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "Hello, World!")
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(400)
			io.WriteString(w, "bad body: "+err.Error())
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Write(b)
	})
	mux.HandleFunc("/seq", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.URL.RawQuery) })
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 3; i++ {
			io.WriteString(w, "part")
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/nocontent", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	mux.HandleFunc("/panic", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	mux.HandleFunc("/ignorebody", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ignored") })
	mux.HandleFunc("/abort", func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) })
	mux.HandleFunc("/request", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s %s path=%s query=%s host=%s ua=%s cl=%d te=%v",
			r.Method, r.RequestURI, r.Proto, r.URL.Path, r.URL.RawQuery, r.Host, r.Header.Get("User-Agent"),
			r.ContentLength, r.TransferEncoding)
	})
	return mux
}

// TestNativeAndAdapterAgree sends the same requests to the native handler
// and to the net/http version through the adapter; status, body, framing
// and connection handling must match.
func TestNativeAndAdapterAgree(t *testing.T) {
	native := startServer(t, &engine.Server{Handler: conn.HandlerFunc(testNative)})
	adapted := startServer(t, &engine.Server{Handler: engine.Adapt(testMux())})
	reqs := []string{
		get("/plaintext"),
		"HEAD /plaintext HTTP/1.1\r\nHost: a\r\n\r\n",
		"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
		"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhe\r\n3\r\nllo\r\n0\r\n\r\n",
		get("/seq?a=1&b=2"),
		get("/stream"),
		get("/nocontent"),
		get("/panic"),
		"GET /plaintext HTTP/1.0\r\n\r\n",
	}
	for _, req := range reqs {
		method := strings.SplitN(req, " ", 2)[0]
		var got [2]string
		for i, addr := range []string{native, adapted} {
			nc, br := dial(t, addr)
			nc.Write([]byte(req))
			resp, body := readResponse(t, br, method)
			ct := resp.Header.Get("Content-Type")
			if i == 1 && strings.HasSuffix(got[0], `ct=""`) {
				ct = "" // the adapter sniffs a type the handler did not set, as net/http does
			}
			got[i] = fmt.Sprintf("%d %q cl=%d te=%v close=%v ct=%q", resp.StatusCode, body, resp.ContentLength,
				resp.TransferEncoding, resp.Close, ct)
		}
		if got[0] != got[1] {
			t.Errorf("%q:\nnative:  %s\nadapter: %s", req, got[0], got[1])
		}
	}
}

func TestAdapterRequestFields(t *testing.T) {
	addr := startServer(t, &engine.Server{Handler: engine.Adapt(testMux())})
	nc, br := dial(t, addr)
	nc.Write([]byte("POST /request?x=%20y HTTP/1.1\r\nhost: example.com\r\nuser-agent: t/1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"))
	_, body := readResponse(t, br, "POST")
	want := "POST /request?x=%20y HTTP/1.1 path=/request query=x=%20y host=example.com ua=t/1 cl=-1 te=[chunked]"
	if body != want {
		t.Fatalf("got  %s\nwant %s", body, want)
	}
}

func TestAdapterAbortHandler(t *testing.T) {
	srv := &engine.Server{Handler: engine.Adapt(testMux())}
	addr := startServer(t, srv)
	nc, br := dial(t, addr)
	nc.Write([]byte(get("/abort")))
	expectClosed(t, br)
	if p := srv.Stats().Panics; p != 0 {
		t.Fatalf("ErrAbortHandler counted as %d panics", p)
	}
}

// TestAdapterWithHTTPClient runs the adapter under net/http's own client.
func TestAdapterWithHTTPClient(t *testing.T) {
	addr := startServer(t, &engine.Server{Handler: engine.Adapt(testMux())})
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	for i := 0; i < 3; i++ {
		resp, err := client.Post("http://"+addr+"/echo", "text/plain", strings.NewReader("payload"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "payload" {
			t.Fatalf("got %q", b)
		}
	}
}
