package llbgen

import (
	"context"
	"fmt"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/org/appbuild/pin"
	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/spec"
)

// ImageResolver finds an image's digest and config; the gateway client is
// one, tests use a table.
type ImageResolver = pin.Registry

// Options is what Generate needs besides the plan.
type Options struct {
	BuildPlatform  ocispecs.Platform
	TargetPlatform ocispecs.Platform
	// Context is the build context, .dockerignore already applied.
	Context llb.State
	// Pins resolves base images: named contexts first, then registries
	// (package pin). The frontend shares one with eject and scan; when it
	// is nil, Resolver and ResolveMode make one without named contexts.
	Pins        *pin.Resolver
	Resolver    ImageResolver
	ResolveMode llb.ResolveMode
	// SourceMap and Where attach spec locations to ops; both may be nil.
	SourceMap *llb.SourceMap
	Where     func(path string) (spec.Range, bool)
	// CacheNamespace prefixes cache mount ids (BUILDKIT_CACHE_MOUNT_NS).
	CacheNamespace string
	// Epoch, when set, is the image's created time (SOURCE_DATE_EPOCH).
	Epoch *time.Time
	// Labels are added to the image's labels (build-time facts such as the
	// source repository).
	Labels map[string]string
	// NoCache tells whether a stage's steps must run again, ignoring the
	// cache (docker buildx build --no-cache, --no-cache-filter=STAGE).
	NoCache func(stage string) bool
	// Merge says BuildKit supports merge ops (pb.CapMergeOp); the final
	// stage's copies then become independent layers (COPY --link).
	Merge bool
}

// Result is the final stage's LLB and the runtime image's config.
type Result struct {
	State     llb.State
	Image     *dockerspec.DockerOCIImage
	BaseImage *dockerspec.DockerOCIImage
	// Bases lists every base image the build used, pinned, in stage order.
	Bases []Pinned
}

// Pinned is a base image resolved to a digest at build time.
type Pinned struct {
	Ref    string `json:"ref"`
	Digest string `json:"digest"`
	// Context names the --build-context that replaced Ref.
	Context string `json:"context,omitempty"`
}

// Generate converts a plan for one target platform.
func Generate(ctx context.Context, p *plan.Plan, opt Options) (*Result, error) {
	g := &generator{opt: opt, plan: p, states: map[string]llb.State{}, bases: map[string]*pin.Image{}, pins: opt.Pins}
	if g.pins == nil {
		g.pins = pin.New(opt.Resolver, nil, opt.ResolveMode)
	}
	if err := g.resolveAll(ctx); err != nil {
		return nil, err
	}
	var final *pin.Image
	for _, st := range p.Stages {
		base := g.base(st)
		s, err := g.stage(st, base)
		if err != nil {
			return nil, err
		}
		g.states[st.Name] = s
		if st.Name == p.Final {
			final = base
		}
	}
	if _, ok := g.states[p.Final]; !ok {
		return nil, fmt.Errorf("plan has no final stage %q", p.Final)
	}
	output := p.Final
	if p.Output != "" {
		output = p.Output
	}
	out, ok := g.states[output]
	if !ok {
		return nil, fmt.Errorf("plan has no output stage %q", p.Output)
	}
	img, err := g.image(final)
	if err != nil {
		return nil, err
	}
	res := &Result{State: out, Image: img, Bases: g.pinned}
	if final != nil && final.Digest != "" {
		res.BaseImage = &final.Config
	}
	return res, nil
}

type generator struct {
	opt    Options
	plan   *plan.Plan
	states map[string]llb.State
	pins   *pin.Resolver
	// bases are the resolved images by ref and platform: stages often
	// share a toolchain image.
	bases  map[string]*pin.Image
	pinned []Pinned
}

func (g *generator) platformOf(st plan.Stage) ocispecs.Platform {
	if st.OnBuildPlatform {
		return g.opt.BuildPlatform
	}
	return g.opt.TargetPlatform
}

