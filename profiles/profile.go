package profiles

import (
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/org/appbuild/contract"
	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/spec"
)

// Files answers questions about the app's files in the build context (the
// spec's dir). The frontend reads only the few manifests a profile asks
// about, not the whole context.
type Files interface {
	// ReadFile returns a file's bytes, or an error wrapping fs.ErrNotExist.
	// Only the files the descriptors declare (ManifestFiles) can be read.
	ReadFile(path string) ([]byte, error)
	// FirstOf returns the first of paths that is a file in the app, or "".
	// Any path may be asked; the frontend answers all of them with one
	// more transfer of those paths alone, so ask once, with every
	// candidate.
	FirstOf(paths ...string) string
}

// Env is what a profile may know besides the spec.
type Env struct {
	// BuildPlatform is the platform the builder runs on natively.
	BuildPlatform ocispecs.Platform
	// TargetPlatform is the platform of the image being built.
	TargetPlatform ocispecs.Platform
	// Files are the app's files.
	Files Files
	// DepsLayer keeps downloaded dependencies in an image layer keyed by
	// the lock files instead of a cache mount, so that --cache-to exports
	// them (BuildKit never exports cache mounts): for CI runners that start
	// cold. Python and Node install into a layer always.
	DepsLayer bool
	// Probe is where appbuild-probe prebuilt for TargetPlatform is: a file
	// in the frontend's own image, or nil. With it the runtime gets the
	// file copied from that image (already on the daemon: it runs the
	// frontend) instead of a stage that pulls the golang image and
	// compiles the probe on every cold build, most of a cold build's time
	// for apps in other languages. The same command builds both, so the
	// bytes are those the stage would produce. Nil (a platform with no
	// prebuilt probe, a frontend not started from an image, and the eject
	// target: a Dockerfile cannot name the frontend's files) builds it from
	// source as before.
	Probe *PrebuiltProbe
}

// PrebuiltProbe is appbuild-probe in an image (see contract.Env).
type PrebuiltProbe = contract.PrebuiltProbe

// contract is what the image contract needs of the environment.
func (e Env) contract() contract.Env {
	return contract.Env{TargetPlatform: e.TargetPlatform, Probe: e.Probe}
}

// A Profile plans builds for one language.
type Profile interface {
	// Plan turns a spec into a plan for env.TargetPlatform.
	Plan(s *spec.Spec, env Env) (*plan.Plan, error)
}

// exists reports whether the app has a file.
func exists(files Files, path string) bool {
	_, err := files.ReadFile(path)
	return err == nil
}
