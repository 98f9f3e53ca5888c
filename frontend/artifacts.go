package frontend

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/moby/buildkit/client/llb"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/org/appbuild/compose"
	"github.com/org/appbuild/eject"
	"github.com/org/appbuild/kubernetes"
	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/profiles"
)

// buildCompose writes compose.yaml for `--target compose -o .`.
func (b *builder) buildCompose(ctx context.Context) (*gwclient.Result, error) {
	p, err := b.planFor(ctx, b.bc.BuildPlatforms[0], false)
	if err != nil {
		return nil, err
	}
	data, err := compose.Generate(b.spec, p, b.imageRef())
	if err != nil {
		return nil, err
	}
	return b.writeFiles(ctx, map[string][]byte{"compose.yaml": data})
}

// buildKubernetes writes kubernetes.yaml for `--target kubernetes -o .`.
func (b *builder) buildKubernetes(ctx context.Context) (*gwclient.Result, error) {
	p, err := b.planFor(ctx, b.bc.BuildPlatforms[0], false)
	if err != nil {
		return nil, err
	}
	data, err := kubernetes.Generate(b.spec, p, b.imageRef())
	if err != nil {
		return nil, err
	}
	return b.writeFiles(ctx, map[string][]byte{"kubernetes.yaml": data})
}

// imageRef is the app's image as compose and Kubernetes files name it:
// APPBUILD_IMAGE, else the spec's image, else its name.
func (b *builder) imageRef() string {
	if v := b.bc.BuildArgs["APPBUILD_IMAGE"]; v != "" {
		return v
	}
	if b.spec.Image != "" {
		return b.spec.Image
	}
	return b.spec.Name
}

// buildEject writes an equivalent Dockerfile and .dockerignore for
// `--target dockerfile -o .`: the eject path.
func (b *builder) buildEject(ctx context.Context) (*gwclient.Result, error) {
	p, err := b.planFor(ctx, eject.TargetPlatform, false)
	if err != nil {
		return nil, err
	}
	native := b.bc.BuildPlatforms[0]
	pins := map[string]string{}
	for _, st := range p.Stages {
		ref := st.From.Image
		if ref == "" || pins[ref] != "" {
			continue
		}
		// The Dockerfile names the plan's images, so it pins those, not
		// a --build-context replacement (which applies again when the
		// Dockerfile is built).
		img, err := b.pins.Registry(ctx, ref, native)
		if err != nil {
			return nil, fmt.Errorf("pin %s: %w", ref, err)
		}
		pins[ref] = img.Digest.String()
	}
	dockerfile, err := eject.Dockerfile(p, pins, b.src.Filename)
	if err != nil {
		return nil, err
	}
	ignore, err := b.dockerignore(ctx)
	if err != nil {
		return nil, err
	}
	return b.writeFiles(ctx, map[string][]byte{"Dockerfile": dockerfile, ".dockerignore": ignore})
}

// dockerignore is the context's .dockerignore, or a default that keeps
// version control and build outputs out of the context.
func (b *builder) dockerignore(ctx context.Context) ([]byte, error) {
	patterns, err := b.bc.DockerIgnorePatterns(ctx)
	if err != nil {
		return nil, err
	}
	if len(patterns) == 0 {
		patterns = []string{".git", "*.tar", "compose.yaml", "kubernetes.yaml"}
	}
	return []byte(strings.Join(patterns, "\n") + "\n"), nil
}

// planFor plans the app for one target platform, built on the build
// platform. prebuilt lets the plan use the prebuilt appbuild-probe the
// frontend image carries; the targets that write a plan out as text (the
// Dockerfile, compose.yaml) plan without it, the probe built from source.
func (b *builder) planFor(ctx context.Context, target ocispecs.Platform, prebuilt bool) (*plan.Plan, error) {
	if err := b.load(ctx, true); err != nil {
		return nil, err
	}
	profile, err := profiles.Get(b.spec.Language)
	if err != nil {
		return nil, b.spec.Errorf("language", "%v", err)
	}
	depsLayer, err := depsInLayer(b.bc.BuildArgs)
	if err != nil {
		return nil, err
	}
	env := profiles.Env{BuildPlatform: b.bc.BuildPlatforms[0], TargetPlatform: target, Files: *b.files, DepsLayer: depsLayer}
	if prebuilt {
		env.Probe = prebuiltProbe(b.c.BuildOpts().Opts, b.bc.BuildPlatforms[0], target)
	}
	return profile.Plan(b.spec, env)
}

// writeFiles returns a filesystem holding generated files, for the local
// exporter (-o DIR) to write. Files are written in name order so the
// definition is the same every time.
func (b *builder) writeFiles(ctx context.Context, files map[string][]byte) (*gwclient.Result, error) {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	var fa *llb.FileAction
	for _, name := range names {
		if fa == nil {
			fa = llb.Mkfile("/"+name, 0o644, files[name])
		} else {
			fa = fa.Mkfile("/"+name, 0o644, files[name])
		}
	}
	st := llb.Scratch().File(fa, llb.WithCustomName("[appbuild] write "+strings.Join(names, ", ")))
	def, err := st.Marshal(ctx)
	if err != nil {
		return nil, err
	}
	res, err := b.c.Solve(ctx, gwclient.SolveRequest{Definition: def.ToPB()})
	if err != nil {
		return nil, err
	}
	ref, err := res.SingleRef()
	if err != nil {
		return nil, err
	}
	out := gwclient.NewResult()
	out.SetRef(ref)
	return out, nil
}

// buildTest runs the app's own tests in the build stage, with the same
// caches as the image build, for `--target test`. A failing test fails the
// build, with the test output in the progress log.
func (b *builder) buildTest(ctx context.Context) (*gwclient.Result, error) {
	native := b.bc.BuildPlatforms[0]
	p, err := b.planFor(ctx, native, true)
	if err != nil {
		return nil, err
	}
	if p.Test == "" {
		return nil, b.spec.Errorf("language", "%s apps have no test step yet", b.spec.Language)
	}
	p.Final = p.Test
	st, err := b.generate(ctx, p, native)
	if err != nil {
		return nil, err
	}
	ref, err := b.solve(ctx, st.State, native)
	if err != nil {
		return nil, err
	}
	out := gwclient.NewResult()
	out.SetRef(ref)
	return out, nil
}

// depsInLayer reads APPBUILD_DEPS: "mount" (the default) keeps downloaded
// dependencies in cache mounts, "layer" in a layer that --cache-to exports.
func depsInLayer(args map[string]string) (bool, error) {
	switch v := args[argDeps]; v {
	case "", "mount":
		return false, nil
	case "layer":
		return true, nil
	default:
		return false, fmt.Errorf("build-arg %s=%q: want mount or layer", argDeps, v)
	}
}
