package integration

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
)

// The contract's checks, one function per part, shared by every example
// (TestExampleContract) and by the tests that build an app of their own.

// checkContractConfig checks an image config against the contract and the
// example's test.json.
func checkContractConfig(t *testing.T, ex exampleCase, c dockerspec.DockerOCIImageConfig) {
	t.Helper()
	if c.User != "65532:65532" {
		t.Errorf("user = %q, want 65532:65532", c.User)
	}
	if !slices.Equal(c.Entrypoint, ex.Entrypoint) {
		t.Errorf("entrypoint = %q, want %q", c.Entrypoint, ex.Entrypoint)
	}
	if c.Healthcheck == nil || strings.Join(c.Healthcheck.Test, " ") != ex.Healthcheck {
		t.Errorf("healthcheck = %+v, want %s", c.Healthcheck, ex.Healthcheck)
	}
	if _, ok := c.ExposedPorts[ex.Port+"/tcp"]; !ok || len(c.ExposedPorts) != 1 {
		t.Errorf("exposed ports = %v, want %s/tcp", c.ExposedPorts, ex.Port)
	}
	for _, e := range ex.Env {
		if !slices.Contains(c.Env, e) {
			t.Errorf("env %v has no %s", c.Env, e)
		}
	}
	for k, want := range map[string]string{
		"org.opencontainers.image.base.name": ex.Base,
		"org.opencontainers.image.created":   time.Unix(1700000000, 0).UTC().Format(time.RFC3339),
	} {
		if got := c.Labels[k]; got != want {
			t.Errorf("label %s = %q, want %q", k, got, want)
		}
	}
	if d := c.Labels["org.opencontainers.image.base.digest"]; !strings.HasPrefix(d, "sha256:") {
		t.Errorf("base image not pinned: base.digest label = %q", d)
	}
	if c.Labels["org.opencontainers.image.title"] == "" {
		t.Error("no image.title label")
	}
	// buildx sends the checkout's commit; the frontend labels it.
	if head := gitHead(t); !strings.HasPrefix(c.Labels["org.opencontainers.image.revision"], head) {
		t.Errorf("revision label = %q, want the checkout's commit %s", c.Labels["org.opencontainers.image.revision"], head)
	}
}

// buildTools are commands no runtime image may hold in a bin directory:
// shells, package managers, compilers and build tools.
var buildTools = []string{
	"sh", "bash", "dash", "ash", "busybox",
	"apt", "apt-get", "dpkg", "apk",
	"pip", "pip3", "poetry", "uv", "npm", "npx", "corepack", "pnpm", "yarn", "mvn", "gradle",
	"gcc", "cc", "c++", "ld", "javac", "jar", "jshell", "go", "rustc", "cargo",
}

// checkContractFiles checks a platform's flattened filesystem: no shell,
// package manager, compiler or build cache; every native file built for
// the platform; the app's directories owned by root and not writable by
// others; the example's files present.
func checkContractFiles(t *testing.T, ex exampleCase, files map[string]file, platform string) {
	t.Helper()
	machine := map[string]elf.Machine{"linux/amd64": elf.EM_X86_64, "linux/arm64": elf.EM_AARCH64}[platform]
	native := 0
	for p, f := range files {
		dir, base := path.Dir(p), path.Base(p)
		if (strings.HasSuffix(dir, "/bin") || strings.HasSuffix(dir, "/sbin")) && slices.Contains(buildTools, base) {
			t.Errorf("runtime image has a shell or build tool: %s", p)
		}
		for _, cache := range []string{"/root/.cache/", "/root/.m2/", "/root/.npm/", "/root/.cargo/", "/var/cache/apt/", "/var/lib/apt/lists/"} {
			if strings.HasPrefix(p+"/", cache) {
				t.Errorf("runtime image has a build cache: %s", p)
			}
		}
		h := f.Header
		if h.Typeflag == tar.TypeReg && bytes.HasPrefix(f.Data, []byte("\x7fELF")) {
			native++
			if e, err := elf.NewFile(bytes.NewReader(f.Data)); err != nil || e.Machine != machine {
				t.Errorf("%s is not a %v binary (%v)", p, machine, err)
			}
		}
		if ownedBy(ex.Owned, p) && (h.Uid != 0 || h.Gid != 0 || h.Typeflag != tar.TypeSymlink && h.Mode&0o022 != 0) {
			t.Errorf("%s: owner %d:%d mode %o, want root-owned and not writable by others", p, h.Uid, h.Gid, h.Mode)
		}
	}
	if native == 0 {
		t.Error("no native file in the image (the health probe at least is one)")
	}
	for _, p := range ex.Files {
		if _, ok := files[p]; !ok {
			t.Errorf("no %s in the image", p)
		}
	}
}

func ownedBy(dirs []string, p string) bool {
	for _, d := range dirs {
		if p == d || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

// checkContractRun loads one platform's image into podman and runs it
// read-only: the app answers, the HEALTHCHECK passes, the process runs as
// uid 65532 and no shell starts. arm64 runs under qemu (binfmt), with four
// times the time to start.
func checkContractRun(t *testing.T, ex exampleCase, dir, platform string) {
	t.Helper()
	image := loadImage(t, ex, dir, "app.yaml", platform)

	within := time.Duration(ex.StartSeconds) * time.Second
	if platform != "linux/amd64" {
		within *= 4
	}
	id, port := runContainer(t, image, ex.Port)
	body := waitHTTP(t, "http://127.0.0.1:"+port+ex.Path, within)
	if !strings.Contains(body, ex.Body) {
		t.Errorf("GET %s answered %q, want it to hold %q", ex.Path, body, ex.Body)
	}
	checkRuntimeContract(t, id, within)
	if arch := mustPodman(t, "image", "inspect", "--format", "{{.Architecture}}", image); "linux/"+arch != platform {
		t.Errorf("podman ran a %s image, want %s", arch, platform)
	}
}
