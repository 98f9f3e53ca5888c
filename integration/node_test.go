package integration

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/org/appbuild/integration/rigctl"
)

// nodeExample is one Node.js example and what its image must show.
type nodeExample struct {
	// name is the app's name; dir its directory in the repository.
	name, dir string
	// answer is in the body of GET /.
	answer string
	// install and prodInstall are the dependency installs' vertex names
	// (prefixes): the development install in deps, the production one.
	install, prodInstall string
	// build is the build script's vertex, "" when the app has none.
	build string
	// prodDeps must be in /app/node_modules, devOnly must not.
	prodDeps, devOnly []string
	// source is a source file the source-change test edits.
	source string
}

var nodeExamples = []nodeExample{{
	name: "node-express", dir: "examples/node-express", answer: "hello from appbuild (express)",
	install: "[deps 2/2] npm ci --no-audit", prodInstall: "[prod-deps 2/2] npm ci --omit=dev",
	prodDeps: []string{"express", "helmet"}, source: "app.js",
}, {
	name: "node-pnpm", dir: "examples/node-pnpm", answer: "hello from appbuild (fastify, built with pnpm)",
	install: "[deps 3/3] pnpm install --frozen-lockfile --store", prodInstall: "[prod-deps 3/3] pnpm install --frozen-lockfile --prod",
	build:    "[build 2/2] pnpm run build",
	prodDeps: []string{"fastify"}, devOnly: []string{"typescript", "@types/node"}, source: "src/app.ts",
}}

// appSteps are the image build's steps that make /app: the development
// install, the source and the build script when the app has one to run,
// else the source alone.
func (ex nodeExample) appSteps() []string {
	if ex.build == "" {
		return []string{"[app 1/2] copy source", "[app 2/2] remove the context's node_modules"}
	}
	return []string{ex.install, "[build 1/", ex.build, "[app 1/1] remove development node_modules"}
}

// sourceSteps are the image build's steps that a source change reruns,
// once for every platform.
func (ex nodeExample) sourceSteps() []string {
	if ex.build == "" {
		return []string{"[app 1/2] copy source"}
	}
	return []string{"[build 1/", ex.build}
}

// installs are the image build's dependency installs.
func (ex nodeExample) installs() []string {
	if ex.build == "" {
		return []string{ex.prodInstall}
	}
	return []string{ex.install, ex.prodInstall}
}

// nodeToken makes a unique secret value to look for.
func nodeToken(t *testing.T) string {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "appbuild-node-secret-" + hex.EncodeToString(b)
}

// nodeYarnBerry is a test app (not an example) on Yarn 4 with its default
// Plug'n'Play settings. yarn.lock records no install scripts, so for another
// platform its production install runs under emulation: the test covers
// that path too.
var nodeYarnBerry = nodeExample{
	name: "node-yarn-berry", dir: "integration/testdata/node-yarn-berry",
	answer:  "hello from appbuild (yarn berry), up 1m",
	install: "[deps 3/3] /opt/yarn-berry/bin/yarn install --immutable", prodInstall: "[prod-deps 3/3] /opt/yarn-berry/bin/yarn workspaces focus",
	prodDeps: []string{"ms"}, devOnly: []string{"is-number"}, source: "server.js",
}

// TestNodeYarnBerry gives the Yarn berry app the examples' checks.
func TestNodeYarnBerry(t *testing.T) {
	needTier(t, "node")
	nodeCheckExample(t, nodeYarnBerry)
}

