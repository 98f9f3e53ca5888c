package integration

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// builderName is the buildx builder `make rig` creates for the rig's buildkitd.
const builderName = "appbuild"

// repoRoot is the checkout, two levels up from this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// buildxResult is what a `docker buildx build` printed.
type buildxResult struct {
	Vertexes map[string]vertex // by name
	Stdout   string
	Stderr   string
	Err      error
}

type vertex struct {
	Digest    string     `json:"digest"`
	Name      string     `json:"name"`
	Cached    bool       `json:"cached"`
	Started   *time.Time `json:"started"`
	Completed *time.Time `json:"completed"`
	Error     string     `json:"error"`
}

// buildx runs `docker buildx build --builder appbuild` with the given
// arguments and reads the solve status (--progress=rawjson), so tests assert
// what BuildKit reports, not what a timer suggests.
func buildx(t *testing.T, env []string, args ...string) buildxResult {
	t.Helper()
	full := []string{"buildx", "build", "--builder", builderName}
	if !slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--progress") }) {
		full = append(full, "--progress=rawjson")
	}
	full = append(full, args...)
	cmd := exec.Command("docker", full...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := buildxResult{Vertexes: map[string]vertex{}, Stdout: stdout.String(), Stderr: stderr.String(), Err: err}
	sc := bufio.NewScanner(strings.NewReader(res.Stderr))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var st struct {
			Vertexes []vertex `json:"vertexes"`
		}
		if json.Unmarshal(sc.Bytes(), &st) != nil {
			continue
		}
		for _, v := range st.Vertexes {
			prev := res.Vertexes[v.Name]
			// Later updates of a vertex carry its final state; keep cached
			// once seen, since a cached vertex reports it on every update.
			v.Cached = v.Cached || prev.Cached
			if v.Completed == nil {
				v.Completed = prev.Completed
			}
			if v.Error == "" {
				v.Error = prev.Error
			}
			res.Vertexes[v.Name] = v
		}
	}
	return res
}

// mustBuildx fails the test when the build fails, showing its output.
func mustBuildx(t *testing.T, env []string, args ...string) buildxResult {
	t.Helper()
	res := buildx(t, env, args...)
	if res.Err != nil {
		t.Fatalf("docker buildx build %s: %v\n%s", strings.Join(args, " "), res.Err, tail(res.Stderr, 4000))
	}
	return res
}

// vertexNamed finds the one vertex whose name starts with prefix.
func (r buildxResult) vertexNamed(t *testing.T, prefix string) vertex {
	t.Helper()
	var found []vertex
	for name, v := range r.Vertexes {
		if strings.HasPrefix(name, prefix) {
			found = append(found, v)
		}
	}
	if len(found) != 1 {
		var names []string
		for name := range r.Vertexes {
			names = append(names, name)
		}
		t.Fatalf("want one vertex named %q, found %d among:\n%s", prefix, len(found), strings.Join(names, "\n"))
	}
	return found[0]
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// copyDir copies an example into a temporary directory so a test can edit
// its sources without touching the checkout.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, info.Mode())
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func itoa(i int) string { return strconv.Itoa(i) }

func strconvOct(m int64) string { return strconv.FormatInt(m, 8) }
