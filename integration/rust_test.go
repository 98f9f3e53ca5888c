package integration

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/org/appbuild/integration/rigctl"
)

// The Rust example and the vertices its builds show. The build stage has
// more steps for arm64 (the target's standard library and cross linker).
const (
	rustDir    = "examples/rust-hello"
	rustAnswer = "hello from appbuild (rust)"
)

var rustVertex = map[string]struct{ fetch, build string }{
	"linux/amd64": {"[build 3/5] cargo fetch --locked", "[build 5/5] cargo build --release --locked --bin rust-hello --target x86_64-unknown-linux-gnu"},
	"linux/arm64": {"[build 5/7] cargo fetch --locked", "[build 7/7] cargo build --release --locked --bin rust-hello --target aarch64-unknown-linux-gnu"},
}

// TestRustHello builds examples/rust-hello through `# syntax=org/appbuild`
// for linux/amd64 and linux/arm64 (arm64 cross-compiled on the amd64
// builder), checks both images, runs the arm64 binary under qemu and the
// amd64 image in podman read-only, rebuilds after a source-only change and
// runs the test target.
func TestRustHello(t *testing.T) {
	needTier(t, "rust")
	dir := copyDir(t, filepath.Join(repoRoot(t), rustDir))
	archive := filepath.Join(t.TempDir(), "image.tar")
	start := time.Now()
	res := mustBuildx(t, []string{"SOURCE_DATE_EPOCH=" + epoch}, "-f", filepath.Join(dir, "app.yaml"),
		"--platform", "linux/amd64,linux/arm64", "-o", "type=oci,dest="+archive, dir)
	t.Logf("two-platform build: %s", time.Since(start).Round(time.Second))
	for _, v := range rustVertex {
		res.vertexNamed(t, v.fetch)
		res.vertexNamed(t, v.build)
	}
	for _, name := range []string{"[build 1/7] rustup target add aarch64-unknown-linux-gnu",
		"[build 2/7] apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross", "[runtime 1/2] copy rust-hello"} {
		res.vertexNamed(t, name)
	}
	// The arm64 binary was compiled by the amd64 toolchain: no build step
	// ran on arm64.
	if strings.Contains(res.Stderr, "qemu") {
		t.Error("the build log mentions qemu")
	}

	img := readOCI(t, archive)
	if len(img.Manifests) != 2 {
		t.Fatalf("image has platforms %v, want linux/amd64 and linux/arm64", keys(img.Manifests))
	}
	for _, platform := range []string{"linux/amd64", "linux/arm64"} {
		t.Run(platform, func(t *testing.T) { rustCheckImage(t, img, platform) })
	}
	t.Run("podman", func(t *testing.T) { rustRunInPodman(t, dir) })
	t.Run("source change", func(t *testing.T) { rustSourceChange(t, dir) })
	t.Run("test target", func(t *testing.T) {
		res := mustBuildx(t, nil, testTargetArgs(dir)...)
		if !regexp.MustCompile(`test result: ok\. 3 passed`).MatchString(res.Stderr) {
			t.Errorf("the app's tests did not pass in the log:\n%s", tail(res.Stderr, 3000))
		}
	})
}

// rustCheckImage checks what is Rust's own in one platform's image (the
// contract is TestExampleContract's): no toolchain file, and a static binary.
func rustCheckImage(t *testing.T, img *ociLayout, platform string) {
	files := img.Files(t, platform)
	for p := range files {
		if strings.Contains(p, "/rustlib/") || strings.HasPrefix(p, "/usr/local/cargo") || strings.HasPrefix(p, "/usr/local/rustup") {
			t.Errorf("runtime image has toolchain file %s", p)
		}
	}
	f, ok := files["/app/rust-hello"]
	if !ok {
		t.Fatal("no /app/rust-hello in the image")
	}
	e, err := elf.NewFile(bytes.NewReader(f.Data))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]elf.Machine{"linux/amd64": elf.EM_X86_64, "linux/arm64": elf.EM_AARCH64}[platform]
	if e.Machine != want {
		t.Errorf("/app/rust-hello is a %v binary, want %v", e.Machine, want)
	}
	// Static: no program interpreter, no shared library needed.
	for _, p := range e.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("/app/rust-hello has a program interpreter: it is not static")
		}
	}
	if libs, _ := e.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("/app/rust-hello needs shared libraries %v", libs)
	}
	t.Logf("%s: /app/rust-hello is a static %v binary of %d bytes", platform, e.Machine, len(f.Data))
}

