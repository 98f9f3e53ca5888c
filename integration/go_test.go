package integration

import (
	"bytes"
	"debug/elf"
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

func TestGoHelloImage(t *testing.T) {
	needRig(t)
	archive, res := buildHello(t, filepath.Join(repoRoot(t), "examples", "go-hello"))
	img := readOCI(t, archive)

	// Named steps, as a user sees them in progress.
	for _, name := range []string{"[build 1/4] copy go.mod go.sum", "[build 2/4] go mod download",
		"[build 4/4] go build ./cmd/hello", "[runtime 1/2] copy hello",
		"[runtime 2/2] copy appbuild-probe (prebuilt, linux/amd64)", "[runtime 2/2] copy appbuild-probe (prebuilt, linux/arm64)"} {
		res.vertexNamed(t, name)
	}
	// The frontend image carries the probe for both platforms: none is
	// compiled in the build.
	for name := range res.Vertexes {
		if strings.Contains(name, "go build appbuild-probe") {
			t.Errorf("the probe was compiled: %q", name)
		}
	}

	if len(img.Manifests) != 2 {
		t.Fatalf("image has platforms %v, want linux/amd64 and linux/arm64", keys(img.Manifests))
	}
	for _, platform := range []string{"linux/amd64", "linux/arm64"} {
		t.Run(platform, func(t *testing.T) {
			cfg := img.Config(t, platform)
			c := cfg.Config
			if c.User != "65532:65532" {
				t.Errorf("user = %q, want 65532:65532", c.User)
			}
			if _, ok := c.ExposedPorts["8080/tcp"]; !ok || len(c.ExposedPorts) != 1 {
				t.Errorf("exposed ports = %v, want 8080/tcp", c.ExposedPorts)
			}
			if got := strings.Join(c.Entrypoint, " "); got != "/app/hello" {
				t.Errorf("entrypoint = %q", got)
			}
			if c.Healthcheck == nil || strings.Join(c.Healthcheck.Test, " ") != "CMD /app/appbuild-probe http://127.0.0.1:8080/healthz" {
				t.Errorf("healthcheck = %+v", c.Healthcheck)
			}
			for k, want := range map[string]string{
				"org.opencontainers.image.title":     "hello",
				"org.opencontainers.image.base.name": "gcr.io/distroless/static-debian13:nonroot",
				"org.opencontainers.image.created":   "2023-11-14T22:13:20Z",
			} {
				if got := c.Labels[k]; got != want {
					t.Errorf("label %s = %q, want %q", k, got, want)
				}
			}
			// buildx sends the checkout's commit; the frontend labels it.
			if head := gitHead(t); !strings.HasPrefix(c.Labels["org.opencontainers.image.revision"], head) {
				t.Errorf("revision label = %q, want the checkout's commit %s", c.Labels["org.opencontainers.image.revision"], head)
			}
			if d := c.Labels["org.opencontainers.image.base.digest"]; !strings.HasPrefix(d, "sha256:") {
				t.Errorf("base image not pinned: base.digest label = %q", d)
			}
			if cfg.Created == nil || cfg.Created.Unix() != 1700000000 {
				t.Errorf("created = %v, want SOURCE_DATE_EPOCH", cfg.Created)
			}

			files := img.Files(t, platform)
			for _, sh := range []string{"/bin/sh", "/bin/bash", "/bin/dash", "/usr/bin/sh", "/usr/bin/bash", "/busybox/sh", "/bin/busybox"} {
				if _, ok := files[sh]; ok {
					t.Errorf("runtime image has a shell: %s", sh)
				}
			}
			bin, ok := files["/app/hello"]
			if !ok {
				t.Fatal("no /app/hello in the image")
			}
			if bin.Header.Uid != 0 || bin.Header.Gid != 0 || bin.Header.Mode&0o022 != 0 {
				t.Errorf("/app/hello owner %d:%d mode %o: want root-owned, not writable by others", bin.Header.Uid, bin.Header.Gid, bin.Header.Mode)
			}
			if _, ok := files["/app/appbuild-probe"]; !ok {
				t.Error("no health probe in the image")
			}
			e, err := elf.NewFile(bytes.NewReader(bin.Data))
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]elf.Machine{"linux/amd64": elf.EM_X86_64, "linux/arm64": elf.EM_AARCH64}[platform]
			if e.Machine != want {
				t.Errorf("/app/hello is a %v binary, want %v", e.Machine, want)
			}
			if platform == "linux/arm64" {
				runUnderQEMU(t, bin.Data)
			}
		})
	}
}

// runUnderQEMU runs the arm64 binary with qemu-aarch64-static and asks it
// for /healthz: the cross-compiled binary really works on arm64.
func runUnderQEMU(t *testing.T, binary []byte) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hello-arm64")
	if err := os.WriteFile(p, binary, 0o755); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	cmd := exec.Command("qemu-aarch64-static", p)
	cmd.Env = []string{"PORT=" + port}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	body := waitHTTP(t, "http://127.0.0.1:"+port+"/healthz", 30*time.Second)
	if strings.TrimSpace(body) != "ok" {
		t.Errorf("arm64 binary under qemu answered %q (log: %s)", body, out.String())
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
	needRig(t)
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
	needRig(t)
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
