package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// callBuildx runs `docker buildx build --call <what>` on an app and returns
// what buildx printed: the frontend's own answer, as a user sees it.
func callBuildx(t *testing.T, dir, what string) (string, error) {
	t.Helper()
	res := buildx(t, nil, "--call", what, "-f", filepath.Join(dir, "app.yaml"), dir)
	return res.Stdout + res.Stderr, res.Err
}

func TestCallTargetsOutlineCheck(t *testing.T) {
	needTier(t, "go")
	hello := filepath.Join(repoRoot(t), "examples", "go-hello")

	out, err := callBuildx(t, hello, "targets")
	if err != nil {
		t.Fatalf("--call targets: %v\n%s", err, out)
	}
	for _, want := range []string{"image (default)", "compose", "dockerfile", "test", "scan", "the production runtime image"} {
		if !strings.Contains(out, want) {
			t.Errorf("--call targets lacks %q:\n%s", want, out)
		}
	}

	dir := writeApp(t, map[string]string{
		"app.yaml": "# syntax=org/appbuild\nname: app\nlanguage: go\nversion: \"1.26\"\nport: 80\nsecrets:\n  - id: npmrc\n",
		"go.mod":   "module x\n\ngo 1.26\n",
	})
	out, err = callBuildx(t, dir, "outline")
	if err != nil {
		t.Fatalf("--call outline: %v\n%s", err, out)
	}
	for _, want := range []string{"APPBUILD_VERSION", "1.26", "APPBUILD_RUNTIME", "npmrc"} {
		if !strings.Contains(out, want) {
			t.Errorf("--call outline lacks %q:\n%s", want, out)
		}
	}

	out, err = callBuildx(t, dir, "check")
	if err == nil {
		t.Errorf("--call check exited 0 with findings:\n%s", out)
	}
	for _, want := range []string{"PrivilegedPort", "NoResourceLimits", ">>> port: 80"} {
		if !strings.Contains(out, want) {
			t.Errorf("--call check lacks %q:\n%s", want, out)
		}
	}
}

// TestSpecErrorSnippetInBuildx: buildx prints the offending spec line under
// the error, as it does for a Dockerfile.
func TestSpecErrorSnippetInBuildx(t *testing.T) {
	needTier(t, "go")
	dir := writeApp(t, map[string]string{"app.yaml": "# syntax=org/appbuild\nname: hello\nlangauge: go\n"})
	res := buildx(t, nil, "--progress=plain", "-f", filepath.Join(dir, "app.yaml"), dir)
	if res.Err == nil {
		t.Fatal("a broken spec built")
	}
	for _, want := range []string{`unknown field "langauge" (did you mean "language"?)`, "app.yaml:3", ">>> langauge: go"} {
		if !strings.Contains(res.Stderr, want) {
			t.Errorf("buildx output lacks %q:\n%s", want, tail(res.Stderr, 3000))
		}
	}
}

// TestFailingStepPointsAtSpec: a go build that fails shows the spec line
// that asked for it.
func TestFailingStepPointsAtSpec(t *testing.T) {
	needTier(t, "go")
	dir := writeApp(t, map[string]string{
		"app.yaml":           "# syntax=org/appbuild\nname: broken\nlanguage: go\nbuild: ./cmd/broken\n",
		"go.mod":             "module x\n\ngo 1.26\n",
		"cmd/broken/main.go": "package main\n\nfunc main() { undefined() }\n",
	})
	res := buildx(t, nil, "--progress=plain", "--platform", "linux/amd64", "-o", "type=cacheonly", "-f", filepath.Join(dir, "app.yaml"), dir)
	if res.Err == nil {
		t.Fatal("a broken program built")
	}
	for _, want := range []string{"undefined: undefined", "app.yaml:4", ">>> build: ./cmd/broken"} {
		if !strings.Contains(res.Stderr, want) {
			t.Errorf("buildx output lacks %q:\n%s", want, tail(res.Stderr, 3000))
		}
	}
}

// TestPlainDockerfileThroughAppbuild: a Dockerfile with our syntax line
// builds as with the Dockerfile frontend, --call answers included.
func TestPlainDockerfileThroughAppbuild(t *testing.T) {
	needTier(t, "go")
	dir := writeApp(t, map[string]string{
		"Dockerfile": "# syntax=org/appbuild\nFROM gcr.io/distroless/static-debian13:nonroot AS base\n# final is the stage with the greeting\nFROM base AS final\nCOPY hello.txt /hello.txt\n",
		"hello.txt":  "hi\n",
	})
	out := filepath.Join(t.TempDir(), "out")
	mustBuildx(t, nil, "-f", filepath.Join(dir, "Dockerfile"), "-o", "type=local,dest="+out, dir)
	data, err := os.ReadFile(filepath.Join(out, "hello.txt"))
	if err != nil || string(data) != "hi\n" {
		t.Fatalf("Dockerfile output: %q %v", data, err)
	}
	res := buildx(t, nil, "--call", "targets", "-f", filepath.Join(dir, "Dockerfile"), dir)
	if res.Err != nil || !strings.Contains(res.Stdout, "final (default)") || !strings.Contains(res.Stdout, "is the stage with the greeting") {
		t.Fatalf("--call targets on a Dockerfile: %v\n%s%s", res.Err, res.Stdout, res.Stderr)
	}
}

// TestLanguageDetectedWarning: a spec without language is built as what
// its files say, and the user is told what was found.
func TestLanguageDetectedWarning(t *testing.T) {
	needTier(t, "go")
	dir := copyDir(t, filepath.Join(repoRoot(t), "examples", "go-hello"))
	if err := os.WriteFile(filepath.Join(dir, "app.yaml"), []byte("# syntax=org/appbuild\nname: hello\nbuild: ./cmd/hello\nport: 8080\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	res := mustBuildx(t, nil, "--progress=plain", "-f", filepath.Join(dir, "app.yaml"), "--target", "dockerfile", "-o", out, dir)
	if !strings.Contains(res.Stderr, "LanguageDetected: language is not set: found go.mod, building as go") {
		t.Errorf("no detection warning:\n%s", tail(res.Stderr, 2000))
	}
	df, err := os.ReadFile(filepath.Join(out, "Dockerfile"))
	if err != nil || !strings.Contains(string(df), "go build") {
		t.Errorf("detected app not planned as go: %v\n%s", err, df)
	}
}
