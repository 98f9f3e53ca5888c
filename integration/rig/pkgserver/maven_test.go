package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mavenFixture is a root where Maven packages were unpacked, with the links
// Debian makes: absolute and relative, through the merged-/usr links, to a
// directory, to a file no package ships, and one whose ".." would climb out
// of the root.
func mavenFixture(t *testing.T) string {
	t.Helper()
	const repo = "usr/share/maven-repo/org/demo/"
	root := testTree(t, map[string]string{
		repo + "lib/1.0/lib-1.0.pom": "<project/>",
		"usr/lib/demo/lib.jar":       "JAR",
		"etc/hostname":               "the root's own",
	})
	links := map[string]string{
		repo + "lib/1.0/lib-1.0.jar":   "/usr/share/java/lib.jar", // absolute: inside the root
		"usr/share/java/lib.jar":       "lib-1.0.jar",             // relative
		"usr/share/java/lib-1.0.jar":   "/lib/demo/lib.jar",       // through /lib -> usr/lib
		"lib":                          "usr/lib",
		repo + "lib/debian":            "1.0",                      // a directory
		repo + "gone/1.0/gone-1.0.jar": "/usr/share/java/gone.jar", // nothing there
		repo + "escape.pom":            "../../../../../../../../etc/hostname",
	}
	for name, target := range links {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestBuildMaven(t *testing.T) {
	logs := captureLog(t)
	root := mavenFixture(t)
	out := filepath.Join(t.TempDir(), "www")
	if err := buildMaven([]string{"-out", out, root}); err != nil {
		t.Fatal(err)
	}
	got := readTree(t, out)
	want := map[string]string{
		"org": "/", "org/demo": "/", "org/demo/lib": "/", "org/demo/lib/1.0": "/", "org/demo/lib/debian": "/",
		"org/demo/lib/1.0/lib-1.0.pom":    "<project/>",
		"org/demo/lib/1.0/lib-1.0.jar":    "JAR",
		"org/demo/lib/debian/lib-1.0.pom": "<project/>",
		"org/demo/lib/debian/lib-1.0.jar": "JAR",
		"org/demo/escape.pom":             "the root's own",
		"org/demo/gone":                   "/",
		"org/demo/gone/1.0":               "/",
	}
	for name, data := range want {
		if got[name] != data {
			t.Errorf("%s: %q, want %q", name, got[name], data)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("unexpected %s", name)
		}
	}
	fi, err := os.Lstat(filepath.Join(out, "org/demo/lib/1.0/lib-1.0.jar"))
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o644 {
		t.Errorf("the jar is not a 0644 file: %v %v", fi.Mode(), err)
	}
	if !strings.Contains(logs.String(), "left out /usr/share/maven-repo/org/demo/gone/1.0/gone-1.0.jar") ||
		!strings.Contains(logs.String(), "(1 links name files no package ships)") {
		t.Errorf("the missing file is not reported:\n%s", logs)
	}
}

func TestBuildMavenRefusesLoopsAndBadRoots(t *testing.T) {
	captureLog(t)
	root := testTree(t, map[string]string{"usr/share/maven-repo/org/a.pom": "x"})
	if err := os.Symlink("..", filepath.Join(root, "usr/share/maven-repo/org/up")); err != nil {
		t.Fatal(err)
	}
	if err := buildMaven([]string{"-out", t.TempDir(), root}); err == nil || !strings.Contains(err.Error(), "loops") {
		t.Errorf("a link to its own parent: err = %v, want a loop", err)
	}
	if err := buildMaven([]string{"-out", t.TempDir(), t.TempDir()}); err == nil || !strings.Contains(err.Error(), "no /usr/share/maven-repo") {
		t.Errorf("a root without a repository: err = %v", err)
	}
	if err := buildMaven([]string{"-out", t.TempDir(), root, root}); err == nil || !strings.Contains(err.Error(), "takes one ROOT") {
		t.Errorf("two roots: err = %v", err)
	}
}

func TestResolveIn(t *testing.T) {
	root := testTree(t, map[string]string{"usr/lib/x": "x"})
	for name, target := range map[string]string{"lib": "usr/lib", "usr/share/abs": "/lib/x", "usr/share/rel": "../lib/x", "a": "b", "b": "a"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	for name, want := range map[string]string{
		"usr/share/abs": "usr/lib/x", "usr/share/rel": "usr/lib/x", "lib/x": "usr/lib/x",
		"../../lib/../share/abs": "usr/lib/x", "lib/missing": "usr/lib/missing",
	} {
		if got, err := resolveIn(root, name); got != want || err != nil {
			t.Errorf("resolveIn(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
	if _, err := resolveIn(root, "a"); err == nil {
		t.Error("a link loop resolved")
	}
}
