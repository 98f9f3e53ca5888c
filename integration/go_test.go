package integration

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const epoch = "1700000000"

// buildHello builds examples/go-hello through `# syntax=org/appbuild` for
// both platforms into an OCI archive.
func buildHello(t *testing.T, dir string, extra ...string) (string, buildxResult) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "hello.tar")
	args := append([]string{"-f", filepath.Join(dir, "app.yaml"),
		"--platform", "linux/amd64,linux/arm64",
		"-o", "type=oci,dest=" + out}, extra...)
	res := mustBuildx(t, []string{"SOURCE_DATE_EPOCH=" + epoch}, append(args, dir)...)
	return out, res
}

// TestGoHelloImage checks what is particular to Go (the contract itself is
// TestExampleContract's): the steps a user sees, and the health probe
// taken prebuilt from the frontend image for both platforms, not compiled.
func TestGoHelloImage(t *testing.T) {
	needTier(t, "go")
	_, res := buildHello(t, filepath.Join(repoRoot(t), "examples", "go-hello"))
	for _, name := range []string{"[build 1/4] copy go.mod go.sum", "[build 2/4] go mod download",
		"[build 4/4] go build ./cmd/hello", "[runtime 1/2] copy hello",
		"[runtime 2/2] copy appbuild-probe (prebuilt, linux/amd64)", "[runtime 2/2] copy appbuild-probe (prebuilt, linux/arm64)"} {
		res.vertexNamed(t, name)
	}
	for name := range res.Vertexes {
		if strings.Contains(name, "go build appbuild-probe") {
			t.Errorf("the probe was compiled: %q", name)
		}
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
}

// waitHTTP polls url until it answers 200 or the deadline passes.
func waitHTTP(t *testing.T, url string, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	var last error
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			var b bytes.Buffer
			_, _ = b.ReadFrom(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return b.String()
			}
			last = fmt.Errorf("status %s", resp.Status)
		} else {
			last = err
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s did not answer within %s: %v", url, within, last)
	return ""
}

// TestGoHelloSourceChangeKeepsDependenciesCached edits one .go file and
// rebuilds: the solve status must show go mod download cached and go build
// rerun.
func TestGoHelloSourceChangeKeepsDependenciesCached(t *testing.T) {
	needTier(t, "go")
	dir := copyDir(t, filepath.Join(repoRoot(t), "examples", "go-hello"))
	build := func() buildxResult {
		return mustBuildx(t, nil, "-f", filepath.Join(dir, "app.yaml"), "--platform", "linux/amd64", "-o", "type=cacheonly", dir)
	}
	build()
	greeting := filepath.Join(dir, "cmd", "hello", "greeting.go")
	src := fmt.Sprintf("package main\n\nfunc greeting() string { return %q }\n", "changed at "+time.Now().Format(time.RFC3339Nano))
	if err := os.WriteFile(greeting, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	res := build()
	if v := res.vertexNamed(t, "[build 2/4] go mod download"); !v.Cached {
		t.Errorf("go mod download ran again after a source-only change")
	}
	if v := res.vertexNamed(t, "[build 4/4] go build ./cmd/hello"); v.Cached {
		t.Errorf("go build was taken from cache although a .go file changed")
	}
}

// TestGoHelloReproducible builds the same source twice with the same
// SOURCE_DATE_EPOCH, the second time with --no-cache so every step really
// runs again, and compares the image digests.
func TestGoHelloReproducible(t *testing.T) {
	needTier(t, "go")
	dir := filepath.Join(repoRoot(t), "examples", "go-hello")
	a, _ := buildHello(t, dir)
	b, res := buildHello(t, dir, "--no-cache")
	// --no-cache really reran the steps.
	if v := res.vertexNamed(t, "[build 4/4] go build ./cmd/hello"); v.Cached {
		t.Fatal("--no-cache build took go build from the cache")
	}
	// Per-platform image manifests are compared: the index also holds
	// buildx's provenance attestation, which records when the build ran.
	ia, ib := readOCI(t, a), readOCI(t, b)
	for _, platform := range []string{"linux/amd64", "linux/arm64"} {
		da, db := ia.ManifestDigest[platform], ib.ManifestDigest[platform]
		if da == "" || da != db {
			t.Errorf("%s: same source and SOURCE_DATE_EPOCH gave %s and %s", platform, da, db)
		}
		t.Logf("%s: both builds %s", platform, da)
	}
}

func gitHead(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("git", "-C", repoRoot(t), "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatalf("git rev-parse HEAD: %v", err)
	}
	return strings.TrimSpace(string(out))
}
