package contract

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/spec"
)

const (
	// AppDir holds the app's files in every runtime image, owned by root so
	// the non-root process cannot change them; it is the default workdir.
	AppDir = spec.AppDir
	// RootOwner owns everything appbuild copies into a runtime image.
	RootOwner = "0:0"
)

// Env is what the contract needs to know about the build besides the spec.
type Env struct {
	// TargetPlatform is the platform of the image being built.
	TargetPlatform ocispecs.Platform
	// Probe is appbuild-probe prebuilt for TargetPlatform, or nil (see
	// installProbe).
	Probe *PrebuiltProbe
}

// PrebuiltProbe is appbuild-probe in an image.
type PrebuiltProbe struct {
	// Image is the image reference (the frontend's), used for the build
	// platform, the platform the frontend itself runs on.
	Image string
	// Path is the probe's file in it.
	Path string
}

// Build is what a language profile plans: its own stages and how its app
// starts. Everything else in the plan comes from Assemble.
type Build struct {
	// Stages are the language's stages in order, without the test and
	// runtime stages.
	Stages []plan.Stage
	// Test says how the app's tests run, or is nil for an app with none
	// (a prebuilt static site).
	Test *Test
	// Runtime is the runtime stage's base and the steps that copy the app
	// into it; Assemble names it and adds the probe.
	Runtime plan.Stage
	// Last are runtime steps that go after the probe: what changes most
	// often (a static site's files), so the probe's layer stays cached.
	Last []plan.Step
	// Entrypoint starts the app; the spec's entrypoint wins.
	Entrypoint []string
	// Env are the language's runtime variables; the spec's env wins.
	Env map[string]string
	// Toolchain is the version the base images were chosen by (nil for a
	// language with one version).
	Toolchain *plan.Toolchain
	// ProbeGo is the golang image the probe is compiled with when it is
	// not prebuilt: a Go app's own builder, so a Go build pulls one image;
	// empty means GoImage.
	ProbeGo string
}

// Test is how a language runs the app's own tests.
type Test struct {
	// From is the stage the tests run in; the test stage is placed right
	// after it.
	From string
	// OnBuildPlatform is true where the tests can run natively.
	OnBuildPlatform bool
	Workdir         string
	Env             []string
	// Step names the test step, like "go test".
	Step string
	// Run is the language's default test command with its mounts; the
	// spec's test replaces its arguments.
	Run plan.Run
}

// Assemble makes the plan of an app from its language's build: the test
// stage, the probe, the runtime stage and the image config.
func Assemble(s *spec.Spec, b Build, env Env) (*plan.Plan, error) {
	img, err := image(s, b.Entrypoint, b.Env)
	if err != nil {
		return nil, err
	}
	stages, testName := withTest(s, b.Stages, b.Test)
	runtime := b.Runtime
	runtime.Name = runtimeStage
	runtime.Steps = slices.Clone(runtime.Steps)
	if NeedsProbe(s) {
		probeGo := b.ProbeGo
		if probeGo == "" {
			probeGo = GoImage
		}
		var step plan.Step
		stages, step = installProbe(env, probeGo, stages)
		runtime.Steps = append(runtime.Steps, step)
	}
	runtime.Steps = append(runtime.Steps, b.Last...)
	runtime.Steps = append(runtime.Steps, volumeDirs(s)...)
	stages = append(stages, runtime)
	return &plan.Plan{ContextDir: s.Dir, Stages: stages, Final: runtimeStage, Test: testName, Image: img, Toolchain: b.Toolchain}, nil
}

// volumeDirs makes each volume's directory, owned by the app's user: the
// one place on a read-only root the app can write, and what a fresh
// volume mounted there starts as (a runtime copies the image's directory,
// owner included, into an empty named volume).
func volumeDirs(s *spec.Spec) []plan.Step {
	uid, gid, _ := s.UserIDs()
	owner := fmt.Sprintf("%d:%d", uid, gid)
	var steps []plan.Step
	for i, v := range s.Volumes {
		steps = append(steps, plan.Step{
			Name:   "volume " + v,
			Origin: []string{fmt.Sprintf("volumes[%d]", i)},
			Mkdir:  &plan.Mkdir{Path: v, Owner: owner},
		})
	}
	return steps
}

// runtimeStage is the stage the image is.
const runtimeStage = "runtime"

// testStage is the stage the test target builds.
const testStage = "test"

// withTest places the test stage right after the stage it runs in, so a
// plan reads in build order, and returns its name ("" without tests).
func withTest(s *spec.Spec, stages []plan.Stage, t *Test) ([]plan.Stage, string) {
	if t == nil {
		return slices.Clone(stages), ""
	}
	run := t.Run
	if len(s.Test) > 0 {
		run.Args = s.Test
	}
	test := plan.Stage{
		Name:            testStage,
		From:            plan.Base{Stage: t.From},
		OnBuildPlatform: t.OnBuildPlatform,
		Workdir:         t.Workdir,
		Env:             t.Env,
		Steps:           []plan.Step{{Name: t.Step, Origin: []string{"test"}, Run: &run}},
	}
	at := len(stages)
	for i, st := range stages {
		if st.Name == t.From {
			at = i + 1
		}
	}
	return slices.Insert(slices.Clone(stages), at, test), testStage
}

// SortedEnv renders a map as KEY=VALUE lines sorted by key, so plans and
// image configs are byte-for-byte reproducible.
func SortedEnv(env map[string]string) []string {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, k+"="+env[k])
	}
	return out
}

// withDefaults adds KEY=VALUE pairs to a sorted env unless the key is set,
// and keeps it sorted.
func withDefaults(env []string, defaults map[string]string) []string {
	m := map[string]string{}
	for k, v := range defaults {
		m[k] = v
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return SortedEnv(m)
}
