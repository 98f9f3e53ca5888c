package main

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// captureLog sends the request log to a buffer for the test's duration.
func captureLog(t *testing.T) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	out, flags, prefix := log.Writer(), log.Flags(), log.Prefix()
	log.SetOutput(&buf)
	log.SetFlags(0)
	log.SetPrefix("")
	t.Cleanup(func() { log.SetOutput(out); log.SetFlags(flags); log.SetPrefix(prefix) })
	return &buf
}

// testTree writes files (slash path: content) under a new directory.
func testTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := writeFile(filepath.Join(dir, filepath.FromSlash(name)), []byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// flaskTree is a one-project Python index.
func flaskTree(t *testing.T) string {
	return testTree(t, map[string]string{"simple/flask/index.html": "flask links\n"})
}

// call is one request to a test server and what it must answer.
type call struct {
	method, path string
	auth         string // user:password sent as basic credentials
	host         string // Host header
	code         int
	body         string // checked when set (a HEAD answer must be empty)
}

// check serves c, makes the calls and checks each answer, then the request
// log: one line "METHOD PATH: STATUS" per call.
func check(t *testing.T, c serveConfig, calls []call) {
	t.Helper()
	logs := captureLog(t)
	if c.prefix == "" {
		c.prefix = "/"
	}
	if c.privatePrefix == "" {
		c.privatePrefix = "/private/"
	}
	h, err := c.handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	var want strings.Builder
	for _, k := range calls {
		req, err := http.NewRequest(k.method, srv.URL+k.path, strings.NewReader("data"))
		if err != nil {
			t.Fatal(err)
		}
		if user, pass, ok := strings.Cut(k.auth, ":"); ok {
			req.SetBasicAuth(user, pass)
		}
		if k.host != "" {
			req.Host = k.host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		what := k.method + " " + k.path
		if resp.StatusCode != k.code {
			t.Errorf("%s: %d, want %d", what, resp.StatusCode, k.code)
		}
		if (k.body != "" || k.method == "HEAD") && string(body) != k.body {
			t.Errorf("%s: body %q, want %q", what, body, k.body)
		}
		if a := resp.Header.Get("WWW-Authenticate"); k.code == 401 && !strings.HasPrefix(a, "Basic ") {
			t.Errorf("%s: WWW-Authenticate %q, want a Basic challenge", what, a)
		}
		if a := resp.Header.Get("Allow"); k.code == 405 && a != "GET, HEAD" {
			t.Errorf("%s: Allow %q, want GET, HEAD", what, a)
		}
		fmt.Fprintf(&want, "%s: %d\n", what, k.code)
	}
	if logs.String() != want.String() {
		t.Errorf("request log:\n%s\nwant:\n%s", logs, want.String())
	}
}

func TestServeOpenTree(t *testing.T) {
	check(t, serveConfig{dir: flaskTree(t)}, []call{
		{method: "GET", path: "/simple/flask/", code: 200, body: "flask links\n"},
		{method: "HEAD", path: "/simple/flask/", code: 200},
		{method: "GET", path: "/simple/django/", code: 404},
		// No private tree without credentials.
		{method: "GET", path: "/private/simple/flask/", code: 404},
	})
}

func TestServePrivateTreeNeedsCredentials(t *testing.T) {
	check(t, serveConfig{dir: flaskTree(t), user: "appbuild", pass: "s3cret"}, []call{
		{method: "GET", path: "/private/simple/flask/", code: 401},
		{method: "GET", path: "/private/simple/flask/", auth: "appbuild:wrong", code: 401},
		{method: "GET", path: "/private/simple/flask/", auth: "other:s3cret", code: 401},
		{method: "GET", path: "/private/simple/flask/", auth: "appbuild:s3cret", code: 200, body: "flask links\n"},
		{method: "HEAD", path: "/private/simple/flask/", auth: "appbuild:s3cret", code: 200},
		{method: "GET", path: "/simple/flask/", code: 200, body: "flask links\n"}, // the open tree beside it
	})
}

func TestServeRefusesWrites(t *testing.T) {
	dir := flaskTree(t)
	c := serveConfig{dir: dir, user: "appbuild", pass: "s3cret"}
	var calls []call
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH"} {
		calls = append(calls,
			call{method: m, path: "/simple/flask/index.html", code: 405},
			call{method: m, path: "/private/simple/flask/index.html", auth: "appbuild:s3cret", code: 405})
	}
	check(t, c, calls)
	if data, _ := os.ReadFile(filepath.Join(dir, "simple/flask/index.html")); string(data) != "flask links\n" {
		t.Errorf("the tree was written to: %q", data)
	}
}

func TestServeCargoConfigNamesTheClientsHost(t *testing.T) {
	dir := testTree(t, map[string]string{"index/de/mo/demo": "{}\n", "crates/demo/demo-0.1.0.crate": "crate"})
	check(t, serveConfig{dir: dir, cargoConfig: true}, []call{
		{method: "GET", path: "/index/config.json", host: "127.0.0.1:3143", code: 200,
			body: `{"dl":"http://127.0.0.1:3143/crates/{crate}/{crate}-{version}.crate"}` + "\n"},
		{method: "GET", path: "/index/config.json", host: "rig.example:8080", code: 200,
			body: `{"dl":"http://rig.example:8080/crates/{crate}/{crate}-{version}.crate"}` + "\n"},
		{method: "GET", path: "/index/de/mo/demo", code: 200, body: "{}\n"},
		{method: "GET", path: "/crates/demo/demo-0.1.0.crate", code: 200, body: "crate"},
	})
	check(t, serveConfig{dir: dir, prefix: "/cargo/", cargoConfig: true}, []call{
		{method: "GET", path: "/cargo/index/config.json", host: "10.0.2.2:3143", code: 200,
			body: `{"dl":"http://10.0.2.2:3143/cargo/crates/{crate}/{crate}-{version}.crate"}` + "\n"},
	})
	// Without -cargo-config there is none: the tree has no config.json.
	check(t, serveConfig{dir: dir}, []call{{method: "GET", path: "/index/config.json", code: 404}})
}

func TestServeUnderPrefixOnly(t *testing.T) {
	dir := testTree(t, map[string]string{"org/demo/lib/1.0/lib-1.0.pom": "<project/>"})
	check(t, serveConfig{dir: dir, prefix: "/maven2/"}, []call{
		{method: "GET", path: "/maven2/org/demo/lib/1.0/lib-1.0.pom", code: 200, body: "<project/>"},
		{method: "GET", path: "/org/demo/lib/1.0/lib-1.0.pom", code: 404},
	})
}

func TestServeRefusesBadArguments(t *testing.T) {
	captureLog(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad")
	if err := os.WriteFile(bad, []byte("no-colon\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-addr", "127.0.0.1:0"}, // no -dir
		{"-dir", dir},            // no -addr
		{"-dir", dir, "-addr", "127.0.0.1:0", "extra"}, // a stray argument
		{"-dir", dir, "-addr", "127.0.0.1:0", "-credentials", bad},
		{"-dir", dir, "-addr", "127.0.0.1:0", "-credentials", filepath.Join(dir, "missing")},
		{"-dir", dir, "-addr", "127.0.0.1:0", "-prefix", "maven2"},
	} {
		if err := serve(args); err == nil {
			t.Errorf("serve %q: no error", args)
		}
	}
}
