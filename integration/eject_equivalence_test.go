package integration

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
)

// buildTime is a file that records when the build ran, which no two
// builds share: Pattern (a regular expression) matches the time in it, and
// the comparison leaves out only what it matches.
type buildTime struct {
	File    string `json:"file"`
	Pattern string `json:"pattern"`
}

// pySecret passes the rig's Python index with its credentials, as the
// Python tests do.
func pySecret(t *testing.T) (env, args []string) {
	secret, _ := pyIndexSecret(t, "")
	return []string{pySecretEnv + "=" + secret}, []string{"--secret", "id=pip_index_url,env=" + pySecretEnv}
}

func javaSecret(t *testing.T) (env, args []string) { return nil, []string{"--secret", javaSettings(t)} }

// TestEjectEquivalence: for every example and linux/amd64 and linux/arm64,
// the Dockerfile that --target dockerfile writes, built by BuildKit's own
// Dockerfile frontend, gives the image appbuild gives: the same config
// (user, env, entrypoint, cmd, workdir, ports, healthcheck, labels but the
// frontend's own) and the same files (path, type, owner, mode and content
// hash); and its test stage runs the app's tests. Each example needs the
// rig tier named in ejectExamples.
func TestEjectEquivalence(t *testing.T) {
	eachExample(t, exampleTier, checkEjectEquivalence)
}

func checkEjectEquivalence(t *testing.T, ex exampleCase) {
	dir := copyDir(t, filepath.Join(repoRoot(t), "examples", ex.name))
	// The Dockerfile and .dockerignore go into the context, which both
	// builds then read.
	ex.build(t, dir, "app.yaml", "--target", "dockerfile", "-o", dir)
	for _, f := range []string{"Dockerfile", ".dockerignore"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("eject wrote no %s: %v", f, err)
		}
	}
	// No syntax line in the ejected file: BuildKit's built-in Dockerfile
	// frontend builds it.
	ours, theirs := filepath.Join(t.TempDir(), "appbuild.tar"), filepath.Join(t.TempDir(), "dockerfile.tar")
	platforms := strings.Join(ex.Platforms, ",")
	ex.build(t, dir, "app.yaml", "--platform", platforms, "-o", "type=oci,dest="+ours)
	ex.build(t, dir, "Dockerfile", "--platform", platforms, "-o", "type=oci,dest="+theirs)
	a, b := readOCI(t, ours), readOCI(t, theirs)
	for _, platform := range ex.Platforms {
		t.Run(platform, func(t *testing.T) {
			sameConfig(t, a.Config(t, platform), b.Config(t, platform))
			sameFiles(t, a.Files(t, platform), b.Files(t, platform), ex.OtherBytes[platform], ex.BuildTimes)
		})
	}
	t.Run("test target", func(t *testing.T) {
		ex.build(t, dir, "Dockerfile", "--progress=plain", "--target", "test", "--no-cache-filter", "test", "-o", "type=cacheonly")
	})
}

// frontendLabels are the labels appbuild's frontend adds from what it
// knows at build time (llbgen/image.go, frontend/build.go), which a plain
// Dockerfile build does not write.
var frontendLabels = []string{
	"org.opencontainers.image.created", "org.opencontainers.image.base.name", "org.opencontainers.image.base.digest",
	"org.opencontainers.image.source", "org.opencontainers.image.revision",
}

func sameConfig(t *testing.T, ours, theirs dockerspec.DockerOCIImage) {
	t.Helper()
	a, b := ours.Config, theirs.Config
	same := func(what string, x, y any) {
		if !reflect.DeepEqual(x, y) {
			t.Errorf("%s differs: appbuild %v, Dockerfile %v", what, x, y)
		}
	}
	same("user", a.User, b.User)
	same("entrypoint", orNone(a.Entrypoint), orNone(b.Entrypoint))
	same("cmd", orNone(a.Cmd), orNone(b.Cmd))
	same("workdir", a.WorkingDir, b.WorkingDir)
	same("env", sorted(a.Env), sorted(b.Env))
	same("exposed ports", keys(a.ExposedPorts), keys(b.ExposedPorts))
	same("healthcheck", a.Healthcheck, b.Healthcheck)
	same("labels", labelsBut(a.Labels), labelsBut(b.Labels))
}

func orNone(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func labelsBut(labels map[string]string) []string {
	var out []string
	for k, v := range labels {
		if !slices.Contains(frontendLabels, k) {
			out = append(out, k+"="+v)
		}
	}
	sort.Strings(out)
	return out
}

// sameFiles compares two flattened filesystems: every path, its type,
// owner and mode, and a regular file's content hash (for otherBytes, the
// ELF machine of a binary instead).
func sameFiles(t *testing.T, ours, theirs map[string]file, otherBytes []string, times []buildTime) {
	t.Helper()
	a, b := fileFacts(t, ours, otherBytes, times), fileFacts(t, theirs, otherBytes, times)
	var diffs []string
	for _, p := range sortedKeys(a, b) {
		if a[p] != b[p] {
			diffs = append(diffs, fmt.Sprintf("%s: appbuild %q, Dockerfile %q", p, a[p], b[p]))
		}
	}
	if len(diffs) > 0 {
		t.Errorf("%d files differ (of %d):\n%s", len(diffs), len(a), strings.Join(diffs[:min(len(diffs), 40)], "\n"))
	}
}

// fileFacts describes each file by what makes it the same file to the
// process that runs in the image. A build-time file is hashed with its
// time taken out, and must hold one.
func fileFacts(t *testing.T, files map[string]file, otherBytes []string, times []buildTime) map[string]string {
	t.Helper()
	out := map[string]string{}
	for p, f := range files {
		h := f.Header
		fact := fmt.Sprintf("%c %d:%d %o %s", h.Typeflag, h.Uid, h.Gid, h.Mode, h.Linkname)
		data := f.Data
		for _, bt := range times {
			if bt.File == p {
				re := regexp.MustCompile(bt.Pattern)
				if !re.Match(data) {
					t.Errorf("%s holds no build time matching %s", p, bt.Pattern)
				}
				data = re.ReplaceAll(data, []byte("(build time)"))
			}
		}
		switch {
		case slices.Contains(otherBytes, p):
			fact += " " + elfMachine(f.Data)
		case h.Typeflag == tar.TypeReg:
			sum := sha256.Sum256(data)
			fact += fmt.Sprintf(" %d sha256:%s", len(data), hex.EncodeToString(sum[:]))
		}
		out[p] = fact
	}
	return out
}

func elfMachine(data []byte) string {
	e, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return "not ELF"
	}
	return e.Machine.String()
}

func sortedKeys(a, b map[string]string) []string {
	var out []string
	for k := range a {
		out = append(out, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
