package profiles

import (
	"path"

	"github.com/org/appbuild/contract"
	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/spec"
)

// The contract's names, short here because every profile uses them.
const (
	appDir    = contract.AppDir
	rootOwner = contract.RootOwner

	distrolessStatic = "gcr.io/distroless/static-debian13"
	debianSlim       = "docker.io/library/debian:trixie-slim"
)

// assemble plans an app: its language's build, then the contract every
// image keeps (test stage, probe, runtime stage, image config).
func assemble(s *spec.Spec, env Env, build func(*spec.Spec, Env) (contract.Build, error)) (*plan.Plan, error) {
	b, err := build(s, env)
	if err != nil {
		return nil, err
	}
	return contract.Assemble(s, b, env.contract())
}

// runsAsRoot reports whether the spec asks for root, in any spelling.
func runsAsRoot(s *spec.Spec) bool { return s.RunsAsRoot() }

// staticRuntimeBase picks the base of a runtime image for a static binary.
func staticRuntimeBase(s *spec.Spec) plan.Base {
	switch s.Runtime {
	case "scratch":
		return plan.Base{}
	case "slim":
		return plan.Base{Image: debianSlim}
	}
	if runsAsRoot(s) {
		return plan.Base{Image: distrolessStatic + ":latest"}
	}
	return plan.Base{Image: distrolessStatic + ":nonroot"}
}

// secretMounts mounts the spec's secrets for a step that talks to a
// registry: as the variable the spec names, else as a file at the path
// files gives for its id, else under /run/secrets.
func secretMounts(s *spec.Spec, files map[string]string) []plan.Mount {
	var mounts []plan.Mount
	for _, sec := range s.Secrets {
		m := plan.Mount{Kind: "secret", ID: sec.ID, Env: sec.Env, Required: sec.Required}
		if sec.Env == "" {
			m.Target = "/run/secrets/" + sec.ID
			if target, ok := files[sec.ID]; ok {
				m.Target = target
			}
		}
		mounts = append(mounts, m)
	}
	return mounts
}

// copyBinary copies a compiled binary from the build stage to /app/<name>,
// owned by root and executable: the runtime of Go and Rust apps.
func copyBinary(s *spec.Spec, built string) plan.Step {
	return plan.Step{
		Name:   "copy " + s.Name,
		Origin: []string{"build"},
		Copy: &plan.Copy{
			FromStage: "build",
			Paths:     []string{built},
			Dest:      path.Join(appDir, s.Name),
			Owner:     rootOwner,
			Mode:      0o755,
		},
	}
}

// appDirField is the field to blame for a manifest missing from the app's
// directory: dir when the spec names one (most likely the wrong one), else
// language.
func appDirField(s *spec.Spec) string {
	if _, ok := s.Where("dir"); ok && s.Dir != "" {
		return "dir"
	}
	return "language"
}

// Where a toolchain version was read, when not from a file.
const (
	fromSpec    = "the spec's version"
	fromDefault = "appbuild's default"
)

// toolchain records a language version and where it was read.
func toolchain(name, version, from string) *plan.Toolchain {
	return &plan.Toolchain{Name: name, Version: version, From: from}
}
