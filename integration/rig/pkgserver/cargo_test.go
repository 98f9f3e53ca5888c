package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const demoCargoToml = `[package]
name = "demo"
version = "0.1.0"
links = "demo"
rust-version = "1.70"

[features]
default = ["std"]
std = []
serde = ["dep:serde", "log?/std"]

[dependencies]
log = "0.4"
my-json = { version = "1", package = "serde_json" }

[dependencies.serde]
version = "1.0"
optional = true
default-features = false
features = ["derive"]

[dev-dependencies]
tempfile = "3"

[build-dependencies]
cc = "1.0"

[target.'cfg(unix)'.dependencies]
libc = "0.2"
`

// cargoFixture is a root where librust packages were unpacked: one crate,
// Debian's checksum file, an executable, and a feature package's link.
func cargoFixture(t *testing.T) string {
	t.Helper()
	const reg = "usr/share/cargo/registry/"
	root := testTree(t, map[string]string{
		reg + "demo-0.1.0/Cargo.toml":           demoCargoToml,
		reg + "demo-0.1.0/src/lib.rs":           "pub fn demo() {}\n",
		reg + "demo-0.1.0/.cargo-checksum.json": `{"package":"x","files":{}}`,
		reg + "demo-0.1.0/run.sh":               "#!/bin/sh\n",
		reg + "ab-1.0.0/Cargo.toml":             "[package]\nname = \"ab\"\nversion = \"1.0.0\"\n",
	})
	if err := os.Chmod(filepath.Join(root, reg, "demo-0.1.0/run.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("demo-0.1.0", filepath.Join(root, reg, "demo+std-0.1.0")); err != nil {
		t.Fatal(err)
	}
	return root
}

func TestBuildCargo(t *testing.T) {
	captureLog(t)
	root := cargoFixture(t)
	out := filepath.Join(t.TempDir(), "www")
	if err := buildCargo([]string{"-out", out, "-epoch", "1767225600", root}); err != nil {
		t.Fatal(err)
	}
	crate, err := os.ReadFile(filepath.Join(out, "crates", "demo", "demo-0.1.0.crate"))
	if err != nil {
		t.Fatal(err)
	}
	gz, err := gzip.NewReader(bytes.NewReader(crate))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var got []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if !h.ModTime.Equal(mustTime(t, "2026-01-01T00:00:00Z")) || h.Typeflag != tar.TypeReg {
			t.Errorf("%s: time %v type %c", h.Name, h.ModTime, h.Typeflag)
		}
		got = append(got, fmt.Sprintf("%s %o", h.Name, h.Mode))
	}
	want := "demo-0.1.0/Cargo.toml 644, demo-0.1.0/run.sh 755, demo-0.1.0/src/lib.rs 644"
	if strings.Join(got, ", ") != want {
		t.Errorf("crate entries: %s\nwant: %s", strings.Join(got, ", "), want)
	}

	sum := sha256.Sum256(crate)
	line, err := os.ReadFile(filepath.Join(out, "index", "de", "mo", "demo"))
	if err != nil {
		t.Fatal(err)
	}
	wantLine := `{"name":"demo","vers":"0.1.0","deps":[` +
		`{"name":"cc","req":"1.0","features":[],"optional":false,"default_features":true,"target":null,"kind":"build"},` +
		`{"name":"libc","req":"0.2","features":[],"optional":false,"default_features":true,"target":"cfg(unix)","kind":"normal"},` +
		`{"name":"log","req":"0.4","features":[],"optional":false,"default_features":true,"target":null,"kind":"normal"},` +
		`{"name":"my-json","req":"1","features":[],"optional":false,"default_features":true,"target":null,"kind":"normal","package":"serde_json"},` +
		`{"name":"serde","req":"1.0","features":["derive"],"optional":true,"default_features":false,"target":null,"kind":"normal"},` +
		`{"name":"tempfile","req":"3","features":[],"optional":false,"default_features":true,"target":null,"kind":"dev"}],` +
		`"cksum":"` + hex.EncodeToString(sum[:]) + `",` +
		`"features":{"default":["std"],"std":[]},"features2":{"serde":["dep:serde","log?/std"]},` +
		`"yanked":false,"links":"demo","v":2,"rust_version":"1.70"}` + "\n"
	if string(line) != wantLine {
		t.Errorf("index line:\n%s\nwant:\n%s", line, wantLine)
	}
	if ab, _ := os.ReadFile(filepath.Join(out, "index", "2", "ab")); !strings.HasPrefix(string(ab), `{"name":"ab","vers":"1.0.0","deps":[],`) {
		t.Errorf("ab's index line: %s", ab)
	}
	if _, err := os.Stat(filepath.Join(out, "crates", "demo+std")); err == nil {
		t.Error("a feature package's link became a crate")
	}

	again := filepath.Join(t.TempDir(), "www")
	if err := buildCargo([]string{"-out", again, "-epoch", "1767225600", root}); err != nil {
		t.Fatal(err)
	}
	assertSameTree(t, out, again)
}

func TestIndexPath(t *testing.T) {
	for name, want := range map[string]string{"a": "1/a", "Ab": "2/ab", "abc": "3/a/abc", "Serde_JSON": "se/rd/serde_json"} {
		if got := indexPath(name); got != want {
			t.Errorf("indexPath(%q) = %q, want %q", name, got, want)
		}
	}
}