// resolveAll resolves every stage's base image at once: each is a round
// trip to a registry, and a plan has two or three of them. Errors come in
// stage order, so the same plan always reports the same one.
func (g *generator) resolveAll(ctx context.Context) error {
	var keys []string
	want := map[string]plan.Stage{}
	for _, st := range g.plan.Stages {
		if st.From.Image == "" {
			continue
		}
		k := g.baseKey(st)
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
			want[k] = st
		}
	}
	found := make([]*pin.Image, len(keys))
	errs := make([]error, len(keys))
	var wg sync.WaitGroup
	for i, k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			found[i], errs[i] = g.resolve(ctx, want[k])
		}()
	}
	wg.Wait()
	for i, k := range keys {
		if errs[i] != nil {
			return errs[i]
		}
		g.bases[k] = found[i]
	}
	return nil
}

func (g *generator) baseKey(st plan.Stage) string {
	return st.From.Image + "|" + platformString(g.platformOf(st))
}

// base is a stage's resolved base image (resolveAll found it), recorded
// among the pinned bases in stage order; nil for a stage built on another
// stage or on scratch.
func (g *generator) base(st plan.Stage) *pin.Image {
	if st.From.Image == "" {
		return nil
	}
	r := g.bases[g.baseKey(st)]
	p := Pinned{Ref: st.From.Image, Digest: r.Digest.String(), Context: r.Context}
	if !slices.Contains(g.pinned, p) {
		g.pinned = append(g.pinned, p)
	}
	return r
}

// resolve pins a stage's base image and reads its config: a named context
// the user gave for it, or the registry's image by digest.
func (g *generator) resolve(ctx context.Context, st plan.Stage) (*pin.Image, error) {
	p := g.platformOf(st)
	img, err := g.pins.Resolve(ctx, st.From.Image, p)
	if err != nil {
		return nil, &BaseImageError{Ref: st.From.Image, Platform: platformString(p), Err: err}
	}
	return img, nil
}

// BaseImageError is a base image that could not be resolved, so that the
// frontend can say where the version in its tag came from.
type BaseImageError struct {
	Ref, Platform string
	Err           error
}

func (e *BaseImageError) Error() string {
	return fmt.Sprintf("resolve base image %s for %s: %v", e.Ref, e.Platform, e.Err)
}

func (e *BaseImageError) Unwrap() error { return e.Err }

// stage builds one stage's state from its base and steps.
func (g *generator) stage(st plan.Stage, base *pin.Image) (llb.State, error) {
	p := g.platformOf(st)
	var s llb.State
	switch {
	case base != nil:
		s = base.State
		for _, kv := range base.Config.Config.Env {
			k, v, _ := strings.Cut(kv, "=")
			s = s.AddEnv(k, v)
		}
		if wd := base.Config.Config.WorkingDir; wd != "" {
			s = s.Dir(wd)
		}
	case st.From.Stage != "":
		prev, ok := g.states[st.From.Stage]
		if !ok {
			return llb.State{}, fmt.Errorf("stage %s starts from unknown stage %q", st.Name, st.From.Stage)
		}
		s = prev
	default:
		s = llb.Scratch().Platform(p)
	}
	for _, kv := range st.Env {
		k, v, _ := strings.Cut(kv, "=")
		s = s.AddEnv(k, v)
	}
	if st.Workdir != "" {
		s = s.Dir(st.Workdir)
	}
	// In the final stage, copies are made on scratch and merged onto the
	// base (as COPY --link does): each layer holds only what it adds, so no
	// layer carries a base directory whose time changed, the layers are
	// reproducible, and a new base image does not invalidate them.
	final := st.Name == g.plan.Final
	link := g.opt.Merge && final && onlyFiles(st.Steps)
	layers := []llb.State{s}
	// out is the stage's output directory, once a step has an output mount.
	var out *llb.State
	for i, step := range st.Steps {
		name := fmt.Sprintf("[%s %d/%d] %s", st.Name, i+1, len(st.Steps), step.Name)
		c := []llb.ConstraintsOpt{llb.WithCustomName(name), llb.Platform(p)}
		if g.opt.NoCache != nil && g.opt.NoCache(st.Name) {
			c = append(c, llb.IgnoreCache)
		}
		if loc := g.location(step.Origin); loc != nil {
			c = append(c, loc)
		}
		var err error
		switch {
		case link:
			var layer llb.State
			layer, err = g.layer(llb.Scratch().Platform(p), step, c)
			layers = append(layers, layer)
		case step.Copy != nil:
			s, err = g.copy(s, step.Copy, final, c)
		case step.Run != nil:
			s, out, err = g.run(s, out, step.Run, c)
		case step.Write != nil:
			s = g.write(s, step.Write, final, c)
		case step.Mkdir != nil:
			s, err = g.mkdir(s, step.Mkdir, c)
		default:
			err = fmt.Errorf("stage %s step %d (%s) does nothing", st.Name, i+1, step.Name)
		}
		if err != nil {
			return llb.State{}, err
		}
	}
	if link && len(layers) > 1 {
		s = llb.Merge(layers, llb.WithCustomName(fmt.Sprintf("[%s] merge %d layers onto the base", st.Name, len(layers)-1)))
	}
	if out != nil {
		return *out, nil
	}
	return s, nil
}

