package integration

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// exampleCase is an example's examples/NAME/test.json: what the image
// contract means for that app. Everything the contract itself fixes (uid
// 65532, no shell, no package manager or compiler, a read-only root, a
// pinned base, SOURCE_DATE_EPOCH) is checked the same way for every
// example by TestExampleContract.
type exampleCase struct {
	name string
	// Tier is the rig tier the example's builds need (integration/rig/tiers.mk).
	Tier string `json:"tier"`
	// Skip, when set, says why the example cannot be built here.
	Skip string `json:"skip"`
	// Secret names the build secret the example needs: "pip_index_url"
	// or "maven_settings" (the rig's index and repository).
	Secret string `json:"secret"`
	// Platforms the image is built for; each is run (arm64 under qemu).
	Platforms []string `json:"platforms"`
	// Base is the image.base.name label: the runtime image.
	Base string `json:"base"`
	// Entrypoint is the image's entrypoint.
	Entrypoint []string `json:"entrypoint"`
	// Env holds entries the image's environment must have.
	Env []string `json:"env"`
	// Port is the container port the app serves; Path and Body what GET
	// answers there (Body is a substring of the answer).
	Port string `json:"port"`
	Path string `json:"path"`
	Body string `json:"body"`
	// Healthcheck is the HEALTHCHECK test, joined by spaces.
	Healthcheck string `json:"healthcheck"`
	// Owned are the directories of the app (root-owned, not writable by
	// the app's process, every native file built for the platform).
	Owned []string `json:"owned"`
	// Files must be in the image on every platform.
	Files []string `json:"files"`
	// MaxCompressedMB bounds the sum of the compressed layers per platform.
	MaxCompressedMB float64 `json:"max_compressed_mb"`
	// StartSeconds bounds how long the app takes to answer natively;
	// under qemu it gets four times as long.
	StartSeconds int `json:"start_seconds"`
	// Baseline is the hand-written Dockerfile the image is held against
	// (TestExampleSizeAgainstBaseline), built from BaselineTier ("" for
	// Tier); BaselineSmaller, when set, says why the baseline's image may
	// be the smaller one.
	Baseline        string `json:"baseline"`
	BaselineTier    string `json:"baseline_tier"`
	BaselineSmaller string `json:"baseline_smaller"`
	// OtherBytes are, per platform, files whose bytes the ejected
	// Dockerfile may build differently (see TestEjectEquivalence).
	OtherBytes map[string][]string `json:"eject_other_bytes"`
	// BuildTimes are files that record when the build ran (see
	// TestEjectEquivalence).
	BuildTimes []buildTime `json:"eject_build_times"`
}

// exampleCases reads every examples/*/test.json; an example without one
// fails the test, so a new example is never left out of the contract.
func exampleCases(t *testing.T) []exampleCase {
	t.Helper()
	specs, err := filepath.Glob(filepath.Join(repoRoot(t), "examples", "*", "app.yaml"))
	if err != nil || len(specs) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	var cases []exampleCase
	for _, spec := range specs {
		dir := filepath.Dir(spec)
		data, err := os.ReadFile(filepath.Join(dir, "test.json"))
		if err != nil {
			t.Errorf("example %s has no test.json: %v", filepath.Base(dir), err)
			continue
		}
		ex := exampleCase{name: filepath.Base(dir)}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&ex); err != nil {
			t.Fatalf("%s/test.json: %v", ex.name, err)
		}
		cases = append(cases, ex)
	}
	return cases
}

// eachExample runs check for every example (those test.json skips are
// skipped with its reason) in parallel subtests, two at a time on these
// machines (-parallel is GOMAXPROCS), each after its rig tier is up.
func eachExample(t *testing.T, tier func(exampleCase) string, check func(*testing.T, exampleCase)) {
	for _, ex := range exampleCases(t) {
		t.Run(ex.name, func(t *testing.T) {
			if ex.Skip != "" {
				t.Skip(ex.Skip)
			}
			t.Parallel()
			needTier(t, tier(ex))
			check(t, ex)
		})
	}
}

func exampleTier(ex exampleCase) string { return ex.Tier }

// secretArgs are the environment and buildx flags for the example's secret.
func (ex exampleCase) secretArgs(t *testing.T) (env, args []string) {
	switch ex.Secret {
	case "":
		return nil, nil
	case "pip_index_url":
		return pySecret(t)
	case "maven_settings":
		return javaSecret(t)
	}
	t.Fatalf("%s/test.json: unknown secret %q", ex.name, ex.Secret)
	return nil, nil
}

// build builds the example from file (app.yaml or an ejected Dockerfile)
// in dir with its secret and SOURCE_DATE_EPOCH; extra goes before the
// context.
func (ex exampleCase) build(t *testing.T, dir, file string, extra ...string) buildxResult {
	t.Helper()
	env, secrets := ex.secretArgs(t)
	env = append(env, "SOURCE_DATE_EPOCH="+epoch)
	args := append(append([]string{"-f", filepath.Join(dir, file)}, secrets...), extra...)
	return mustBuildx(t, env, append(args, dir)...)
}

