package integration

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// pyExample is one Python example and what the tests expect of it.
type pyExample struct {
	name string
	// body is what GET / answers.
	body string
	// install is the dependency step's name, as progress shows it.
	install string
	// source is a source file the cache test edits.
	source string
	// pyc is a byte-code file of the app that must be in the image.
	pyc string
	// absent are paths the image must not have (packages the lock holds
	// but the app does not install).
	absent []string
}

var pyExamples = []pyExample{{
	name:    "py-flask",
	body:    "hello from flask",
	install: "pip install -r requirements.txt",
	source:  "greeting.py",
	pyc:     "/app/__pycache__/app.cpython-313.pyc",
}, {
	name:    "py-poetry",
	body:    "hello from starlette",
	install: "pip install (poetry.lock)",
	source:  "app/main.py",
	pyc:     "/app/app/__pycache__/main.cpython-313.pyc",
}}

// pySecretEnv names the variable that carries the index secret to
// `docker buildx build --secret id=pip_index_url,env=...`.
const pySecretEnv = "APPBUILD_TEST_PIP_INDEX_URL"

// pyIndexSecret is the URL of the rig's private index with its credentials
// (integration/rig/pkgserver (up.sh python)): the value a team would pass as a secret. It
// returns the URL and the password alone.
func pyIndexSecret(t *testing.T, password string) (url, pass string) {
	t.Helper()
	cred, err := os.ReadFile(filepath.Join(rigDir(), "pyindex", "credentials"))
	if err != nil {
		t.Fatalf("the rig's Python index has no credentials (make rig starts it): %v", err)
	}
	user, pass, ok := strings.Cut(strings.TrimSpace(string(cred)), ":")
	if !ok {
		t.Fatalf("credentials file: want user:password")
	}
	if password != "" {
		pass = password
	}
	return "http://" + user + ":" + pass + "@127.0.0.1:3141/private/simple/", pass
}

// rigDir is where make rig keeps its state.
func rigDir() string {
	if rig := os.Getenv("RIG_DIR"); rig != "" {
		return rig
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "appbuild-rig")
}

// pyBuild builds a Python example with the index secret; extra goes before
// the context.
func pyBuild(t *testing.T, dir, secret string, extra ...string) buildxResult {
	t.Helper()
	args := append([]string{"-f", filepath.Join(dir, "app.yaml"), "--secret", "id=pip_index_url,env=" + pySecretEnv}, extra...)
	return buildx(t, []string{"SOURCE_DATE_EPOCH=" + epoch, pySecretEnv + "=" + secret}, append(args, dir)...)
}

func mustPyBuild(t *testing.T, dir, secret string, extra ...string) buildxResult {
	t.Helper()
	res := pyBuild(t, dir, secret, extra...)
	if res.Err != nil {
		t.Fatalf("docker buildx build %s: %v\n%s", dir, res.Err, tail(res.Stderr, 4000))
	}
	return res
}

// vertexWith finds the one vertex whose name contains "] "+step.
func (r buildxResult) vertexWith(t *testing.T, step string) (name string, cached bool) {
	t.Helper()
	var found []string
	for n := range r.Vertexes {
		if strings.Contains(n, "] "+step) {
			found = append(found, n)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one vertex for step %q, found %v among:\n%s", step, found, strings.Join(keys(r.Vertexes), "\n"))
	}
	return found[0], r.Vertexes[found[0]].Cached
}

// logs returns what the build's steps printed (rawjson progress).
func (r buildxResult) logs() string {
	var out strings.Builder
	sc := bufio.NewScanner(strings.NewReader(r.Stderr))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var st struct {
			Logs []struct {
				Data []byte `json:"data"`
			} `json:"logs"`
		}
		if json.Unmarshal(sc.Bytes(), &st) == nil {
			for _, l := range st.Logs {
				out.Write(l.Data)
			}
		}
	}
	return out.String()
}

// TestPythonImages builds each Python example for linux/amd64 and
// linux/arm64 and reads both images from the export: distroless python3
// with the venv and the app only, no shell, pip, compiler or cache, the
// venv's python linked to the runtime's Debian Python, byte-code compiled,
// and the index secret nowhere in any blob.
func TestPythonImages(t *testing.T) {
	needTier(t, "python")
	for _, ex := range pyExamples {
		t.Run(ex.name, func(t *testing.T) { checkPythonImages(t, ex) })
	}
}

