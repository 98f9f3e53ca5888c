package contract

import (
	"github.com/containerd/platforms"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/org/appbuild/healthprobe"
	"github.com/org/appbuild/plan"
)

const (
	// GoVersion is the Go the probe is compiled with, and the default of
	// Go apps: the frontend image prebuilds the probe with the same.
	GoVersion = "1.26"
	// GoRepo is the official Go toolchain image.
	GoRepo = "docker.io/library/golang"
	// GoImage is the image the probe is compiled in.
	GoImage = GoRepo + ":" + GoVersion

	// probeStageName is the stage that compiles appbuild-probe.
	probeStageName = "probe"
	// prebuiltProbeStageName is the stage of the frontend's image, which
	// the prebuilt probe is copied from.
	prebuiltProbeStageName = "prebuilt-probe"
)

// GoBuildCache is the Go build cache, shared by Go apps and the probe.
var GoBuildCache = plan.Mount{Kind: "cache", Target: "/root/.cache/go-build", ID: "appbuild-go-build"}

// GoTargetEnv is the environment that makes go build cross-compile a static
// binary for the target platform.
func GoTargetEnv(p ocispecs.Platform) []string {
	env := []string{"CGO_ENABLED=0", "GOOS=" + p.OS, "GOARCH=" + p.Architecture}
	if p.Architecture == "arm" && len(p.Variant) == 2 {
		env = append(env, "GOARM="+p.Variant[1:])
	}
	return env
}

// probeStage compiles appbuild-probe for the target platform. It runs on the
// build platform with the Go toolchain image and cross-compiles, so adding a
// healthcheck never costs an emulated compile.
func probeStage(golangImage string, target ocispecs.Platform) plan.Stage {
	origin := []string{"healthcheck"}
	return plan.Stage{
		Name:            probeStageName,
		From:            plan.Base{Image: golangImage},
		OnBuildPlatform: true,
		Workdir:         "/src/probe",
		Steps: []plan.Step{{
			Name:   "write appbuild-probe source",
			Origin: origin,
			Write:  &plan.Write{Path: "/src/probe/main.go", Data: healthprobe.Source, Mode: 0o644},
		}, {
			Name:   "go build appbuild-probe",
			Origin: origin,
			Run: &plan.Run{
				Args:   []string{"go", "build", "-trimpath", "-ldflags=-s -w", "-o", "/out/appbuild-probe", "main.go"},
				Env:    GoTargetEnv(target),
				Mounts: []plan.Mount{GoBuildCache},
			},
		}},
	}
}

// probeCopy is the runtime step that installs appbuild-probe from a stage.
func probeCopy(name, stage, file string) plan.Step {
	return plan.Step{
		Name:   name,
		Origin: []string{"healthcheck"},
		Copy: &plan.Copy{
			FromStage: stage,
			Paths:     []string{file},
			Dest:      healthprobe.Path,
			Owner:     RootOwner,
			Mode:      0o755,
		},
	}
}

// installProbe returns the runtime step that installs appbuild-probe, and
// the stages with the stage it comes from appended. The frontend image
// carries the probe prebuilt for the common platforms, compiled by the
// same command with GoImage, so when env.Probe is set and the probe would
// be built with that same image, the runtime copies the prebuilt file out
// of the frontend image and no build pulls the golang image for it.
// Otherwise (another platform, a Go app pinned to another Go version, or
// the eject target, which plans without it) the probe is compiled.
//
// The copy names the file; it does not carry it: the frontend once wrote
// the prebuilt bytes into the definition (a 2.3 MB mkfile), and sending
// and hashing them cost every build, a no-op rebuild included, about 0.4 s.
func installProbe(env Env, golang string, stages []plan.Stage) ([]plan.Stage, plan.Step) {
	if env.Probe != nil && golang == GoImage {
		frontend := plan.Stage{Name: prebuiltProbeStageName, From: plan.Base{Image: env.Probe.Image}, OnBuildPlatform: true}
		name := "copy appbuild-probe (prebuilt, " + platforms.Format(env.TargetPlatform) + ")"
		return append(stages, frontend), probeCopy(name, prebuiltProbeStageName, env.Probe.Path)
	}
	return append(stages, probeStage(golang, env.TargetPlatform)), probeCopy("copy appbuild-probe", probeStageName, "/out/appbuild-probe")
}
