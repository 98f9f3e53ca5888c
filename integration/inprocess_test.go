package integration

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bkclient "github.com/moby/buildkit/client"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/tonistiigi/fsutil"

	"github.com/org/appbuild/frontend"
)

// inProcess runs frontend.Build in the test binary against the rig's
// buildkitd (BuildKit's "client frontend" mode): no image push, real solves,
// and a Go error value to inspect. It returns the frontend's result.
func inProcess(t *testing.T, dir, filename string, attrs map[string]string) (*gwclient.Result, error) {
	t.Helper()
	return runInProcess(t, dir, filename, attrs, 5*time.Minute, nil)
}

// inspectInProcess runs frontend.Build in the test binary, like inProcess,
// and hands its result to inspect while the build's references are alive
// (they go with the build), so the image's files can be read without an
// export.
func inspectInProcess(t *testing.T, dir string, attrs map[string]string, inspect func(context.Context, gwclient.Client, *gwclient.Result)) {
	t.Helper()
	if _, err := runInProcess(t, dir, "app.yaml", attrs, 15*time.Minute, inspect); err != nil {
		t.Fatal(err)
	}
}

// runInProcess runs frontend.Build in the test binary with the build's
// files in dir, and calls inspect (when given) on the result inside the
// build.
func runInProcess(t *testing.T, dir, filename string, attrs map[string]string, within time.Duration,
	inspect func(context.Context, gwclient.Client, *gwclient.Result)) (*gwclient.Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	c, err := bkclient.New(ctx, os.Getenv("BUILDKIT_HOST"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fs, err := fsutil.NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	opt := bkclient.SolveOpt{
		LocalMounts:   map[string]fsutil.FS{"context": fs, "dockerfile": fs},
		FrontendAttrs: map[string]string{"filename": filename},
	}
	for k, v := range attrs {
		opt.FrontendAttrs[k] = v
	}
	var res *gwclient.Result
	ch := make(chan *bkclient.SolveStatus)
	go func() {
		for range ch {
		}
	}()
	_, err = c.Build(ctx, opt, "", func(ctx context.Context, gc gwclient.Client) (*gwclient.Result, error) {
		r, err := frontend.Build(ctx, gc)
		res = r
		if err == nil && inspect != nil {
			inspect(ctx, gc, r)
		}
		return r, err
	}, ch)
	return res, err
}

// writeApp writes files into a fresh directory.
func writeApp(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestSpecErrorCarriesSourceMap: a spec mistake comes back with the spec's
// source attached (file, language, content, line), which is what lets
// docker buildx build print the offending line.
func TestSpecErrorCarriesSourceMap(t *testing.T) {
	needTier(t, "go")
	src := "# syntax=org/appbuild\nname: hello\nlangauge: go\nport: 99999\n"
	dir := writeApp(t, map[string]string{"app.yaml": src})
	_, err := inProcess(t, dir, "app.yaml", nil)
	if err == nil {
		t.Fatal("a broken spec built")
	}
	for _, want := range []string{
		`app.yaml:3:1: unknown field "langauge" (did you mean "language"?)`,
		"app.yaml:4:7: port",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	srcs := errdefs.Sources(err)
	if len(srcs) != 1 {
		t.Fatalf("error carries %d sources, want 1", len(srcs))
	}
	info := srcs[0].Info
	if info.Filename != "app.yaml" || info.Language != "YAML" || string(info.Data) != src || info.Definition == nil {
		t.Errorf("source info = %s %s %q (definition %v)", info.Filename, info.Language, info.Data, info.Definition != nil)
	}
	var lines []int32
	for _, r := range srcs[0].Ranges {
		lines = append(lines, r.Start.Line)
	}
	if len(lines) != 2 || lines[0] != 3 || lines[1] != 4 {
		t.Errorf("source ranges start on lines %v, want [3 4]", lines)
	}
}

// TestTargetsSubrequest: --call targets answers from the target table.
func TestTargetsSubrequest(t *testing.T) {
	needTier(t, "go")
	dir := filepath.Join(repoRoot(t), "examples", "go-hello")
	res, err := inProcess(t, dir, "app.yaml", map[string]string{"requestid": "frontend.targets"})
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Targets []struct {
			Name        string `json:"name"`
			Default     bool   `json:"default"`
			Description string `json:"description"`
		} `json:"targets"`
	}
	if err := json.Unmarshal(res.Metadata["result.json"], &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Targets) == 0 || list.Targets[0].Name != "image" || !list.Targets[0].Default || list.Targets[0].Description == "" {
		t.Fatalf("targets = %+v", list.Targets)
	}
}

// TestSymlinkLeavingContextRefused: a dir that is a symlink out of the
// context is refused with the spec line, not a confusing "not found".
func TestSymlinkLeavingContextRefused(t *testing.T) {
	needTier(t, "go")
	outside := writeApp(t, map[string]string{"go.mod": "module x\n"})
	dir := writeApp(t, map[string]string{"app.yaml": "# syntax=org/appbuild\nname: app\nlanguage: go\ndir: app\n"})
	if err := os.Symlink(outside, filepath.Join(dir, "app")); err != nil {
		t.Fatal(err)
	}
	_, err := inProcess(t, dir, "app.yaml", nil)
	if err == nil || !strings.Contains(err.Error(), "app.yaml:4:1: app is not a directory inside the build context (a missing directory, or a symlink that leaves the context, which appbuild does not follow)") {
		t.Fatalf("err = %v", err)
	}
}

// TestDirInsideContextAccepted: the same spec with a real sub-directory
// loads (a monorepo layout), so the symlink check cannot fire on everything.
func TestDirInsideContextAccepted(t *testing.T) {
	needTier(t, "go")
	dir := writeApp(t, map[string]string{
		"app.yaml":             "# syntax=org/appbuild\nname: app\nlanguage: go\ndir: services/app\n",
		"services/app/go.mod":  "module x\n\ngo 1.26\n",
		"services/app/main.go": "package main\n\nfunc main() {}\n",
	})
	res, err := inProcess(t, dir, "app.yaml", map[string]string{"requestid": "frontend.lint"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(res.Metadata["result.json"]), "NoResourceLimits") {
		t.Fatalf("lint of a monorepo app: %s", res.Metadata["result.json"])
	}
}

// TestNodeMissingEntryPointRefused: a package.json whose main names a file
// the app lacks (a well-known tutorial's, whose server is src/index.js) is
// refused with the spec's position and what was looked for, not built into
// an image that dies at start; the look-up sees the context as the build
// does, so a file .dockerignore leaves out counts as missing.
func TestNodeMissingEntryPointRefused(t *testing.T) {
	needTier(t, "go")
	const spec = "# syntax=org/appbuild\nname: app\nlanguage: node\n"
	lock := `{"name": "app", "lockfileVersion": 3, "requires": true, "packages": {"": {"name": "app"}}}`
	for _, c := range []struct {
		name  string
		files map[string]string
	}{
		{"main names a missing file", map[string]string{"src/index.js": "require('http')\n"}},
		{"the file is dockerignored", map[string]string{"index.js": "require('http')\n", ".dockerignore": "index.js\n"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			files := map[string]string{"app.yaml": spec, "package-lock.json": lock,
				"package.json": `{"name": "app", "main": "index.js", "scripts": {"start": "node server.js"}}`}
			maps.Copy(files, c.files)
			_, err := inProcess(t, writeApp(t, files), "app.yaml", nil)
			want := "app.yaml:3:1: no file to run: the app has none of package.json's main index.js, the start script's server.js (looked for each as FILE, FILE.js and FILE/index.js); fix package.json or set entrypoint"
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("err = %v\nwant %s", err, want)
			}
		})
	}
}

// TestToolchainWithoutImagesExplained: an app whose .nvmrc asks for a
// Node.js version no image is offered for fails at the spec's position
// with the version, the file it was read from and the override.
func TestToolchainWithoutImagesExplained(t *testing.T) {
	needTier(t, "go")
	lock := `{"name": "app", "lockfileVersion": 3, "requires": true, "packages": {"": {"name": "app"}}}`
	dir := writeApp(t, map[string]string{
		"app.yaml":          "# syntax=org/appbuild\nname: app\nlanguage: node\n",
		"package.json":      `{"name": "app", "main": "index.js"}`,
		"package-lock.json": lock,
		"index.js":          "require('http')\n",
		".nvmrc":            "30\n",
	})
	_, err := inProcess(t, dir, "app.yaml", nil)
	for _, want := range []string{"app.yaml:3:1: resolve base image ", "30", "Node.js 30 (from .nvmrc) may have no such image; set version in the spec or --build-arg APPBUILD_VERSION to a version that has one"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("err = %v\nwant it to hold %q", err, want)
		}
	}
}
