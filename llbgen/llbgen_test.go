package llbgen_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/solver/pb"
	"github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/org/appbuild/internal/llbtest"
	"github.com/org/appbuild/internal/testfiles"
	"github.com/org/appbuild/llbgen"
	"github.com/org/appbuild/profiles"
	"github.com/org/appbuild/spec"
)

// fakeResolver answers like a registry would (internal/llbtest).
type fakeResolver = llbtest.Resolver

var (
	amd64 = ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	arm64 = ocispecs.Platform{OS: "linux", Architecture: "arm64"}
)

// generate builds the go-hello example for a target platform and returns
// the marshalled definition and image config.
func generate(t *testing.T, target ocispecs.Platform, epoch *time.Time) (*llb.Definition, *llbgen.Result) {
	t.Helper()
	return generateExample(t, "go-hello", profiles.Go{}, profiles.Env{BuildPlatform: amd64, TargetPlatform: target}, epoch)
}

// generateExample plans an example with a profile and env (its Files the
// example's) and turns the plan into LLB for env.TargetPlatform.
func generateExample(t *testing.T, example string, profile profiles.Profile, env profiles.Env, epoch *time.Time) (*llb.Definition, *llbgen.Result) {
	t.Helper()
	dir := "../examples/" + example
	data, err := os.ReadFile(dir + "/app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Parse("app.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	env.Files = testfiles.Dir(dir)
	pl, err := profile.Plan(s, env)
	if err != nil {
		t.Fatal(err)
	}
	target := env.TargetPlatform
	src := llb.Local("dockerfile")
	res, err := llbgen.Generate(context.Background(), pl, llbgen.Options{
		BuildPlatform:  amd64,
		TargetPlatform: target,
		Context:        llb.Local("context", llb.LocalUniqueID("test")),
		Resolver:       fakeResolver{},
		SourceMap:      llb.NewSourceMap(&src, "app.yaml", "YAML", data),
		Where:          s.Where,
		Epoch:          epoch,
		Merge:          true,
	})
	if err != nil {
		t.Fatal(err)
	}
	def, err := res.State.Marshal(context.Background(), llb.Platform(target))
	if err != nil {
		t.Fatal(err)
	}
	return def, res
}

// TestDeterministic: the same input gives the same bytes, so the same
// source gives the same image digest.
func TestDeterministic(t *testing.T) {
	a, _ := generate(t, arm64, nil)
	b, _ := generate(t, arm64, nil)
	if !bytes.Equal(flatten(a), flatten(b)) {
		t.Fatal("two generations of the same plan differ")
	}
}

// TestEpochKeepsTheBuildCached: SOURCE_DATE_EPOCH sets the created time
// and the time of the files copied into the runtime image (so its layers
// are reproducible), and changes no exec op: a new epoch never reruns a
// compile or a download.
func TestEpochKeepsTheBuildCached(t *testing.T) {
	epoch := time.Unix(1700000000, 0)
	a, ra := generate(t, amd64, nil)
	b, rb := generate(t, amd64, &epoch)
	if ea, eb := execOpsOf(t, a), execOpsOf(t, b); ea != eb {
		t.Errorf("SOURCE_DATE_EPOCH changed exec ops:\n%s\n---\n%s", ea, eb)
	}
	if bytes.Equal(flatten(a), flatten(b)) {
		t.Error("SOURCE_DATE_EPOCH did not reach the runtime copies")
	}
	if ra.Image.Created != nil {
		t.Errorf("no epoch but created = %v: wall clock leaked", ra.Image.Created)
	}
	if rb.Image.Created == nil || !rb.Image.Created.Equal(epoch) {
		t.Errorf("created = %v, want %v", rb.Image.Created, epoch)
	}
}

// execOpsOf renders the exec ops of a definition with their inputs'
// digests, so any change upstream of an exec shows.
func execOpsOf(t *testing.T, def *llb.Definition) string {
	t.Helper()
	var out []string
	for _, d := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(d); err != nil {
			t.Fatal(err)
		}
		if op.GetExec() != nil {
			out = append(out, digest.FromBytes(d).String())
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// TestEveryOpIsNamedAndLocated: progress shows "[stage i/n] ..." for every
// exec and file op, and every one that comes from a written spec field
// carries that field's location.
func TestEveryOpIsNamedAndLocated(t *testing.T) {
	def, _ := generate(t, arm64, nil)
	for _, d := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(d); err != nil {
			t.Fatal(err)
		}
		if op.GetExec() == nil && op.GetFile() == nil {
			continue
		}
		dg := digest.FromBytes(d)
		name := def.Metadata[dg].Description["llb.customname"]
		if !strings.HasPrefix(name, "[") {
			t.Errorf("op without a step name: %q", name)
		}
		if def.Source == nil || def.Source.Locations[dg.String()] == nil {
			t.Errorf("op %q has no spec location", name)
		}
	}
}

func flatten(def *llb.Definition) []byte {
	var b bytes.Buffer
	for _, d := range def.Def {
		b.Write(d)
	}
	return b.Bytes()
}

// dump prints a definition as the examples' LLB goldens do (internal/llbtest).
func dump(t *testing.T, def *llb.Definition) string {
	t.Helper()
	out, err := llbtest.Dump(def)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// pyFlaskDefinition is the LLB of examples/py-flask for linux/amd64, its
// spec changed by edit first.
func pyFlaskDefinition(t *testing.T, edit func([]byte) []byte) *llb.Definition {
	t.Helper()
	data, err := os.ReadFile("../examples/py-flask/app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Parse("app.yaml", edit(data))
	if err != nil {
		t.Fatal(err)
	}
	pl, err := profiles.Python{}.Plan(s, profiles.Env{BuildPlatform: amd64, TargetPlatform: amd64, Files: testfiles.Dir("../examples/py-flask")})
	if err != nil {
		t.Fatal(err)
	}
	res, err := llbgen.Generate(context.Background(), pl, llbgen.Options{
		BuildPlatform: amd64, TargetPlatform: amd64,
		Context: llb.Local("context"), Resolver: fakeResolver{},
	})
	if err != nil {
		t.Fatal(err)
	}
	def, err := res.State.Marshal(context.Background(), llb.Platform(amd64))
	if err != nil {
		t.Fatal(err)
	}
	return def
}

// execs are the exec ops of a definition.
func execs(t *testing.T, def *llb.Definition) []*pb.ExecOp {
	t.Helper()
	var out []*pb.ExecOp
	for _, d := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(d); err != nil {
			t.Fatal(err)
		}
		if e := op.GetExec(); e != nil {
			out = append(out, e)
		}
	}
	return out
}

// TestSecretsOptionalUnlessRequired: a declared secret that is not given
// leaves the step to run without it, as in a Dockerfile, unless the spec
// says it is required.
func TestSecretsOptionalUnlessRequired(t *testing.T) {
	def := pyFlaskDefinition(t, func(data []byte) []byte {
		return bytes.Replace(data, []byte("secrets:\n"), []byte("secrets:\n  - id: netrc\n    required: true\n"), 1)
	})
	optional := map[string]bool{}
	for _, e := range execs(t, def) {
		for _, m := range e.GetMounts() {
			if so := m.GetSecretOpt(); so != nil {
				optional[so.ID] = so.Optional
			}
		}
		for _, se := range e.GetSecretenv() {
			optional[se.ID] = se.Optional
		}
	}
	want := map[string]bool{"pip_index_url": true, "netrc": false}
	if fmt.Sprint(optional) != fmt.Sprint(want) {
		t.Errorf("secret id → optional = %v, want %v", optional, want)
	}
}

// TestAptCachesLocked: apt will not wait for another apt's lock, so its two
// cache mounts are locked (a concurrent build's apt step waits for them),
// while the other caches (pip and Go lock their own files) stay shared.
func TestAptCachesLocked(t *testing.T) {
	def := pyFlaskDefinition(t, func(data []byte) []byte { return data })
	sharing := map[string]string{}
	for _, e := range execs(t, def) {
		for _, m := range e.GetMounts() {
			if c := m.GetCacheOpt(); c != nil {
				sharing[c.ID] = c.Sharing.String()
			}
		}
	}
	want := map[string]string{"appbuild-apt-cache-trixie": "LOCKED", "appbuild-apt-lists-trixie": "LOCKED", "appbuild-go-build": "SHARED", "appbuild-pip": "SHARED"}
	if fmt.Sprint(sharing) != fmt.Sprint(want) {
		t.Errorf("cache id → sharing = %v, want %v", sharing, want)
	}
}

// barrierResolver answers only once `want` resolves are in flight together
// (or after a second), and counts the most it saw: resolves one after the
// other would each wait out the second and see one in flight.
type barrierResolver struct {
	want    int
	mu      sync.Mutex
	flying  int
	most    int
	arrived chan struct{}
	fail    bool
}

func (r *barrierResolver) ResolveImageConfig(ctx context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	r.mu.Lock()
	r.flying++
	r.most = max(r.most, r.flying)
	if r.flying == r.want {
		close(r.arrived)
	}
	r.mu.Unlock()
	select {
	case <-r.arrived:
	case <-time.After(time.Second):
	}
	r.mu.Lock()
	r.flying--
	r.mu.Unlock()
	if r.fail {
		return "", "", nil, fmt.Errorf("registry said no to %s", ref)
	}
	return fakeResolver{}.ResolveImageConfig(ctx, ref, opt)
}

// TestBaseImagesResolvedTogether: a plan's base images are resolved at once
// (each is a registry round trip on every build), yet the pinned list and
// the error a failing registry gives are in stage order.
func TestBaseImagesResolvedTogether(t *testing.T) {
	pl, s := goHelloPlan(t, arm64)
	gen := func(r llbgen.ImageResolver) (*llbgen.Result, error) {
		return llbgen.Generate(context.Background(), pl, llbgen.Options{
			BuildPlatform: amd64, TargetPlatform: arm64,
			Context: llb.Local("context"), Resolver: r, Where: s.Where,
		})
	}

	r := &barrierResolver{want: 2, arrived: make(chan struct{})}
	res, err := gen(r)
	if err != nil {
		t.Fatal(err)
	}
	if r.most != 2 {
		t.Errorf("at most %d resolve(s) in flight, want the 2 base images at once", r.most)
	}
	var refs []string
	for _, b := range res.Bases {
		refs = append(refs, b.Ref)
	}
	if want := []string{"docker.io/library/golang:1.26", "gcr.io/distroless/static-debian13:nonroot"}; !slices.Equal(refs, want) {
		t.Errorf("pinned bases %v, want %v (stage order)", refs, want)
	}

	_, err = gen(&barrierResolver{want: 2, arrived: make(chan struct{}), fail: true})
	if err == nil || !strings.Contains(err.Error(), "resolve base image docker.io/library/golang:1.26 for linux/amd64") {
		t.Errorf("error %v, want the first stage's image (golang on the build platform)", err)
	}
}