// layer is a final-stage step that only adds files, made on scratch as a
// layer of its own to merge onto the base.
func (g *generator) layer(scratch llb.State, step plan.Step, c []llb.ConstraintsOpt) (llb.State, error) {
	switch {
	case step.Write != nil:
		return g.write(scratch, step.Write, true, c), nil
	case step.Mkdir != nil:
		return g.mkdir(scratch, step.Mkdir, c)
	}
	return g.copy(scratch, step.Copy, true, c)
}

// onlyFiles reports whether every step only adds files (copies, writes
// and directories), so that each can be its own layer merged onto the base.
func onlyFiles(steps []plan.Step) bool {
	for _, s := range steps {
		if s.Copy == nil && s.Write == nil && s.Mkdir == nil {
			return false
		}
	}
	return true
}

// write creates one file: the data travels inside the definition, in one
// mkfile, and only the step's name is shown in progress. Files are created
// as root (0:0), like the copies with rootOwner. Into the final stage the
// file is made on scratch and copied in as the copies are, with the epoch
// as the time of the file and of the directories the copy creates: a
// mkfile into a directory made for it would leave that directory the time
// of the build, and the layer would differ on every build.
func (g *generator) write(s llb.State, w *plan.Write, final bool, cons []llb.ConstraintsOpt) llb.State {
	if !final {
		return s.File(llb.Mkdir(path.Dir(w.Path), 0o755, llb.WithParents(true)).
			Mkfile(w.Path, os.FileMode(w.Mode), w.Data), cons...)
	}
	name := "/" + path.Base(w.Path)
	file := llb.Scratch().File(llb.Mkfile(name, os.FileMode(w.Mode), w.Data), cons...)
	info := &llb.CopyInfo{CreateDestPath: true, Mode: &llb.ChmodOpt{Mode: os.FileMode(w.Mode)}}
	if g.opt.Epoch != nil {
		info.CreatedTime = g.opt.Epoch
	}
	return s.File(llb.Copy(file, name, w.Path, info), cons...)
}