// nodeWithSecret copies an example and makes its install steps read an
// npmrc build secret, required (secrets are optional by default); it returns the copy, the secret's file and the token
// in it.
func nodeWithSecret(t *testing.T, app string) (dir, secretFile, token string) {
	t.Helper()
	dir = copyDir(t, filepath.Join(repoRoot(t), app))
	f, err := os.OpenFile(filepath.Join(dir, "app.yaml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("secrets:\n  - id: npmrc\n    required: true\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	// An npmrc with a token, as a user's secret holds; 127.0.0.1:9 is never
	// contacted, the token is there to be looked for.
	token = nodeToken(t)
	secretFile = filepath.Join(t.TempDir(), "npmrc")
	if err := os.WriteFile(secretFile, []byte("//127.0.0.1:9/:_authToken="+token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, secretFile, token
}

// TestNodeExamples builds every Node example through `# syntax=org/appbuild`
// for linux/amd64 and linux/arm64 with an npm token passed as a build
// secret, checks both images' files and configs, runs the amd64 image in
// podman read-only, rebuilds after a source-only change, and runs the test
// target.
func TestNodeExamples(t *testing.T) {
	needTier(t, "node")
	for _, ex := range nodeExamples {
		t.Run(ex.name, func(t *testing.T) { nodeCheckExample(t, ex) })
	}
}

func nodeCheckExample(t *testing.T, ex nodeExample) {
	dir, secretFile, token := nodeWithSecret(t, ex.dir)
	secretArg := "id=npmrc,src=" + secretFile

	// The install steps really mount the secret: without it, once they
	// must run (a cached step needs no secret), the build fails, since the
	// spec says it is required.
	res := buildx(t, nil, "-f", filepath.Join(dir, "app.yaml"), "--platform", "linux/amd64", "--no-cache-filter", "deps,prod-deps", "-o", "type=cacheonly", dir)
	if res.Err == nil || !strings.Contains(res.Stderr, "npmrc") {
		t.Fatalf("build without the npmrc secret did not fail on it: %v\n%s", res.Err, tail(res.Stderr, 2000))
	}

	archive := filepath.Join(t.TempDir(), "image.tar")
	res = mustBuildx(t, []string{"SOURCE_DATE_EPOCH=" + epoch}, "-f", filepath.Join(dir, "app.yaml"),
		"--platform", "linux/amd64,linux/arm64", "--secret", secretArg, "-o", "type=oci,dest="+archive, dir)
	names := append(ex.appSteps(), ex.prodInstall, "[runtime 1/3] copy app", "[runtime 2/3] copy node_modules")
	for _, name := range names {
		res.vertexNamed(t, name)
	}
	if ex.build == "" {
		// Nothing to build: the development install is the test target's
		// alone, and the image does not wait for it.
		if got := nodeDigests(res, ex.install); len(got) > 0 {
			t.Errorf("the image build ran %s for an app without a build script", ex.install)
		}
	}

	img := readOCI(t, archive)
	if len(img.Manifests) != 2 {
		t.Fatalf("image has platforms %v, want linux/amd64 and linux/arm64", keys(img.Manifests))
	}
	for _, platform := range []string{"linux/amd64", "linux/arm64"} {
		t.Run(platform, func(t *testing.T) { nodeCheckImage(t, ex, img, platform) })
	}

	// No layer, config (history included), manifest or attestation holds
	// the token; the grep does find what is there (the app's title).
	if found := grepOCI(t, img, []byte(token)); len(found) > 0 {
		t.Errorf("the secret is in the image export: %v", found)
	}
	if found := grepOCI(t, img, []byte(`"org.opencontainers.image.title":"`+ex.name+`"`)); len(found) == 0 {
		t.Error("the grep found not even the image's title label: it cannot be trusted")
	}

	t.Run("source change", func(t *testing.T) { nodeSourceChange(t, ex, dir, secretArg) })
	t.Run("test target", func(t *testing.T) {
		res := mustBuildx(t, nil, testTargetArgs(dir, "--secret", secretArg)...)
		if !strings.Contains(res.Stderr, "pass 1\n") || !strings.Contains(res.Stderr, "fail 0\n") {
			t.Errorf("the app's tests did not pass in the log:\n%s", tail(res.Stderr, 3000))
		}
	})
}

// nodeCheckImage checks what is Node's own in one platform's image (the
// contract is TestExampleContract's): no package manager as a package,
// production dependencies only.
func nodeCheckImage(t *testing.T, ex nodeExample, img *ociLayout, platform string) {
	files := img.Files(t, platform)
	for p := range files {
		for _, m := range []string{"npm", "corepack", "pnpm", "yarn"} {
			if strings.Contains(p+"/", "/node_modules/"+m+"/") {
				t.Errorf("runtime image has a package manager: %s", p)
			}
		}
	}
	for _, dep := range ex.prodDeps {
		if _, ok := files["/app/node_modules/"+dep]; !ok {
			t.Errorf("production dependency %s is not in /app/node_modules", dep)
		}
	}
	pnpmDir := func(dep string) string { return "/app/node_modules/.pnpm/" + strings.ReplaceAll(dep, "/", "+") + "@" }
	for p := range files {
		for _, dep := range ex.devOnly {
			if strings.HasPrefix(p, "/app/node_modules/"+dep) || strings.HasPrefix(p, pnpmDir(dep)) {
				t.Errorf("development dependency in the image: %s", p)
			}
		}
	}
}

// nodeLoad builds the amd64 image of an app from a build file (app.yaml or a
// Dockerfile) as a Docker-media-type archive (podman reads HEALTHCHECK only
// from those), loads it into podman and returns its id.
func nodeLoad(t *testing.T, dir, file string, extra ...string) string {
	t.Helper()
	archive := filepath.Join(t.TempDir(), "image.tar")
	args := append([]string{"-f", filepath.Join(dir, file), "--platform", "linux/amd64",
		"-o", "type=docker,oci-mediatypes=false,dest=" + archive}, extra...)
	mustBuildx(t, nil, append(args, dir)...)
	out := mustPodman(t, "load", "-q", "-i", archive)
	image := out[strings.LastIndex(out, " ")+1:]
	t.Cleanup(func() { _, _ = podman(t, "rmi", "-f", image) })
	return image
}

// nodeSourceChange edits a source file: the rebuild reuses both dependency
// installs and reruns the source copy (and the build script).
func nodeSourceChange(t *testing.T, ex nodeExample, dir, secretArg string) {
	build := func() buildxResult {
		return mustBuildx(t, nil, "-f", filepath.Join(dir, "app.yaml"), "--platform", "linux/amd64",
			"--secret", secretArg, "-o", "type=cacheonly", dir)
	}
	build()
	src := filepath.Join(dir, ex.source)
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, []byte("\n// changed at "+time.Now().Format(time.RFC3339Nano)+"\n")...)
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	res := build()
	for _, name := range ex.installs() {
		if v := res.vertexNamed(t, name); !v.Cached {
			t.Errorf("%s ran again after a source-only change", name)
		}
	}
	for _, name := range ex.sourceSteps() {
		if v := res.vertexNamed(t, name); v.Cached {
			t.Errorf("%s was taken from the cache although %s changed", name, ex.source)
		}
	}
}

// nodeRegistry is a private npm registry on loopback that serves one
// package, only to requests carrying its token.
type nodeRegistry struct {
	url, token string
	tgz        []byte
	integrity  string

	mu                  sync.Mutex
	authorized, refused int
}

func newNodeRegistry(t *testing.T, token string) *nodeRegistry {
	t.Helper()
	r := &nodeRegistry{token: token}
	// A package whose content is new on every run, so no cache can answer
	// for the registry.
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, data := range map[string]string{
		"package/package.json": `{"name": "@appbuild-test/greeting", "version": "1.0.0", "main": "index.js"}`,
		"package/index.js":     fmt.Sprintf("module.exports = () => 'hello from a private package (%s)';\n", nodeToken(t)[len("appbuild-node-secret-"):]),
	} {
		_ = tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: time.Unix(1700000000, 0)})
		_, _ = tw.Write([]byte(data))
	}
	_ = tw.Close()
	_ = gz.Close()
	r.tgz = buf.Bytes()
	sum := sha512.Sum512(r.tgz)
	r.integrity = "sha512-" + base64.StdEncoding.EncodeToString(sum[:])

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.url = "http://" + l.Addr().String() + "/"
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return r
}

func (r *nodeRegistry) tarball() string {
	return r.url + "@appbuild-test/greeting/-/greeting-1.0.0.tgz"
}

func (r *nodeRegistry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	ok := req.Header.Get("Authorization") == "Bearer "+r.token
	if ok {
		r.authorized++
	} else {
		r.refused++
	}
	r.mu.Unlock()
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="appbuild-test"`)
		http.Error(w, "authentication required", http.StatusUnauthorized)
		return
	}
	switch req.URL.Path {
	case "/@appbuild-test/greeting/-/greeting-1.0.0.tgz":
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(r.tgz)
	case "/@appbuild-test/greeting", "/@appbuild-test%2fgreeting", "/@appbuild-test%2Fgreeting":
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"name":      "@appbuild-test/greeting",
			"dist-tags": map[string]string{"latest": "1.0.0"},
			"versions": map[string]any{"1.0.0": map[string]any{
				"name": "@appbuild-test/greeting", "version": "1.0.0",
				"dist": map[string]string{"tarball": r.tarball(), "integrity": r.integrity},
			}},
		})
	default:
		http.NotFound(w, req)
	}
}

func (r *nodeRegistry) counts() (authorized, refused int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.authorized, r.refused
}

// nodeLock writes the lock file of a package manager for an app that
// depends on the private registry's one package.
func (r *nodeRegistry) lock(manager string) (name, data string) {
	switch manager {
	case "pnpm":
		return "pnpm-lock.yaml", `lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .:
    dependencies:
      '@appbuild-test/greeting':
        specifier: 1.0.0
        version: 1.0.0

packages:

  '@appbuild-test/greeting@1.0.0':
    resolution: {integrity: ` + r.integrity + `}

snapshots:

  '@appbuild-test/greeting@1.0.0': {}
`
	case "yarn":
		sum := sha1.Sum(r.tgz)
		return "yarn.lock", "# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n\n\n" +
			"\"@appbuild-test/greeting@1.0.0\":\n" +
			"  version \"1.0.0\"\n" +
			"  resolved \"" + r.tarball() + "#" + hex.EncodeToString(sum[:]) + "\"\n" +
			"  integrity " + r.integrity + "\n"
	}
	lock, _ := json.MarshalIndent(map[string]any{
		"name": "private-app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
		"packages": map[string]any{
			"": map[string]any{"name": "private-app", "version": "1.0.0",
				"dependencies": map[string]string{"@appbuild-test/greeting": "1.0.0"}},
			"node_modules/@appbuild-test/greeting": map[string]any{"version": "1.0.0",
				"resolved": r.tarball(), "integrity": r.integrity},
		},
	}, "", "  ")
	return "package-lock.json", string(lock)
}

// TestNodePrivateRegistrySecret installs a package from a private registry
// that answers only with a token, with each package manager, the token
// passed as a build secret in the two ways a spec can take it: an npmrc file
// secret (which npm, pnpm and yarn all read), and an environment secret that
// the project's .npmrc reads. The registry sees the token, the package is in
// the image, and the token is in no layer, config or history.
func TestNodePrivateRegistrySecret(t *testing.T) {
	needTier(t, "node")
	registry := func(r *nodeRegistry) string { return "@appbuild-test:registry=" + r.url + "\n" }
	auth := func(r *nodeRegistry, token string) string {
		return strings.TrimPrefix(r.url, "http:") + ":_authToken=" + token + "\n"
	}
	npmrcFile := func(r *nodeRegistry) string { return registry(r) + auth(r, r.token) }
	cases := []struct {
		name, manager, spec string
		// npmrc is the project's .npmrc, if any; secret the secret's content.
		npmrc, secret func(r *nodeRegistry) string
		secretID      string
	}{
		{name: "npm npmrc file", manager: "npm", spec: "secrets:\n  - id: npmrc\n", secret: npmrcFile, secretID: "npmrc"},
		{name: "pnpm npmrc file", manager: "pnpm", spec: "secrets:\n  - id: npmrc\n", secret: npmrcFile, secretID: "npmrc"},
		{name: "yarn npmrc file", manager: "yarn", spec: "secrets:\n  - id: npmrc\n", secret: npmrcFile, secretID: "npmrc"},
		{
			name: "npm environment variable", manager: "npm",
			spec:     "secrets:\n  - id: npm_token\n    env: NPM_TOKEN\ndependencies:\n  files: [package.json, package-lock.json, .npmrc]\n",
			npmrc:    func(r *nodeRegistry) string { return registry(r) + auth(r, "${NPM_TOKEN}") },
			secret:   func(r *nodeRegistry) string { return r.token },
			secretID: "npm_token",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			token := nodeToken(t)
			reg := newNodeRegistry(t, token)
			lockName, lock := reg.lock(c.manager)
			files := map[string]string{
				"app.yaml":     "# syntax=org/appbuild\nname: private-app\nlanguage: node\nversion: \"24\"\nport: 8080\n" + c.spec,
				"package.json": `{"name": "private-app", "version": "1.0.0", "main": "index.js", "dependencies": {"@appbuild-test/greeting": "1.0.0"}}`,
				lockName:       lock,
				"index.js":     "const greeting = require('@appbuild-test/greeting');\nrequire('http').createServer((q, s) => s.end(greeting())).listen(process.env.PORT);\n",
			}
			if c.npmrc != nil {
				files[".npmrc"] = c.npmrc(reg)
			}
			dir := writeApp(t, files)
			secretFile := filepath.Join(t.TempDir(), "secret")
			if err := os.WriteFile(secretFile, []byte(c.secret(reg)), 0o600); err != nil {
				t.Fatal(err)
			}
			archive := filepath.Join(t.TempDir(), "image.tar")
			res := mustBuildx(t, nil, "-f", filepath.Join(dir, "app.yaml"), "--platform", "linux/amd64",
				"--secret", "id="+c.secretID+",src="+secretFile, "-o", "type=oci,dest="+archive, dir)
			// The package manager the lock file names did the installs.
			res.vertexNamed(t, "[prod-deps "+map[string]string{"npm": "2/2] npm ci", "pnpm": "3/3] pnpm install", "yarn": "2/2] yarn install"}[c.manager])

			authorized, refused := reg.counts()
			if authorized == 0 {
				t.Errorf("the registry never saw the token (%d requests refused)", refused)
			}
			t.Logf("registry: %d requests with the token, %d without", authorized, refused)
			img := readOCI(t, archive)
			files2 := img.Files(t, "linux/amd64")
			found := false
			for p := range files2 {
				found = found || strings.HasSuffix(p, "/node_modules/@appbuild-test/greeting/index.js")
			}
			if !found {
				t.Error("the private package is not in the image")
			}
			if found := grepOCI(t, img, []byte(token)); len(found) > 0 {
				t.Errorf("the secret is in the image export: %v", found)
			}
			for _, h := range img.Config(t, "linux/amd64").History {
				if strings.Contains(h.CreatedBy, token) {
					t.Errorf("the secret is in the history: %q", h.CreatedBy)
				}
			}
		})
	}
}

// nodeDigests returns the distinct vertex digests whose name starts with
// prefix in a build's raw solve status: a step built for two platforms
// shows twice, one shared by both once.
func nodeDigests(res buildxResult, prefix string) []string {
	var out []string
	for _, line := range strings.Split(res.Stderr, "\n") {
		var st struct {
			Vertexes []rigctl.Vertex `json:"vertexes"`
		}
		if json.Unmarshal([]byte(line), &st) != nil {
			continue
		}
		for _, v := range st.Vertexes {
			if strings.HasPrefix(v.Name, prefix) && !slices.Contains(out, v.Digest) {
				out = append(out, v.Digest)
			}
		}
	}
	return out
}

// TestNodeTwoPlatformBuildTime builds an app with every Node stage uncached
// (--no-cache-filter; the cache mounts stay warm, as on a developer's
// machine; the health probe, the same Go program for every language, stays
// cached) for linux/amd64, then for linux/amd64 and linux/arm64, in one run,
// and reports the time ratio. It
// shows which work runs once and which per platform: node-pnpm's production
// dependencies are pure JavaScript, so its installs run once, on the build
// platform, for both images; the Yarn berry app's lock file cannot tell, so
// its production install runs again for arm64, under emulation.
func TestNodeTwoPlatformBuildTime(t *testing.T) {
	needTier(t, "node")
	cases := []struct {
		app             nodeExample
		prodInstallRuns int
	}{{nodeExamples[1], 1}, {nodeYarnBerry, 2}}
	for _, c := range cases {
		t.Run(c.app.name, func(t *testing.T) {
			dir := filepath.Join(repoRoot(t), c.app.dir)
			build := func(platforms string) (time.Duration, buildxResult) {
				start := time.Now()
				res := mustBuildx(t, nil, "-f", filepath.Join(dir, "app.yaml"), "--no-cache-filter", "deps,build,app,prod-deps,runtime",
					"--platform", platforms, "-o", "type=cacheonly", dir)
				return time.Since(start), res
			}
			build("linux/amd64") // warm the cache mounts and the base images
			one, _ := build("linux/amd64")
			two, res := build("linux/amd64,linux/arm64")
			once := c.app.sourceSteps()
			if c.app.build != "" {
				once = append(once, c.app.install)
			}
			for _, name := range once {
				if n := len(nodeDigests(res, name)); n != 1 {
					t.Errorf("%s ran %d times for two platforms, want once", name, n)
				}
			}
			if n := len(nodeDigests(res, c.app.prodInstall)); n != c.prodInstallRuns {
				t.Errorf("%s ran %d times for two platforms, want %d", c.app.prodInstall, n, c.prodInstallRuns)
			}
			t.Logf("%s: linux/amd64 %.1fs, linux/amd64+linux/arm64 %.1fs, ratio %.2f (production install runs %d time(s))",
				c.app.name, one.Seconds(), two.Seconds(), two.Seconds()/one.Seconds(), c.prodInstallRuns)
		})
	}
}
