package main

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
	"time"
)

// serveConfig is what serve's flags say.
type serveConfig struct {
	dir           string
	prefix        string // URL prefix of the open tree, "/..../"
	cargoConfig   bool   // answer prefix + index/config.json
	user, pass    string // basic credentials of privatePrefix; none: no private tree
	privatePrefix string
}

func serve(args []string) error {
	fl := flag.NewFlagSet("serve", flag.ContinueOnError)
	var c serveConfig
	fl.StringVar(&c.dir, "dir", "", "the tree a build-* command wrote")
	addr := fl.String("addr", "", "listen address HOST:PORT (keep it on loopback)")
	fl.StringVar(&c.prefix, "prefix", "/", "URL prefix the tree is served under")
	fl.BoolVar(&c.cargoConfig, "cargo-config", false, "answer PREFIX/index/config.json with the client's host (a Cargo registry)")
	credFile := fl.String("credentials", "", "file holding user:password: serve the tree again under -private-prefix with them")
	fl.StringVar(&c.privatePrefix, "private-prefix", "/private/", "URL prefix of the tree behind -credentials")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if c.dir == "" || *addr == "" || fl.NArg() != 0 {
		return errors.New("usage: pkgserver serve -dir DIR -addr HOST:PORT [-prefix /P/] [-cargo-config] [-credentials FILE [-private-prefix /Q/]]")
	}
	if *credFile != "" {
		cred, err := os.ReadFile(*credFile)
		if err != nil {
			return err
		}
		var ok bool
		c.user, c.pass, ok = strings.Cut(strings.TrimSpace(string(cred)), ":")
		if !ok || c.user == "" || c.pass == "" {
			return fmt.Errorf("%s: want user:password", *credFile)
		}
	}
	h, err := c.handler()
	if err != nil {
		return err
	}
	private := ""
	if c.user != "" {
		private = fmt.Sprintf(" (and %s with credentials)", c.privatePrefix)
	}
	log.Printf("serving %s on http://%s%s%s", c.dir, *addr, c.prefix, private)
	return (&http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}).ListenAndServe()
}

// handler serves the tree read-only and logs every request.
func (c serveConfig) handler() (http.Handler, error) {
	for _, p := range []string{c.prefix, c.privatePrefix} {
		if !strings.HasPrefix(p, "/") || !strings.HasSuffix(p, "/") {
			return nil, fmt.Errorf("URL prefix %q: want /.../", p)
		}
	}
	files := http.FileServer(http.Dir(c.dir))
	mux := http.NewServeMux()
	mux.Handle(c.prefix, http.StripPrefix(strings.TrimSuffix(c.prefix, "/"), files))
	if c.cargoConfig {
		// Written per request with the host the client used, so that the
		// download URL works on whatever address it reached.
		mux.HandleFunc(c.prefix+"index/config.json", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{
				"dl": "http://" + r.Host + c.prefix + "crates/{crate}/{crate}-{version}.crate",
			})
		})
	}
	if c.user != "" {
		mux.Handle(c.privatePrefix, c.basicAuth(http.StripPrefix(strings.TrimSuffix(c.privatePrefix, "/"), files)))
	}
	return logRequests(readOnly(mux)), nil
}

// basicAuth lets through only requests with the configured credentials.
func (c serveConfig) basicAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(u), []byte(c.user)) != 1 ||
			subtle.ConstantTimeCompare([]byte(p), []byte(c.pass)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="appbuild rig private index"`)
			http.Error(w, "credentials required", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// readOnly refuses every method but GET and HEAD.
func readOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "read-only repository", http.StatusMethodNotAllowed)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// logRequests logs one line per request, "METHOD PATH: STATUS", which the
// tests read (a refused private page is "GET /private/simple/x/: 401").
func logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		log.Printf("%s %s: %d", r.Method, r.URL.Path, sw.status)
	})
}

// statusWriter remembers the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status  int
	written bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.written {
		w.status, w.written = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.written = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
