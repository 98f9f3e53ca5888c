package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestProbeHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.RequestURI() {
		case "/healthz":
			w.WriteHeader(http.StatusNoContent)
		case "/moved":
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		case "/q?full=1":
			w.WriteHeader(http.StatusOK)
		default:
			http.Error(w, "down", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()

	for _, ok := range []string{"/healthz", "/moved", "/q?full=1"} {
		if err := probe(srv.URL + ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	err := probe(srv.URL + "/down")
	if err == nil || !strings.Contains(err.Error(), "503 Service Unavailable") {
		t.Fatalf("503 endpoint: got %v, want an error naming 503", err)
	}
}

func TestProbeNotHTTP(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err == nil {
			c.Write([]byte("SSH-2.0-OpenSSH\r\n"))
			c.Close()
		}
	}()
	if err := probe("http://" + l.Addr().String() + "/"); err == nil || !strings.Contains(err.Error(), "not an HTTP answer") {
		t.Fatalf("non-HTTP server: %v", err)
	}
}

func TestProbeTCP(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := probe("tcp://" + addr); err != nil {
		t.Fatalf("open port: %v", err)
	}
	l.Close()
	if err := probe("tcp://" + addr); err == nil {
		t.Fatal("closed port reported healthy")
	}
	if err := probe("ftp://" + addr); err == nil {
		t.Fatal("unknown scheme accepted")
	}
}
