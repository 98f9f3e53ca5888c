package frontend

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/frontend/subrequests/targets"
	"github.com/moby/buildkit/solver/pb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/org/appbuild/llbgen"
	"github.com/org/appbuild/pin"
	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/profiles"
	"github.com/org/appbuild/spec"
)

// language is the linguist name BuildKit shows for the spec's source.
const language = "YAML"

// Build is the gateway build function (a gwclient.BuildFunc).
func Build(ctx context.Context, c gwclient.Client) (res *gwclient.Result, err error) {
	// A panic must reach the user as an error, not kill the frontend with a
	// stack trace in buildkitd's log. The recover is direct so it works.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("appbuild: internal error: %v\n%s", r, debug.Stack())
		}
	}()

	bc, err := dockerui.NewClient(c)
	if err != nil {
		return nil, err
	}
	src, err := bc.ReadEntrypoint(ctx, language)
	if err != nil {
		return nil, err
	}
	if !isSpec(src.Data) {
		return buildDockerfile(ctx, c)
	}

	s, err := spec.Parse(src.Filename, src.Data)
	if err != nil {
		return nil, withSource(err, src.SourceMap)
	}
	defer func() { err = withSource(err, src.SourceMap) }()
	if err := applyOverrides(s, bc.BuildArgs); err != nil {
		return nil, err
	}

	epoch, err := sourceDateEpoch(bc.BuildArgs)
	if err != nil {
		return nil, err
	}
	b := &builder{c: c, bc: bc, spec: s, src: src, epoch: epoch,
		pins: pin.New(c, pin.DockerUI(bc, c.BuildOpts().Opts), bc.ImageResolveMode)}
	if res, handled, err := bc.HandleSubrequest(ctx, dockerui.RequestHandler{
		ListTargets: func(ctx context.Context) (*targets.List, error) { return listTargets(), nil },
		Outline:     b.outline,
		Lint:        b.lint,
	}); err != nil || handled {
		return res, err
	}

	t, err := findTarget(bc.Target)
	if err != nil {
		return nil, err
	}
	if err := setPlatforms(bc, s); err != nil {
		return nil, err
	}
	return t.build(b, ctx)
}

// builder carries what every target needs for one build request.
type builder struct {
	c    gwclient.Client
	bc   *dockerui.Client
	spec *spec.Spec
	src  *dockerui.Source
	// files are the app's manifests, loaded once by load.
	files *appFiles
	// epoch is SOURCE_DATE_EPOCH, when given.
	epoch *time.Time
	// pins resolves every image the request uses (base images, eject pins,
	// the scanner), named contexts first, each image once.
	pins *pin.Resolver
}

// load reads the app's manifests and settles the language: a spec without
// one gets it detected from those files, with a warning that says what was
// found (warn is false for subrequests, which print their own output).
func (b *builder) load(ctx context.Context, warn bool) error {
	if b.files != nil {
		return nil
	}
	files, err := readAppFiles(ctx, b.c, b.bc, b.spec)
	if err != nil {
		return err
	}
	b.files = &files
	if b.spec.Language != "" {
		return nil
	}
	lang, evidence, ok := profiles.Detect(files)
	if !ok {
		return b.spec.Errorf("name", "language is not set and none was detected (looked for %s); set language", strings.Join(profiles.DetectFiles(), ", "))
	}
	b.spec.Language = lang
	if warn {
		b.warn(ctx, "name", "LanguageDetected", fmt.Sprintf("language is not set: found %s, building as %s", evidence, lang))
	}
	return nil
}

// buildImage builds the runtime image for every target platform.
func (b *builder) buildImage(ctx context.Context) (*gwclient.Result, error) {
	if err := b.load(ctx, true); err != nil {
		return nil, err
	}
	if err := b.warnFindings(ctx); err != nil {
		return nil, err
	}
	buildPlatform := b.bc.BuildPlatforms[0]
	rb, err := b.bc.Build(ctx, func(ctx context.Context, p *ocispecs.Platform, _ int) (*dockerui.BuildResult, error) {
		target := buildPlatform
		if p != nil {
			target = *p
		}
		pl, err := b.planFor(ctx, target, true)
		if err != nil {
			return nil, err
		}
		out, err := b.generate(ctx, pl, target)
		if err != nil {
			return nil, err
		}
		ref, err := b.solve(ctx, out.State, target)
		if err != nil {
			return nil, err
		}
		return &dockerui.BuildResult{Reference: ref, Image: out.Image, BaseImage: out.BaseImage, Epoch: b.epoch}, nil
	})
	if err != nil {
		return nil, err
	}
	return rb.Finalize()
}

