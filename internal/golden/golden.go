// Package golden compares test output with files under testdata, and
// rewrites them when APPBUILD_UPDATE_GOLDEN=1 is set (make golden) or the
// test binary runs with -update.
//
// The variable is what make golden uses: `go test ./... -update` fails in
// every package whose tests do not import this one (the flag is unknown
// there), while a variable is ignored where nothing reads it.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// UpdateEnv is the environment variable that makes Check rewrite files.
const UpdateEnv = "APPBUILD_UPDATE_GOLDEN"

var update = flag.Bool("update", false, "rewrite golden files (or set "+UpdateEnv+"=1)")

// Updating reports whether golden files are being rewritten.
func Updating() bool {
	return *update || os.Getenv(UpdateEnv) == "1"
}

// Check compares got with the file at path, or writes it when updating.
func Check(t *testing.T, path string, got []byte) {
	t.Helper()
	if Updating() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run make golden, or go test -update, to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (run make golden, or go test -update, to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