// checkPythonImages builds an example for linux/amd64 and linux/arm64 with
// the index secret and checks both images and the export.
func checkPythonImages(t *testing.T, ex pyExample) {
	secret, pass := pyIndexSecret(t, "")
	dir := filepath.Join(repoRoot(t), "examples", ex.name)
	archive := filepath.Join(t.TempDir(), "image.tar")
	res := mustPyBuild(t, dir, secret, "--platform", "linux/amd64,linux/arm64", "-o", "type=oci,dest="+archive)
	res.vertexWith(t, ex.install)
	res.vertexWith(t, "python3.13 -m venv /venv")
	img := readOCI(t, archive)
	if len(img.Manifests) != 2 {
		t.Fatalf("image has platforms %v, want linux/amd64 and linux/arm64", keys(img.Manifests))
	}
	for _, platform := range []string{"linux/amd64", "linux/arm64"} {
		t.Run(platform, func(t *testing.T) {
			checkPythonImage(t, img, platform, ex)
		})
	}
	// A control: the search does read inside the layers (the app's
	// source holds its greeting).
	if len(grepOCI(t, img, []byte(ex.body))) == 0 {
		t.Fatalf("searching the export for %q found nothing: the search is broken", ex.body)
	}
	// The secret (the password, and so the whole URL) is in no blob:
	// no layer, config (history included), manifest or attestation.
	if where := grepOCI(t, img, []byte(pass)); len(where) > 0 {
		t.Errorf("the index secret is in the export: %v", where)
	}
	for _, platform := range []string{"linux/amd64", "linux/arm64"} {
		for _, h := range img.Config(t, platform).History {
			if strings.Contains(h.CreatedBy+h.Comment, pass) {
				t.Errorf("%s history holds the secret: %q", platform, h.CreatedBy)
			}
		}
	}
}

// checkPythonImage checks what is Python's own in one platform's image
// (the contract is TestExampleContract's): no pip or poetry as a package,
// nothing the lock does not install, the venv on the runtime's own
// interpreter, byte-code compiled at build time.
func checkPythonImage(t *testing.T, img *ociLayout, platform string, ex pyExample) {
	files := img.Files(t, platform)
	for name := range files {
		base, dir := path.Base(name), path.Dir(name)
		if (strings.HasPrefix(base, "pip") || strings.HasPrefix(base, "poetry")) && strings.HasSuffix(dir, "-packages") {
			t.Errorf("runtime image has a package manager: %s", name)
		}
	}

	for _, p := range ex.absent {
		for name := range files {
			if name == p || strings.HasPrefix(name, p+"/") {
				t.Errorf("the image has %s, which the app does not need", name)
				break
			}
		}
	}

	// The venv runs on the runtime's own interpreter: its python is a chain
	// of links that ends at /usr/bin/python3.13.
	target, chain := "/venv/bin/python", []string{"/venv/bin/python"}
	for i := 0; i < 8; i++ {
		f, ok := files[target]
		if !ok || f.Header.Typeflag != tar.TypeSymlink {
			break
		}
		next := f.Header.Linkname
		if !path.IsAbs(next) {
			next = path.Join(path.Dir(target), next)
		}
		target = next
		chain = append(chain, target)
	}
	if target != "/usr/bin/python3.13" {
		t.Errorf("/venv/bin/python resolves %v, want it to end at /usr/bin/python3.13", chain)
	}
	cfgFile := string(files["/venv/pyvenv.cfg"].Data)
	if !strings.Contains(cfgFile, "home = /usr/bin") || !strings.Contains(cfgFile, "version = 3.13") {
		t.Errorf("/venv/pyvenv.cfg:\n%s", cfgFile)
	}

	// Byte-code, compiled at build time, validated by hash not by time
	// (PEP 552 flags 0b01: unchecked hash).
	pyc, ok := files[ex.pyc]
	if !ok || len(pyc.Data) < 16 {
		t.Fatalf("no byte-code %s in the image", ex.pyc)
	}
	if flags := binary.LittleEndian.Uint32(pyc.Data[4:8]); flags != 1 {
		t.Errorf("%s flags = %b, want unchecked-hash (1)", ex.pyc, flags)
	}
	var sitePyc int
	for name := range files {
		if strings.HasPrefix(name, "/venv/lib/python3.13/site-packages/") && strings.HasSuffix(name, ".cpython-313.pyc") {
			sitePyc++
		}
	}
	if sitePyc < 20 {
		t.Errorf("only %d compiled modules in the venv's site-packages", sitePyc)
	}

	compressed, size := imageSize(t, img, platform)
	t.Logf("%s %s: %d layers, %.1f MB compressed, %.1f MB uncompressed", ex.name, platform,
		len(img.Manifests[platform].Layers), float64(compressed)/1e6, float64(size)/1e6)
}

