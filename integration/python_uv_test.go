package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pyUV is examples/py-uv: a uv project, whose uv.lock appbuild reads and
// pip installs with the lock's hashes. The lock also holds a dev group
// (packaging) and a Windows-only dependency (colorama): neither is
// installed.
var pyUV = pyExample{
	name:       "py-uv",
	body:       "hello from uv.lock",
	entrypoint: "/venv/bin/python -m app",
	install:    "pip install (uv.lock)",
	source:     "app/main.py",
	pyc:        "/app/app/__pycache__/main.cpython-313.pyc",
	imports:    "starlette, uvicorn, anyio, click, h11",
	absent: []string{
		"/venv/lib/python3.13/site-packages/packaging",
		"/venv/lib/python3.13/site-packages/colorama",
	},
}

// TestPythonUV builds examples/py-uv for linux/amd64 and linux/arm64 and
// checks it as the other Python examples are checked (the images, a
// read-only run in podman, a source-only change keeping the install
// cached), then builds the ejected Dockerfile, whose requirements come as
// a heredoc, and compares its venv with appbuild's.
func TestPythonUV(t *testing.T) {
	needRig(t)
	t.Run("images", func(t *testing.T) { checkPythonImages(t, pyUV) })
	t.Run("podman", func(t *testing.T) {
		checkPythonRuns(t, pyUV)
		// And pip is gone: the venv's python cannot import it.
		secret, _ := pyIndexSecret(t, "")
		image := pyLoadForPodman(t, filepath.Join(repoRoot(t), "examples", pyUV.name), secret, "linux/amd64")
		args := append([]string{"run", "--rm", "--read-only", "--entrypoint", "/venv/bin/python"}, podmanLimits...)
		if out, err := podman(t, append(args, image, "-c", "import pip")...); err == nil {
			t.Errorf("pip is importable in the runtime image: %s", out)
		}
	})
	t.Run("source change", func(t *testing.T) { checkPythonSourceChange(t, pyUV) })
	t.Run("ejected Dockerfile", func(t *testing.T) {
		secret, _ := pyIndexSecret(t, "")
		dir := copyDir(t, filepath.Join(repoRoot(t), "examples", pyUV.name))
		mustPyBuild(t, dir, secret, "--target", "dockerfile", "-o", dir)
		dockerfile, err := os.ReadFile(filepath.Join(dir, "Dockerfile"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(dockerfile), "starlette==0.46.1 --hash=sha256:") {
			t.Fatalf("the ejected Dockerfile lacks the requirements from uv.lock:\n%s", dockerfile)
		}
		ours := filepath.Join(t.TempDir(), "appbuild.tar")
		theirs := filepath.Join(t.TempDir(), "dockerfile.tar")
		mustPyBuild(t, dir, secret, "--platform", "linux/amd64", "-o", "type=oci,dest="+ours)
		res := buildx(t, []string{"SOURCE_DATE_EPOCH=" + epoch, pySecretEnv + "=" + secret},
			"-f", filepath.Join(dir, "Dockerfile"), "--secret", "id=pip_index_url,env="+pySecretEnv,
			"--platform", "linux/amd64", "-o", "type=oci,dest="+theirs, dir)
		if res.Err != nil {
			t.Fatalf("the ejected Dockerfile: %v\n%s", res.Err, tail(res.Stderr, 3000))
		}
		venv := func(img *ociLayout) []string {
			var out []string
			for _, f := range fileSummary(img.Files(t, "linux/amd64")) {
				if strings.HasPrefix(f, "/venv/lib/python3.13/site-packages/") && strings.Contains(f, ".dist-info/METADATA ") {
					out = append(out, f)
				}
			}
			return out
		}
		a, b := venv(readOCI(t, ours)), venv(readOCI(t, theirs))
		if strings.Join(a, "\n") != strings.Join(b, "\n") || len(a) != 7 {
			t.Errorf("installed packages differ:\nappbuild:\n%s\nDockerfile:\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
		}
	})
}