// generate turns a plan into LLB for one target platform.
func (b *builder) generate(ctx context.Context, pl *plan.Plan, target ocispecs.Platform) (*llbgen.Result, error) {
	appCtx, err := b.bc.MainContext(ctx)
	if err != nil {
		return nil, err
	}
	res, err := llbgen.Generate(ctx, pl, llbgen.Options{
		BuildPlatform:  b.bc.BuildPlatforms[0],
		TargetPlatform: target,
		Context:        *appCtx,
		Pins:           b.pins,
		SourceMap:      b.src.SourceMap,
		Where:          b.spec.Where,
		CacheNamespace: b.bc.CacheIDNamespace,
		Epoch:          b.epoch,
		Labels:         b.labels(),
		NoCache:        b.bc.IsNoCache,
		Merge:          b.supportsMerge(),
	})
	return res, b.explainBaseImage(err, pl.Toolchain)
}

// explainBaseImage adds to a base image that cannot be resolved the
// version in its tag and where it was read, with the spec's position: a
// version newer or older than the images offered fails here, and the user
// learns which file to change or how to override it.
func (b *builder) explainBaseImage(err error, tc *plan.Toolchain) error {
	var be *llbgen.BaseImageError
	if !errors.As(err, &be) || tc == nil || !strings.Contains(be.Ref, tc.Version) {
		return err
	}
	field := "language"
	if b.spec.Version != "" {
		field = "version"
	}
	return b.spec.Errorf(field, "%v: %s %s (from %s) may have no such image; set version in the spec or --build-arg APPBUILD_VERSION to a version that has one", err, tc.Name, tc.Version, tc.From)
}

// supportsMerge reports whether the BuildKit we talk to has merge ops.
func (b *builder) supportsMerge() bool {
	caps := b.c.BuildOpts().LLBCaps
	return caps.Supports(pb.CapMergeOp) == nil
}

// solve runs a state, importing the caches the user passed (--cache-from):
// gateway solves do not do that by themselves.
func (b *builder) solve(ctx context.Context, st llb.State, target ocispecs.Platform) (gwclient.Reference, error) {
	def, err := st.Marshal(ctx, llb.Platform(target))
	if err != nil {
		return nil, err
	}
	r, err := b.c.Solve(ctx, gwclient.SolveRequest{Definition: def.ToPB(), CacheImports: b.bc.CacheImports})
	if err != nil {
		return nil, err
	}
	return r.SingleRef()
}

// labels are the build-time labels: the user's --label values, and the
// source repository and revision when buildx sent them.
func (b *builder) labels() map[string]string {
	out := map[string]string{}
	opts := b.c.BuildOpts().Opts
	if v := opts["vcs:source"]; v != "" {
		out["org.opencontainers.image.source"] = v
	}
	if v := opts["vcs:revision"]; v != "" {
		out["org.opencontainers.image.revision"] = v
	}
	for k, v := range b.bc.Labels {
		out[k] = v
	}
	return out
}

// setPlatforms uses the spec's platforms when --platform was not given.
func setPlatforms(bc *dockerui.Client, s *spec.Spec) error {
	if len(bc.TargetPlatforms) > 0 || len(s.Platforms) == 0 {
		return nil
	}
	var ps []ocispecs.Platform
	for i, v := range s.Platforms {
		p, err := platforms.Parse(v)
		if err != nil {
			return s.Errorf("platforms["+strconv.Itoa(i)+"]", "%v", err)
		}
		ps = append(ps, platforms.Normalize(p))
	}
	bc.TargetPlatforms = ps
	if len(ps) > 1 {
		bc.MultiPlatformRequested = true
	}
	return nil
}

// sourceDateEpoch reads SOURCE_DATE_EPOCH, the only source of time in what
// appbuild emits; without it the image carries no creation time at all
// rather than the wall clock.
func sourceDateEpoch(args map[string]string) (*time.Time, error) {
	v, ok := args["SOURCE_DATE_EPOCH"]
	if !ok || v == "" {
		return nil, nil
	}
	sec, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("invalid SOURCE_DATE_EPOCH %q: want seconds since 1970", v)
	}
	t := time.Unix(sec, 0).UTC()
	return &t, nil
}
