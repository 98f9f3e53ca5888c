package integration

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const staticDir = "examples/static-site"

// TestStaticSite builds examples/static-site (a Preact SPA bundled by
// esbuild in a package.json build script) through `# syntax=org/appbuild`
// for linux/amd64 and linux/arm64, checks both images, runs the amd64 one in
// podman read-only and talks to Caddy, rebuilds after a source-only change,
// and runs the test target.
func TestStaticSite(t *testing.T) {
	needTier(t, "static")
	dir := copyDir(t, filepath.Join(repoRoot(t), staticDir))

	archive := filepath.Join(t.TempDir(), "image.tar")
	start := time.Now()
	res := mustBuildx(t, []string{"SOURCE_DATE_EPOCH=" + epoch}, "-f", filepath.Join(dir, "app.yaml"),
		"--platform", "linux/amd64,linux/arm64", "-o", "type=oci,dest="+archive, dir)
	t.Logf("built linux/amd64 and linux/arm64 in %.1fs", time.Since(start).Seconds())
	// The install, the build and the Caddyfile are made once, on the build
	// platform, for both images; Caddy is each platform's own binary.
	for name, want := range map[string]int{"[deps 2/2] npm ci --no-audit": 1, "[build 2/2] npm run build": 1, "[caddy 1/3] write Caddyfile": 1, "[caddy 3/3] drop caddy's file capability": 2} {
		if n := len(nodeDigests(res, name)); n != want {
			t.Errorf("%s ran %d times for two platforms, want %d", name, n, want)
		}
	}
	img := readOCI(t, archive)
	if len(img.Manifests) != 2 {
		t.Fatalf("image has platforms %v, want linux/amd64 and linux/arm64", keys(img.Manifests))
	}
	for _, platform := range []string{"linux/amd64", "linux/arm64"} {
		t.Run(platform, func(t *testing.T) { staticCheckImage(t, img, platform) })
	}

	t.Run("podman", func(t *testing.T) { staticRunInPodman(t, dir) })
	t.Run("source change", func(t *testing.T) { staticSourceChange(t, dir) })
	t.Run("test target", func(t *testing.T) {
		res := mustBuildx(t, nil, testTargetArgs(dir)...)
		if !strings.Contains(res.Stderr, "pass 2\n") || !strings.Contains(res.Stderr, "fail 0\n") {
			t.Errorf("the site's tests did not pass in the log:\n%s", tail(res.Stderr, 3000))
		}
	})
}

// staticCheckImage checks what is the static site's own in one platform's
// image (the contract is TestExampleContract's): Caddy without its file
// capability, the built site and nothing of the build (no node, npm or Go).
func staticCheckImage(t *testing.T, img *ociLayout, platform string) {
	files := img.Files(t, platform)
	for _, p := range []string{"/usr/local/bin/node", "/nodejs/bin/node", "/usr/bin/node", "/usr/local/bin/npm", "/usr/local/go/bin/go"} {
		if _, ok := files[p]; ok {
			t.Errorf("runtime image has %s", p)
		}
	}
	caddy, ok := files["/usr/bin/caddy"]
	if !ok {
		t.Fatal("no /usr/bin/caddy in the image")
	}
	for k := range caddy.Header.PAXRecords {
		if strings.HasPrefix(k, "SCHILY.xattr.") {
			t.Errorf("/usr/bin/caddy keeps the extended attribute %s (the official binary's file capability)", k)
		}
	}
	var assets []string
	for p := range files {
		if strings.HasPrefix(p, "/app/site/assets/") {
			assets = append(assets, p)
		}
		if strings.Contains(p, "/node_modules/") || strings.HasPrefix(p, "/app/src/") {
			t.Errorf("build input in the runtime image: %s", p)
		}
	}
	if len(assets) != 1 || !regexp.MustCompile(`^/app/site/assets/main-[A-Z0-9]{8}\.js$`).MatchString(assets[0]) {
		t.Errorf("site assets = %v, want one hashed bundle", assets)
	}
	if !bytes.Contains(files["/app/site/index.html"].Data, []byte(strings.TrimPrefix(assets[0], "/app/site"))) {
		t.Errorf("index.html does not load the bundle:\n%s", files["/app/site/index.html"].Data)
	}
}

