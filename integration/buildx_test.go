package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/org/appbuild/integration/rigctl"
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

// buildxResult is what a `docker buildx build` printed and reported.
type buildxResult struct{ rigctl.Result }

// buildx runs `docker buildx build --builder appbuild` with the given
// arguments and reads the solve status (--progress=rawjson), so tests assert
// what BuildKit reports, not what a timer suggests.
func buildx(t *testing.T, env []string, args ...string) buildxResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), buildxLimit)
	defer cancel()
	res := buildxResult{rigctl.Buildx(ctx, builderName, env, args...)}
	if ctx.Err() != nil {
		res.Err = fmt.Errorf("no result within %s, stopped: %w", buildxLimit, res.Err)
	}
	return res
}

// buildxLimit bounds one build, far above the slowest (an arm64 build under
// emulation takes minutes): a build that hangs fails its test instead of
// the whole run's timeout taking every other test with it. (Seen: cargo
// under qemu-user, a forked child stuck at 0% CPU for 40 minutes.)
const buildxLimit = 30 * time.Minute

// mustBuildx fails the test when the build fails, showing its output.
func mustBuildx(t *testing.T, env []string, args ...string) buildxResult {
	t.Helper()
	res := buildx(t, env, args...)
	if res.Err != nil {
		t.Fatalf("docker buildx build %s: %v\n%s", strings.Join(args, " "), res.Err, tail(res.Stderr, 4000))
	}
	return res
}

// testTargetArgs builds an app's test target. The test stage never comes
// from the cache (--no-cache-filter test): a cached test step prints nothing,
// and the rig's buildkitd keeps its cache between runs, so a check of the
// log would otherwise depend on what ran before.
func testTargetArgs(dir string, extra ...string) []string {
	args := []string{"--progress=plain", "-f", filepath.Join(dir, "app.yaml"), "--target", "test", "--no-cache-filter", "test", "-o", "type=cacheonly"}
	return append(append(args, extra...), dir)
}

// vertexNamed finds the one vertex whose name starts with prefix.
func (r buildxResult) vertexNamed(t *testing.T, prefix string) rigctl.Vertex {
	t.Helper()
	found := r.Named(prefix)
	if len(found) != 1 {
		t.Fatalf("want one vertex named %q, found %d among:\n%s", prefix, len(found), strings.Join(keys(r.Vertexes), "\n"))
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
