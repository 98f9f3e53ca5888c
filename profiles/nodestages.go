package profiles

import (
	"slices"
	"strings"

	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/spec"
)

// nodeInstall is what every stage that installs from the lock file
// shares: the builder image, the manager, its environment, and the secrets
// and private index that reach every step talking to a registry, and no
// other.
type nodeInstall struct {
	s       *spec.Spec
	files   Files
	pm      nodeManager
	builder string
	env     []string
	secrets []plan.Mount
	// withIndex adds the private index to a command that takes it as an
	// option.
	withIndex func(args []string) []string
}

func newNodeInstall(s *spec.Spec, files Files, pm nodeManager, builder string) nodeInstall {
	in := nodeInstall{
		s: s, files: files, pm: pm, builder: builder,
		env:       append(slices.Clone(nodeBuildEnv), pm.env...),
		secrets:   secretMounts(s, map[string]string{npmrcSecret: "/root/.npmrc"}),
		withIndex: func(args []string) []string { return args },
	}
	if s.Dependencies != nil && s.Dependencies.Index != "" {
		index := s.Dependencies.Index
		if pm.indexEnv != "" {
			in.env = append(in.env, pm.indexEnv+"="+index)
		}
		in.withIndex = func(args []string) []string {
			if pm.indexEnv != "" && args[0] != "npm" {
				return args
			}
			return append(slices.Clone(args), "--registry="+index)
		}
	}
	return in
}

// steps are the steps of a stage that installs from the lock file: build
// packages, the manager, the manifests, then install.
func (in nodeInstall) steps(install []string) []plan.Step {
	depOrigin := []string{"dependencies", "language"}
	var steps []plan.Step
	if p := in.s.Packages; p != nil && len(p.Build) > 0 {
		steps = append(steps, plan.Step{
			Name:   "apt-get update",
			Origin: []string{"packages.build"},
			Run:    &plan.Run{Args: []string{"apt-get", "update"}},
		}, plan.Step{
			Name:   "apt-get install " + strings.Join(p.Build, " "),
			Origin: []string{"packages.build"},
			Run: &plan.Run{
				Args: append([]string{"apt-get", "install", "-y", "--no-install-recommends", "--"}, p.Build...),
				Env:  []string{"DEBIAN_FRONTEND=noninteractive"},
			},
		})
	}
	if in.pm.setup != nil {
		steps = append(steps, plan.Step{
			Name:   strings.Join(in.pm.setup, " "),
			Origin: depOrigin,
			Run:    &plan.Run{Args: in.withIndex(in.pm.setup), Mounts: append([]plan.Mount{npmCache}, in.secrets...)},
		})
	}
	steps = append(steps, nodeManifestCopies(in.s, in.files, in.pm)...)
	return append(steps, plan.Step{
		Name:   strings.Join(install, " "),
		Origin: depOrigin,
		Run:    &plan.Run{Args: in.withIndex(install), Mounts: append([]plan.Mount{in.pm.cache}, in.secrets...)},
	})
}

// nodeStages are deps (every dependency, for the build script and the
// tests), build (the source on top, and the build script) and app (what
// the runtime copies).
func nodeStages(in nodeInstall, buildStep *plan.Step) []plan.Stage {
	deps := plan.Stage{
		Name:            "deps",
		From:            plan.Base{Image: in.builder},
		OnBuildPlatform: true,
		Env:             in.env,
		Workdir:         appDir,
		Steps:           in.steps(in.pm.install),
	}
	copySource := plan.Step{
		Name:   "copy source",
		Origin: []string{"dir", "language"},
		Copy:   &plan.Copy{Paths: []string{"."}, Dest: appDir + "/"},
	}
	build := plan.Stage{
		Name:            "build",
		From:            plan.Base{Stage: "deps"},
		OnBuildPlatform: true,
		Workdir:         appDir,
		Steps:           []plan.Step{copySource},
	}
	if buildStep != nil {
		build.Steps = append(build.Steps, *buildStep)
	}
	return []plan.Stage{deps, build, nodeApp(in.builder, copySource, buildStep != nil)}
}

// nodeApp is the source and the built output, without the development
// node_modules, which the production install replaces.
func nodeApp(builder string, copySource plan.Step, built bool) plan.Stage {
	app := plan.Stage{
		Name:            "app",
		From:            plan.Base{Stage: "build"},
		OnBuildPlatform: true,
		Workdir:         appDir,
		Steps: []plan.Step{{
			Name:   "remove development node_modules",
			Origin: []string{"dependencies"},
			Run:    &plan.Run{Args: []string{"rm", "-rf", appDir + "/node_modules"}},
		}},
	}
	if !built {
		// Nothing to build: the image needs the source alone, so it does
		// not wait for the development install, which only test runs. A
		// node_modules in the context (no .dockerignore) is left out: the
		// production install's takes its place.
		app.From = plan.Base{Image: builder}
		app.Steps = []plan.Step{copySource, {
			Name:   "remove the context's node_modules",
			Origin: []string{"dir"},
			Run:    &plan.Run{Args: []string{"rm", "-rf", appDir + "/node_modules"}},
		}}
	}
	return app
}

// prodDeps is the production dependencies alone, from the lock file again
// (the cache makes it a local copy). It does not depend on the source, so a
// source change never reinstalls them. It runs on the build platform
// unless a dependency has native code for another target.
func (in nodeInstall) prodDeps(onBuildPlatform bool) plan.Stage {
	return plan.Stage{
		Name:            "prod-deps",
		From:            plan.Base{Image: in.builder},
		OnBuildPlatform: onBuildPlatform,
		Env:             in.env,
		Workdir:         appDir,
		Steps:           in.steps(in.pm.prod),
	}
}
