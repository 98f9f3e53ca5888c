package integration

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/org/appbuild/compose"
)

func TestComposeTarget(t *testing.T) {
	needTier(t, "go")
	hello := filepath.Join(repoRoot(t), "examples", "go-hello")
	out := t.TempDir()
	mustBuildx(t, nil, "-f", filepath.Join(hello, "app.yaml"), "--target", "compose", "-o", out, hello)
	data, err := os.ReadFile(filepath.Join(out, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := compose.Validate(data); err != nil {
		t.Fatalf("compose-go refuses the exported file: %v\n%s", err, data)
	}
	for _, want := range []string{"read_only: true", `user: "65532:65532"`, "- ALL", "no-new-privileges:true", "http://127.0.0.1:8080/healthz"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("compose.yaml lacks %q:\n%s", want, data)
		}
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// fileSummary lists path, type, owner and mode of every file: what makes
// two images the same to the process that runs in them.
func fileSummary(files map[string]file) []string {
	var out []string
	for p, f := range files {
		h := f.Header
		out = append(out, p+" "+string(h.Typeflag)+" "+itoa(h.Uid)+":"+itoa(h.Gid)+" "+strconvOct(h.Mode))
	}
	sort.Strings(out)
	return out
}

func TestTestTarget(t *testing.T) {
	needTier(t, "go")
	hello := copyDir(t, filepath.Join(repoRoot(t), "examples", "go-hello"))
	res := mustBuildx(t, nil, testTargetArgs(hello)...)
	if !strings.Contains(res.Stderr, "ok  \texample.com/go-hello/cmd/hello") && !strings.Contains(res.Stderr, "ok   example.com/go-hello/cmd/hello") {
		t.Errorf("passing tests not in the log:\n%s", tail(res.Stderr, 3000))
	}

	broken := "package main\n\nimport \"testing\"\n\nfunc TestBroken(t *testing.T) { t.Fatal(\"this test is broken on purpose\") }\n"
	if err := os.WriteFile(filepath.Join(hello, "cmd", "hello", "broken_test.go"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	res = buildx(t, nil, testTargetArgs(hello)...)
	if res.Err == nil {
		t.Fatal("--target test passed with a failing test")
	}
	for _, want := range []string{"--- FAIL: TestBroken", "this test is broken on purpose"} {
		if !strings.Contains(res.Stderr, want) {
			t.Errorf("test output lacks %q:\n%s", want, tail(res.Stderr, 3000))
		}
	}
}