// rustRunInPodman runs the amd64 image and asks the app what it was built
// as (the contract's run is TestExampleContract's).
func rustRunInPodman(t *testing.T, dir string) {
	image := nodeLoad(t, dir, "app.yaml")
	_, port := runContainer(t, image, "8080")
	info := waitHTTP(t, "http://127.0.0.1:"+port+"/info", 30*time.Second)
	var v struct{ Name, Arch string }
	if err := json.Unmarshal([]byte(info), &v); err != nil || v.Name != "rust-hello" || v.Arch != "x86_64" {
		t.Errorf("/info = %s (%v)", info, err)
	}
	t.Logf("podman: /info %s", strings.TrimSpace(info))
}

// rustSourceChange edits a source file: the rebuild finds cargo fetch cached
// and recompiles the app's own crate only (the dependencies compiled by the
// first build are in the target cache mount).
func rustSourceChange(t *testing.T, dir string) {
	build := func(extra ...string) buildxResult {
		args := append([]string{"-f", filepath.Join(dir, "app.yaml"), "--platform", "linux/amd64", "-o", "type=cacheonly"}, extra...)
		return mustBuildx(t, nil, append(args, dir)...)
	}
	// The first build compiles for real: a cargo build step taken from the
	// cache fills no cache mount, and buildkitd's garbage collector drops
	// cache mounts (512 MB of them by default) before layers, so on a
	// daemon that has built much since, the target mount may be empty.
	build("--no-cache-filter", "build")
	src := fmt.Sprintf("/// The answer of GET /.\npub fn greeting() -> &'static str {\n    %q\n}\n", "changed at "+time.Now().Format(time.RFC3339Nano))
	if err := os.WriteFile(filepath.Join(dir, "src", "greeting.rs"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	res := build()
	v := rustVertex["linux/amd64"]
	if !res.vertexNamed(t, v.fetch).Cached {
		t.Error("cargo fetch ran again after a source-only change")
	}
	b := res.vertexNamed(t, v.build)
	if b.Cached {
		t.Fatal("cargo build was taken from the cache although a .rs file changed")
	}
	crates := rustCompiled(t, res, b.Digest)
	if len(crates) != 1 || crates[0] != "rust-hello" {
		t.Errorf("the rebuild compiled %v, want rust-hello alone; log:\n%s", crates, tail(rustVertexLog(t, res, b.Digest), 2000))
	}
	t.Logf("source change: cargo fetch cached; cargo build compiled %v in %s", crates, b.Completed.Sub(*b.Started).Round(100*time.Millisecond))
}

// rustCompiled lists the crates Cargo compiled in one vertex, in order.
func rustCompiled(t *testing.T, res buildxResult, digest string) []string {
	t.Helper()
	var crates []string
	for _, m := range regexp.MustCompile(`Compiling (\S+) v`).FindAllStringSubmatch(rustVertexLog(t, res, digest), -1) {
		crates = append(crates, m[1])
	}
	return crates
}

// rustVertexLog collects one vertex's log from the rawjson progress.
func rustVertexLog(t *testing.T, res buildxResult, digest string) string {
	t.Helper()
	var out strings.Builder
	sc := bufio.NewScanner(strings.NewReader(res.Stderr))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var st struct {
			Logs []struct {
				Vertex string `json:"vertex"`
				Data   []byte `json:"data"`
			} `json:"logs"`
		}
		if json.Unmarshal(sc.Bytes(), &st) != nil {
			continue
		}
		for _, l := range st.Logs {
			if l.Vertex == digest {
				out.Write(l.Data)
			}
		}
	}
	return out.String()
}

// TestRustDepsLayerAcrossDaemons is a CI runner's source change with
// APPBUILD_DEPS=layer: one cold daemon builds rust-hello and exports its
// cache to the registry (mode=max); the source changes; a second cold
// daemon imports that cache. The dependencies were compiled in a layer of
// their own, so the second daemon takes it from the registry and cargo
// compiles the app's crate alone (with the target directory a cache mount,
// which is never exported, it compiled every dependency again).
func TestRustDepsLayerAcrossDaemons(t *testing.T) {
	needTier(t, "rust")
	_, first := extraDaemon(t, "rust-first")
	_, second := extraDaemon(t, "rust-second")
	dir := copyDir(t, filepath.Join(repoRoot(t), rustDir))
	ref := fmt.Sprintf("%s/appbuild-cache/rust-hello:%d", os.Getenv("APPBUILD_REGISTRY"), time.Now().UnixNano())
	args := []string{"-f", filepath.Join(dir, "app.yaml"), "--platform", "linux/amd64", "-o", "type=cacheonly", "--build-arg", "APPBUILD_DEPS=layer"}
	const (
		fetch = "[build 3/6] cargo fetch --locked"
		deps  = "[build 4/6] cargo build --release --locked --target x86_64-unknown-linux-gnu (dependencies)"
		build = "[build 6/6] cargo build --release --locked --bin rust-hello --target x86_64-unknown-linux-gnu"
	)
	compiled := func(res buildxResult, step string) []string {
		return rustCompiled(t, res, res.vertexNamed(t, step).Digest)
	}

	a := buildxResult{rigctl.Buildx(context.Background(), first, nil, append(args, "--cache-to", "type=registry,mode=max,ref="+ref, dir)...)}
	if a.Err != nil {
		t.Fatalf("first daemon: %v\n%s", a.Err, tail(a.Stderr, 3000))
	}
	depCrates := compiled(a, deps)
	if len(depCrates) < 2 || !slices.Contains(depCrates, "rust-hello") {
		// The stub is the package itself: it compiles last, as rust-hello.
		t.Fatalf("the deps step compiled %v: want the dependencies and the stub", depCrates)
	}
	if got := compiled(a, build); !slices.Equal(got, []string{"rust-hello"}) {
		t.Errorf("first daemon: the build step compiled %v after the deps step, want rust-hello alone", got)
	}

	src := fmt.Sprintf("/// The answer of GET /.\npub fn greeting() -> &'static str {\n    %q\n}\n", "changed at "+time.Now().Format(time.RFC3339Nano))
	if err := os.WriteFile(filepath.Join(dir, "src", "greeting.rs"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	b := buildxResult{rigctl.Buildx(context.Background(), second, nil, append(args, "--cache-from", "type=registry,ref="+ref, dir)...)}
	if b.Err != nil {
		t.Fatalf("second daemon: %v\n%s", b.Err, tail(b.Stderr, 3000))
	}
	for _, step := range []string{fetch, deps} {
		if !b.vertexNamed(t, step).Cached {
			t.Errorf("the cold daemon ran %q instead of importing it", step)
		}
	}
	got := compiled(b, build)
	if !slices.Equal(got, []string{"rust-hello"}) {
		t.Errorf("second daemon: cargo build compiled %v, want rust-hello alone", got)
	}
	v := b.vertexNamed(t, build)
	t.Logf("first daemon (cold, exports cache): %.1fs, the deps step compiled %d crates; second daemon (cold, imports, source changed): %.1fs, cargo build compiled %v in %s",
		a.Wall.Seconds(), len(depCrates), b.Wall.Seconds(), got, v.Completed.Sub(*v.Started).Round(100*time.Millisecond))
}

// TestRustDepsLayerBuildScript: a manifest that names its build script
// cannot be compiled against the stub (the script comes with the source),
// so with APPBUILD_DEPS=layer the deps step says so and the build step
// compiles the dependencies itself: the build still succeeds.
func TestRustDepsLayerBuildScript(t *testing.T) {
	needTier(t, "rust")
	dir := copyDir(t, filepath.Join(repoRoot(t), rustDir))
	manifest := filepath.Join(dir, "Cargo.toml")
	data, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.Replace(data, []byte("publish = false\n"), []byte("publish = false\nbuild = \"build.rs\"\n"), 1)
	if err := os.WriteFile(manifest, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "build.rs"), []byte("fn main() {\n    println!(\"cargo:rerun-if-changed=build.rs\");\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := mustBuildx(t, nil, "-f", filepath.Join(dir, "app.yaml"), "--platform", "linux/amd64", "-o", "type=cacheonly",
		"--build-arg", "APPBUILD_DEPS=layer", "--no-cache-filter", "build", dir)
	deps := rustVertexLog(t, res, res.vertexNamed(t, "[build 4/6] cargo build --release --locked --target x86_64-unknown-linux-gnu (dependencies)").Digest)
	said := strings.Index(deps, "appbuild: the dependencies were not compiled ahead of the source")
	if said < 0 {
		t.Fatalf("the deps step did not say it left the dependencies to the build step; its log:\n%s", tail(deps, 2000))
	}
	build := res.vertexNamed(t, "[build 6/6] cargo build --release --locked --bin rust-hello").Digest
	compiled := rustCompiled(t, res, build)
	if len(compiled) < 2 {
		t.Errorf("the build step compiled %d crates, want the dependencies too; its log:\n%s", len(compiled), tail(rustVertexLog(t, res, build), 2000))
	}
	t.Logf("deps step: %q; build step compiled %d crates", strings.TrimSpace(deps[said:]), len(compiled))
}
