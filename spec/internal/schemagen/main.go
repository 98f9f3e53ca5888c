// Command schemagen writes the JSON Schema of appbuild specs. It runs from
// "go generate ./spec", which rewrites spec/schema.json; a dev tool, not a
// shipped binary, so it lives beside the package it serves.
package main

import (
	"flag"
	"log"
	"os"

	"github.com/org/appbuild/spec"
)

func main() {
	out := flag.String("o", "schema.json", "file to write the schema to")
	flag.Parse()
	b, err := spec.JSONSchema()
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		log.Fatal(err)
	}
}
