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
		if r.URL.Path == "/healthz" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer srv.Close()

	if err := probe(srv.URL + "/healthz"); err != nil {
		t.Fatalf("healthy endpoint: %v", err)
	}
	err := probe(srv.URL + "/down")
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("503 endpoint: got %v, want an error naming 503", err)
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