// staticGet requests a path as a browser does (asking for gzip, which the
// client then does not undo) and returns the answer.
func staticGet(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// staticRunInPodman runs the amd64 image read-only and checks what Caddy
// serves: the page, the SPA fallback, gzip, cache headers, the health path
// (the contract's run is TestExampleContract's).
func staticRunInPodman(t *testing.T, dir string) {
	image := nodeLoad(t, dir, "app.yaml")
	_, port := runContainer(t, image, "8080")
	base := "http://127.0.0.1:" + port

	index := waitHTTP(t, base+"/", 30*time.Second)
	if !strings.Contains(index, `<main id="app">`) {
		t.Fatalf("GET / answered:\n%s", index)
	}
	resp, body := staticGet(t, base+"/")
	if got := resp.Header.Get("Cache-Control"); got != "no-cache" {
		t.Errorf("GET /: Cache-Control %q, want no-cache", got)
	}
	if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("GET /: X-Content-Type-Options %q", got)
	}
	resp, spa := staticGet(t, base+"/some/spa/route")
	if resp.StatusCode != http.StatusOK || !bytes.Equal(spa, body) || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("GET /some/spa/route: %s, Cache-Control %q, body:\n%s", resp.Status, resp.Header.Get("Cache-Control"), spa)
	}
	bundle := regexp.MustCompile(`/assets/main-[A-Z0-9]{8}\.js`).Find(body)
	if bundle == nil {
		t.Fatalf("index.html names no bundle:\n%s", body)
	}
	resp, js := staticGet(t, base+string(bundle))
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" || !bytes.HasPrefix(js, []byte{0x1f, 0x8b}) {
		t.Errorf("GET %s: %s, Content-Encoding %q", bundle, resp.Status, resp.Header.Get("Content-Encoding"))
	}
	if got := resp.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
		t.Errorf("GET %s: Cache-Control %q, want immutable", bundle, got)
	}
	if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(got, "text/javascript") {
		t.Errorf("GET %s: Content-Type %q", bundle, got)
	}
	// An asset of an older build is missing, not index.html cached for a year.
	resp, _ = staticGet(t, base+"/assets/main-ZZZZ2345.js")
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Cache-Control") == "public, max-age=31536000, immutable" {
		t.Errorf("GET a missing hashed asset: %s, Cache-Control %q, want 404 not cached", resp.Status, resp.Header.Get("Cache-Control"))
	}
	resp, ok := staticGet(t, base+"/healthz")
	if resp.StatusCode != http.StatusOK || string(ok) != "ok" {
		t.Errorf("GET /healthz: %s %q", resp.Status, ok)
	}

	// With every capability dropped (compose's cap_drop: [ALL], Kubernetes'
	// restricted profile) caddy still starts: a binary that kept the official
	// image's file capability could not even be executed.
	args := append([]string{"run", "--rm", "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges"}, podmanLimits...)
	if out, err := podman(t, append(args, "--entrypoint", "/usr/bin/caddy", image, "version")...); err != nil || !strings.HasPrefix(out, "v2.") {
		t.Errorf("caddy version with all capabilities dropped: %q %v", out, err)
	}
}

// staticSourceChange edits a source file: the rebuild reuses the install
// and runs the build again.
func staticSourceChange(t *testing.T, dir string) {
	build := func() buildxResult {
		return mustBuildx(t, nil, "-f", filepath.Join(dir, "app.yaml"), "--platform", "linux/amd64", "-o", "type=cacheonly", dir)
	}
	build()
	src := filepath.Join(dir, "src", "routes.js")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	// A visible change: the bundle, and so the site, changes too.
	changed := bytes.Replace(data, []byte("from app.yaml."), []byte("from app.yaml at "+time.Now().Format(time.RFC3339Nano)+"."), 1)
	if bytes.Equal(changed, data) {
		t.Fatal("src/routes.js has no text to change")
	}
	if err := os.WriteFile(src, changed, 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res := build()
	t.Logf("rebuilt after a source change in %.1fs", time.Since(start).Seconds())
	if v := res.vertexNamed(t, "[deps 2/2] npm ci --no-audit"); !v.Cached {
		t.Error("npm ci ran again after a source-only change")
	}
	for _, name := range []string{"[build 1/2] copy source", "[build 2/2] npm run build", "[runtime 4/4] copy site"} {
		if v := res.vertexNamed(t, name); v.Cached {
			t.Errorf("%s was taken from the cache although src/routes.js changed", name)
		}
	}
}

// TestStaticPrebuiltSite builds a site with no package.json: the directory
// is served as it is, with the same SPA fallback.
func TestStaticPrebuiltSite(t *testing.T) {
	needTier(t, "static")
	dir := writeApp(t, map[string]string{
		"app.yaml":          "# syntax=org/appbuild\nname: prebuilt\nlanguage: static\nbuild: public\n",
		"public/index.html": "<!doctype html><title>prebuilt</title><p>prebuilt site</p>\n",
		"public/robots.txt": "User-agent: *\n",
		"notes.md":          "not served\n",
	})
	image := nodeLoad(t, dir, "app.yaml")
	id, port := runContainer(t, image, "8080")
	base := "http://127.0.0.1:" + port
	if body := waitHTTP(t, base+"/deep/link", 30*time.Second); !strings.Contains(body, "prebuilt site") {
		t.Errorf("GET /deep/link answered %q", body)
	}
	if body := waitHTTP(t, base+"/robots.txt", 5*time.Second); body != "User-agent: *\n" {
		t.Errorf("GET /robots.txt answered %q", body)
	}
	if resp, _ := staticGet(t, base+"/notes.md"); !strings.Contains(resp.Header.Get("Content-Type"), "html") {
		t.Errorf("a file outside build was served: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	if status := waitHealthy(t, id, 30*time.Second); status != "healthy" {
		t.Errorf("health status = %q, want healthy", status)
	}
}
