package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pyFixture is two unpacked Debian packages: one with an .egg-info (the
// requires.txt becomes Requires-Dist), one with a .dist-info.
func pyFixture(t *testing.T) []string {
	t.Helper()
	const dp = "usr/lib/python3/dist-packages/"
	egg := testTree(t, map[string]string{
		dp + "demo_pkg/__init__.py":                               "VALUE = 1\n",
		dp + "demo_pkg/_speedups.cpython-313-x86_64-linux-gnu.so": "ELF",
		dp + "demo_pkg/__pycache__/__init__.cpython-313.pyc":      "compiled",
		dp + "Demo.Pkg-1.2.egg-info/PKG-INFO":                     "Metadata-Version: 2.1\nName: Demo.Pkg\nVersion: 1.2\nRequires-Python: >=3.9\n\nThe description.\n",
		dp + "Demo.Pkg-1.2.egg-info/requires.txt":                 "click>=8\n\n[speedups]\ncython\n\n[:sys_platform == \"win32\"]\ncolorama\n",
		dp + "Demo.Pkg-1.2.egg-info/top_level.txt":                "demo_pkg\n",
		dp + "Demo.Pkg-1.2.egg-info/SOURCES.txt":                  "demo_pkg/__init__.py\n",
		"usr/share/doc/demo/NOTICE":                               "notice\n",
	})
	// Debian links shared files: the wheel holds what the link names.
	if err := os.Symlink("../../../../share/doc/demo/NOTICE", filepath.Join(egg, dp, "demo_pkg", "NOTICE")); err != nil {
		t.Fatal(err)
	}
	dist := testTree(t, map[string]string{
		dp + "other/__init__.py":                    "",
		dp + "other-2.0.dist-info/METADATA":         "Metadata-Version: 2.1\nName: other\nVersion: 2.0\n",
		dp + "other-2.0.dist-info/entry_points.txt": "[console_scripts]\nother = other:main\n",
		dp + "other-2.0.dist-info/INSTALLER":        "debian\n",
		dp + "other-2.0.dist-info/RECORD":           "stale\n",
	})
	return []string{egg, dist}
}

func TestBuildPython(t *testing.T) {
	captureLog(t)
	dirs := pyFixture(t)
	out := filepath.Join(t.TempDir(), "www")
	if err := buildPython(append([]string{"-out", out, "-epoch", "1767225600"}, dirs...)); err != nil {
		t.Fatal(err)
	}
	whl, err := os.ReadFile(filepath.Join(out, "files", "demo_pkg-1.2-py3-none-any.whl"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(whl), int64(len(whl)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	content := map[string]string{}
	for _, f := range zr.File {
		names = append(names, f.Name)
		if !f.Modified.Equal(mustTime(t, "2026-01-01T00:00:00Z")) || f.Mode() != 0o644 {
			t.Errorf("%s: time %v mode %v", f.Name, f.Modified, f.Mode())
		}
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		content[f.Name] = string(b)
	}
	want := []string{
		"demo_pkg-1.2.dist-info/METADATA", "demo_pkg-1.2.dist-info/WHEEL", "demo_pkg-1.2.dist-info/top_level.txt",
		"demo_pkg/NOTICE", "demo_pkg/__init__.py", "demo_pkg-1.2.dist-info/RECORD",
	}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("wheel entries:\n%q\nwant:\n%q", names, want)
	}
	if content["demo_pkg/NOTICE"] != "notice\n" {
		t.Errorf("linked file: %q", content["demo_pkg/NOTICE"])
	}
	wantMeta := "Metadata-Version: 2.1\nName: Demo.Pkg\nVersion: 1.2\nRequires-Python: >=3.9\n" +
		"Requires-Dist: click>=8\nRequires-Dist: cython; extra == \"speedups\"\nRequires-Dist: colorama; (sys_platform == \"win32\")\n\nThe description.\n"
	if content["demo_pkg-1.2.dist-info/METADATA"] != wantMeta {
		t.Errorf("METADATA:\n%s\nwant:\n%s", content["demo_pkg-1.2.dist-info/METADATA"], wantMeta)
	}
	var record strings.Builder
	for _, n := range want[:len(want)-1] {
		sum := sha256.Sum256([]byte(content[n]))
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", n, base64.RawURLEncoding.EncodeToString(sum[:]), len(content[n]))
	}
	record.WriteString("demo_pkg-1.2.dist-info/RECORD,,\n")
	if content["demo_pkg-1.2.dist-info/RECORD"] != record.String() {
		t.Errorf("RECORD:\n%s\nwant:\n%s", content["demo_pkg-1.2.dist-info/RECORD"], record.String())
	}

	// The .dist-info package keeps its own files but not the installer's.
	other, err := os.ReadFile(filepath.Join(out, "files", "other-2.0-py3-none-any.whl"))
	if err != nil {
		t.Fatal(err)
	}
	zr, _ = zip.NewReader(bytes.NewReader(other), int64(len(other)))
	names = names[:0]
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, " "); got != "other-2.0.dist-info/METADATA other-2.0.dist-info/WHEEL other-2.0.dist-info/entry_points.txt other/__init__.py other-2.0.dist-info/RECORD" {
		t.Errorf("other's entries: %s", got)
	}

	// The PEP 503 pages: normalized project names, hashes, Requires-Python.
	sum := sha256.Sum256(whl)
	page, _ := os.ReadFile(filepath.Join(out, "simple", "demo-pkg", "index.html"))
	link := `<a href="../../files/demo_pkg-1.2-py3-none-any.whl#sha256=` + hex.EncodeToString(sum[:]) + `" data-requires-python="&gt;=3.9">demo_pkg-1.2-py3-none-any.whl</a>`
	if !strings.Contains(string(page), link) {
		t.Errorf("project page:\n%s\nwant the link %s", page, link)
	}
	index, _ := os.ReadFile(filepath.Join(out, "simple", "index.html"))
	if !strings.Contains(string(index), "<a href=\"demo-pkg/\">demo-pkg</a>\n<a href=\"other/\">other</a>\n") {
		t.Errorf("project list:\n%s", index)
	}

	// The same packages give the same bytes.
	again := filepath.Join(t.TempDir(), "www")
	if err := buildPython(append([]string{"-out", again, "-epoch", "1767225600"}, dirs...)); err != nil {
		t.Fatal(err)
	}
	assertSameTree(t, out, again)
}

func TestBuildPythonRefusesTwoDistributions(t *testing.T) {
	captureLog(t)
	dir := testTree(t, map[string]string{
		"usr/lib/python3/dist-packages/a-1.dist-info/METADATA": "Name: a\nVersion: 1\n",
		"usr/lib/python3/dist-packages/b-1.dist-info/METADATA": "Name: b\nVersion: 1\n",
	})
	err := buildPython([]string{"-out", t.TempDir(), dir})
	if err == nil || !strings.Contains(err.Error(), "more than one distribution") {
		t.Errorf("err = %v, want more than one distribution", err)
	}
}