// imageSize returns the sum of a platform's layer blobs and of their
// uncompressed tar streams.
func imageSize(t *testing.T, img *ociLayout, platform string) (compressed, uncompressed int64) {
	t.Helper()
	for _, l := range img.Manifests[platform].Layers {
		compressed += l.Size
		f, err := os.Open(img.blob(l.Digest.String()))
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = f
		if strings.HasSuffix(l.MediaType, "gzip") {
			gz, err := gzip.NewReader(f)
			if err != nil {
				t.Fatal(err)
			}
			r = gz
		}
		n, err := io.Copy(io.Discard, r)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		uncompressed += n
	}
	return compressed, uncompressed
}

// grepOCI searches every blob of an export (gzip layers decompressed) and
// its index for needle, and returns where it was found.
func grepOCI(t *testing.T, img *ociLayout, needle []byte) []string {
	t.Helper()
	var found []string
	err := filepath.Walk(img.dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b {
			gz, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				return err
			}
			if data, err = io.ReadAll(gz); err != nil {
				return err
			}
		}
		if bytes.Contains(data, needle) {
			rel, _ := filepath.Rel(img.dir, p)
			found = append(found, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// TestPythonSourceChangeKeepsDependenciesCached edits one source file and
// rebuilds: the solve status shows the install cached and the source
// copied and compiled again.
func TestPythonSourceChangeKeepsDependenciesCached(t *testing.T) {
	needTier(t, "python")
	for _, ex := range pyExamples {
		t.Run(ex.name, func(t *testing.T) { checkPythonSourceChange(t, ex) })
	}
}

// checkPythonSourceChange builds a copy of an example, edits one source
// file and builds again: the dependency steps come from the cache, the
// source steps run.
func checkPythonSourceChange(t *testing.T, ex pyExample) {
	secret, _ := pyIndexSecret(t, "")
	dir := copyDir(t, filepath.Join(repoRoot(t), "examples", ex.name))
	mustPyBuild(t, dir, secret, "--platform", "linux/amd64", "-o", "type=cacheonly")
	src := filepath.Join(dir, filepath.FromSlash(ex.source))
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, fmt.Sprintf("\n# changed at %s\n", time.Now().Format(time.RFC3339Nano))...)
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	res := mustPyBuild(t, dir, secret, "--platform", "linux/amd64", "-o", "type=cacheonly")
	for _, step := range []string{"apt-get install", "python3.13 -m venv", ex.install, "compileall /venv"} {
		if name, cached := res.vertexWith(t, step); !cached {
			t.Errorf("%q ran again after a source-only change", name)
		}
	}
	for _, step := range []string{"copy source", "compileall /app"} {
		if name, cached := res.vertexWith(t, step); cached {
			t.Errorf("%q was taken from the cache although %s changed", name, ex.source)
		}
	}
}

// TestPythonIndexSecretIsUsed shows the install reads the index URL from
// the secret: with the right credentials pip installs from the private
// index (the log masks the password); with a wrong password the index
// refuses it (the rig's index logs a 401) and the build fails. pip itself
// only says it found no versions: it logs a refused index page at debug
// level. The build stage is rerun (the secret's value is not part of the
// cache key).
func TestPythonIndexSecretIsUsed(t *testing.T) {
	needTier(t, "python")
	dir := filepath.Join(repoRoot(t), "examples", "py-flask")
	good, pass := pyIndexSecret(t, "")
	res := mustPyBuild(t, dir, good, "--platform", "linux/amd64", "--no-cache-filter", "build", "-o", "type=cacheonly")
	logs := res.logs()
	if !strings.Contains(logs, "Looking in indexes: http://appbuild:****@127.0.0.1:3141/private/simple/") {
		t.Errorf("pip did not use the private index from the secret; its log:\n%s", tail(logs, 3000))
	}
	if strings.Contains(res.Stderr, pass) {
		t.Error("the secret's password appears in the build output")
	}

	indexLog := filepath.Join(rigDir(), "run", "pyindex.log")
	seen := 0
	if fi, err := os.Stat(indexLog); err == nil {
		seen = int(fi.Size())
	}
	bad, _ := pyIndexSecret(t, "wrong-password")
	res = pyBuild(t, dir, bad, "--platform", "linux/amd64", "--no-cache-filter", "build", "-o", "type=cacheonly")
	if res.Err == nil {
		t.Fatal("the build succeeded with a wrong index password: the secret is not what pip uses")
	}
	if logs := res.logs(); !strings.Contains(logs, "No matching distribution found") {
		t.Errorf("pip did not fail for want of the index; its log:\n%s", tail(logs, 3000))
	}
	data, err := os.ReadFile(indexLog)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < seen {
		seen = 0 // the log was started again
	}
	if since := string(data[seen:]); !regexp.MustCompile(`GET /private/simple/\S+: 401`).MatchString(since) {
		t.Errorf("the rig's index refused no request during the failing build; its log since:\n%s", tail(since, 2000))
	}
}

// registryHas tells whether the rig's registry serves repo:tag.
func registryHas(t *testing.T, repo, tag string) bool {
	t.Helper()
	req, err := http.NewRequest(http.MethodHead, "http://127.0.0.1:5000/v2/"+repo+"/manifests/"+tag, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// TestPythonTwoPlatformsInstallOnce measures, in one run, a one-platform and
// a two-platform build of py-flask with --no-cache, and shows from the
// solve status that the platform-neutral work (apt, venv, pip install,
// byte-code) ran once, natively, for both platforms: each of those steps is
// one vertex. It logs the two-platform/one-platform time ratio.
func TestPythonTwoPlatformsInstallOnce(t *testing.T) {
	needTier(t, "python")
	dir := filepath.Join(repoRoot(t), "examples", "py-flask")
	secret, _ := pyIndexSecret(t, "")
	one := mustPyBuild(t, dir, secret, "--no-cache", "--platform", "linux/amd64", "-o", "type=cacheonly")
	two := mustPyBuild(t, dir, secret, "--no-cache", "--platform", "linux/amd64,linux/arm64", "-o", "type=cacheonly")
	digests := vertexDigests(two.Stderr)
	for _, step := range []string{"apt-get install", "python3.13 -m venv", "pip install -r requirements.txt", "compileall /venv"} {
		name, cached := two.vertexWith(t, step)
		if cached {
			t.Errorf("%q was cached in a --no-cache build", name)
		}
		if n := len(digests[name]); n != 1 {
			t.Errorf("%q ran as %d vertices for two platforms, want 1 (installed once on the build platform)", name, n)
		}
	}
	// The runtime images are two: one per platform.
	if n := len(digests["[runtime] merge 3 layers onto the base"]); n != 2 {
		t.Errorf("runtime merge ran %d times, want 2 (one per platform)", n)
	}
	t.Logf("py-flask --no-cache: linux/amd64 %.1fs, linux/amd64+linux/arm64 %.1fs, ratio %.2f",
		one.Wall.Seconds(), two.Wall.Seconds(), two.Wall.Seconds()/one.Wall.Seconds())
}

// vertexDigests maps each vertex name of a rawjson progress stream to the
// distinct vertex digests that carried it.
func vertexDigests(stderr string) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(stderr))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var st struct {
			Vertexes []struct {
				Digest string `json:"digest"`
				Name   string `json:"name"`
			} `json:"vertexes"`
		}
		if json.Unmarshal(sc.Bytes(), &st) != nil {
			continue
		}
		for _, v := range st.Vertexes {
			if out[v.Name] == nil {
				out[v.Name] = map[string]bool{}
			}
			out[v.Name][v.Digest] = true
		}
	}
	return out
}