// TestExampleContract builds every example for each of its platforms and
// holds each image to the contract (DESIGN.md): the config (user,
// entrypoint, healthcheck, pinned base, labels, SOURCE_DATE_EPOCH), the
// files (no shell, package manager, compiler or cache; the app root-owned
// and built for the platform; a bounded size), and the running container
// on each platform (amd64 natively, arm64 under qemu): it answers, turns
// healthy, runs as uid 65532 on a read-only root and cannot start a shell.
// Examples run two at a time.
func TestExampleContract(t *testing.T) {
	eachExample(t, exampleTier, func(t *testing.T, ex exampleCase) {
		dir := filepath.Join(repoRoot(t), "examples", ex.name)
		archive := filepath.Join(t.TempDir(), "image.tar")
		ex.build(t, dir, "app.yaml", "--platform", strings.Join(ex.Platforms, ","), "-o", "type=oci,dest="+archive)
		img := readOCI(t, archive)
		if got := sorted(keys(img.Manifests)); !slices.Equal(got, sorted(ex.Platforms)) {
			t.Fatalf("image has platforms %v, want %v", got, ex.Platforms)
		}
		for _, platform := range ex.Platforms {
			t.Run(platform, func(t *testing.T) {
				checkContractConfig(t, ex, img.Config(t, platform).Config)
				checkContractFiles(t, ex, img.Files(t, platform), platform)
				compressed, _ := imageSize(t, img, platform)
				if mb := float64(compressed) / 1e6; mb > ex.MaxCompressedMB {
					t.Errorf("%.1f MB compressed, over the example's bound of %.1f MB", mb, ex.MaxCompressedMB)
				} else {
					t.Logf("%.1f MB compressed (bound %.1f MB)", mb, ex.MaxCompressedMB)
				}
				checkContractRun(t, ex, dir, platform)
			})
		}
	})
}

// TestExampleSizeAgainstBaseline builds each example and its hand-written
// Dockerfile (test.json's baseline) for linux/amd64, runs both (each must
// answer), and holds appbuild's image to be the smaller in compressed
// layers and in the size podman reports, unless test.json says why not.
// The figures are logged side by side; the benchmark (make bench) has the
// build times.
func TestExampleSizeAgainstBaseline(t *testing.T) {
	baselineTier := func(ex exampleCase) string { return cmp.Or(ex.BaselineTier, ex.Tier) }
	eachExample(t, baselineTier, func(t *testing.T, ex exampleCase) {
		if ex.Baseline == "" {
			t.Skip("no hand-written Dockerfile in test.json")
		}
		dir := filepath.Join(repoRoot(t), "examples", ex.name)
		var sizes [2][2]int64
		for i, file := range []string{"app.yaml", ex.Baseline} {
			sizes[i] = measureImage(t, ex, dir, file)
		}
		ours, theirs := sizes[0], sizes[1]
		t.Logf("linux/amd64: appbuild %.1f MB compressed, %.1f MB in podman; %s %.1f MB, %.1f MB (ratios %.2f, %.2f)",
			mb(ours[0]), mb(ours[1]), ex.Baseline, mb(theirs[0]), mb(theirs[1]),
			float64(ours[0])/float64(theirs[0]), float64(ours[1])/float64(theirs[1]))
		if (ours[0] >= theirs[0] || ours[1] >= theirs[1]) && ex.BaselineSmaller == "" {
			t.Errorf("appbuild's image is not smaller than %s's", ex.Baseline)
		}
	})
}

func mb(n int64) float64 { return float64(n) / 1e6 }

// measureImage builds one amd64 image of the example from file, runs it
// (it must answer test.json's body) and returns its compressed layers'
// size and the size podman reports.
func measureImage(t *testing.T, ex exampleCase, dir, file string) [2]int64 {
	t.Helper()
	oci := filepath.Join(t.TempDir(), "image.tar")
	ex.build(t, dir, file, "--platform", "linux/amd64", "-o", "type=oci,dest="+oci)
	compressed, _ := imageSize(t, readOCI(t, oci), "linux/amd64")
	image := loadImage(t, ex, dir, file, "linux/amd64")
	var unpacked int64
	if _, err := fmt.Sscan(mustPodman(t, "image", "inspect", "--format", "{{.Size}}", image), &unpacked); err != nil {
		t.Fatal(err)
	}
	_, port := runContainer(t, image, ex.Port)
	if body := waitHTTP(t, "http://127.0.0.1:"+port+ex.Path, time.Duration(ex.StartSeconds)*time.Second); !strings.Contains(body, ex.Body) {
		t.Errorf("%s's image answered %q", file, body)
	}
	return [2]int64{compressed, unpacked}
}

// loadImage builds one platform of the example from file as a
// Docker-media-type archive (podman reads HEALTHCHECK only from those),
// loads it into podman and returns its id.
func loadImage(t *testing.T, ex exampleCase, dir, file, platform string) string {
	t.Helper()
	archive := filepath.Join(t.TempDir(), "image.tar")
	ex.build(t, dir, file, "--platform", platform, "-o", "type=docker,oci-mediatypes=false,dest="+archive)
	out := mustPodman(t, "load", "-q", "-i", archive)
	image := out[strings.LastIndex(out, " ")+1:]
	t.Cleanup(func() { _, _ = podman(t, "rmi", "-f", image) })
	return image
}