// mkdir makes a directory owned by its owner, its missing parents as
// root, with the epoch as their time (they are made for the final stage,
// whose layers must be the same bytes on every build). As a layer of its
// own (on scratch) the directory's owner wins over the base's, even where
// the base has the directory already.
func (g *generator) mkdir(s llb.State, m *plan.Mkdir, cons []llb.ConstraintsOpt) (llb.State, error) {
	uid, gid, err := parseOwner(m.Owner)
	if err != nil {
		return llb.State{}, err
	}
	parent := []llb.MkdirOption{llb.WithParents(true)}
	dir := []llb.MkdirOption{llb.WithParents(true), llb.WithUIDGID(uid, gid)}
	if g.opt.Epoch != nil {
		parent = append(parent, llb.WithCreatedTime(*g.opt.Epoch))
		dir = append(dir, llb.WithCreatedTime(*g.opt.Epoch))
	}
	var action *llb.FileAction
	if up := path.Dir(m.Path); up != "/" {
		action = llb.Mkdir(up, 0o755, parent...).Mkdir(m.Path, 0o755, dir...)
	} else {
		action = llb.Mkdir(m.Path, 0o755, dir...)
	}
	return s.File(action, cons...), nil
}

// copy copies files. Into the final stage, with SOURCE_DATE_EPOCH set, the
// files get the epoch as their time, so the image's layers are the same
// bytes on every build of the same source, with no exporter option needed.
func (g *generator) copy(s llb.State, c *plan.Copy, final bool, cons []llb.ConstraintsOpt) (llb.State, error) {
	src := g.opt.Context
	root := path.Join("/", g.plan.ContextDir)
	if c.FromStage != "" {
		st, ok := g.states[c.FromStage]
		if !ok {
			return llb.State{}, fmt.Errorf("copy from unknown stage %q", c.FromStage)
		}
		src, root = st, "/"
	}
	info := &llb.CopyInfo{CreateDestPath: true}
	if final && g.opt.Epoch != nil {
		info.CreatedTime = g.opt.Epoch
	}
	if c.Owner != "" {
		uid, gid, err := parseOwner(c.Owner)
		if err != nil {
			return llb.State{}, err
		}
		info.ChownOpt = &llb.ChownOpt{User: &llb.UserOpt{UID: uid}, Group: &llb.UserOpt{UID: gid}}
	}
	if c.Mode != 0 {
		info.Mode = &llb.ChmodOpt{Mode: os.FileMode(c.Mode)}
	}
	var fa *llb.FileAction
	for _, p := range c.Paths {
		ci := *info
		from := path.Join(root, p)
		if p == "." {
			ci.CopyDirContentsOnly = true
		}
		if fa == nil {
			fa = llb.Copy(src, from, c.Dest, &ci)
		} else {
			fa = fa.Copy(src, from, c.Dest, &ci)
		}
	}
	if fa == nil {
		return llb.State{}, fmt.Errorf("copy to %s has no sources", c.Dest)
	}
	return s.File(fa, cons...), nil
}

func parseOwner(owner string) (int, int, error) {
	u, gr, _ := strings.Cut(owner, ":")
	if gr == "" {
		gr = u
	}
	uid, err1 := strconv.Atoi(u)
	gid, err2 := strconv.Atoi(gr)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("owner %q is not uid:gid", owner)
	}
	return uid, gid, nil
}

// location maps spec field paths to one location constraint; fields that
// were not written (defaults) are skipped.
func (g *generator) location(origin []string) llb.ConstraintsOpt {
	if g.opt.SourceMap == nil || g.opt.Where == nil {
		return nil
	}
	var ranges []*pb.Range
	for _, o := range origin {
		if r, ok := g.opt.Where(o); ok {
			ranges = append(ranges, PBRange(r))
		}
	}
	if len(ranges) == 0 {
		return nil
	}
	return g.opt.SourceMap.Location(ranges)
}

// PBRange converts a spec range to BuildKit's: lines 1-based, characters
// 0-based as in the language server protocol.
func PBRange(r spec.Range) *pb.Range {
	return &pb.Range{
		Start: &pb.Position{Line: int32(r.Start.Line), Character: int32(r.Start.Column - 1)},
		End:   &pb.Position{Line: int32(r.End.Line), Character: int32(r.End.Column - 1)},
	}
}

func platformString(p ocispecs.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}
