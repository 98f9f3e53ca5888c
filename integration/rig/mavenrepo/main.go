// Command mavenrepo serves the rig's local Maven repository (a directory in the
// standard layout, made by mavenrepo.sh from Debian's /usr/share/maven-repo) over
// HTTP on loopback, read-only, and logs every request, so that a test can tell
// what a build fetched. Maven Central cannot be reached from the rig's machines;
// builds reach this repository through a mirror in Maven's settings, the
// setting a team with a private mirror uses.
package main

import (
	"flag"
	"log"
	"net/http"
	"time"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("mavenrepo: ")
	dir := flag.String("dir", "", "the repository's root directory")
	addr := flag.String("addr", "127.0.0.1:3142", "listen address (keep it on loopback)")
	flag.Parse()
	if *dir == "" {
		log.Fatal("usage: mavenrepo -dir DIR [-addr HOST:PORT]")
	}
	files := http.StripPrefix("/maven2", http.FileServer(http.Dir(*dir)))
	mux := http.NewServeMux()
	mux.HandleFunc("/maven2/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "read-only repository", http.StatusMethodNotAllowed)
			return
		}
		log.Printf("%s %s", r.Method, r.URL.Path)
		files.ServeHTTP(w, r)
	})
	log.Printf("serving %s on http://%s/maven2/", *dir, *addr)
	log.Fatal((&http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}).ListenAndServe())
}
