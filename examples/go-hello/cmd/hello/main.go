// Command hello is appbuild's Go example: a small HTTP service with a health
// endpoint, routed by a third-party module (chi) so that the dependency step
// of the build has real work to do.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/go-chi/chi/v5"
)

func main() {
	addr := ":" + envOr("PORT", "8080")
	log.Printf("hello listening on %s", addr)
	log.Fatal(http.ListenAndServe(addr, routes()))
}

func routes() http.Handler {
	r := chi.NewRouter()
	r.Get("/", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, greeting())
	})
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	return r
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
