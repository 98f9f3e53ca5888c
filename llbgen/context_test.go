package llbgen_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/client/llb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/org/appbuild/internal/testfiles"
	"github.com/org/appbuild/llbgen"
	"github.com/org/appbuild/pin"
	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/profiles"
	"github.com/org/appbuild/spec"
)

// TestNamedContextReplacesRuntime: a --build-context for the runtime
// image's repository replaces that image in the LLB, in the base labels and
// in the base config, and leaves the build stages on their own images.
func TestNamedContextReplacesRuntime(t *testing.T) {
	pl, _ := goHelloPlan(t, arm64)
	const repl = "registry.example/hardened/static:1"
	const dgst = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	cfg := &dockerspec.DockerOCIImage{}
	cfg.Config.Labels = map[string]string{"hardened": "yes"}
	contexts := func(_ context.Context, name string, p ocispecs.Platform) (*pin.Context, error) {
		if name != "gcr.io/distroless/static-debian13" {
			return nil, nil
		}
		return &pin.Context{Name: name, Ref: repl, Digest: dgst, Config: cfg, State: llb.Image(repl+"@"+dgst, llb.Platform(p))}, nil
	}
	res, err := llbgen.Generate(context.Background(), pl, llbgen.Options{
		BuildPlatform: amd64, TargetPlatform: arm64, Context: llb.Local("context"),
		Pins: pin.New(fakeResolver{}, contexts, llb.ResolveModeDefault),
	})
	if err != nil {
		t.Fatal(err)
	}
	labels := res.Image.Config.Labels
	if labels["org.opencontainers.image.base.name"] != repl || labels["org.opencontainers.image.base.digest"] != dgst || labels["hardened"] != "yes" {
		t.Errorf("labels %v, want the replacement's", labels)
	}
	def, err := res.State.Marshal(context.Background(), llb.Platform(arm64))
	if err != nil {
		t.Fatal(err)
	}
	var sources []string
	for _, line := range strings.Split(dump(t, def), "\n") {
		if _, rest, ok := strings.Cut(line, " source docker-image://"); ok {
			sources = append(sources, rest)
		}
	}
	if !slices.Contains(sources, repl+"@"+dgst) || slices.ContainsFunc(sources, func(s string) bool { return strings.Contains(s, "distroless") }) {
		t.Errorf("image sources %v, want the replacement and no distroless", sources)
	}
	if !slices.ContainsFunc(sources, func(s string) bool { return strings.HasPrefix(s, "docker.io/library/golang:1.26@") }) {
		t.Errorf("image sources %v, want golang untouched", sources)
	}
	want := llbgen.Pinned{Ref: "gcr.io/distroless/static-debian13:nonroot", Digest: dgst, Context: "gcr.io/distroless/static-debian13"}
	if !slices.Contains(res.Bases, want) {
		t.Errorf("bases %+v, want %+v", res.Bases, want)
	}
}

// goHelloPlan plans the go-hello example for a target platform, built on
// amd64, and returns its spec too.
func goHelloPlan(t *testing.T, target ocispecs.Platform) (*plan.Plan, *spec.Spec) {
	t.Helper()
	data, err := os.ReadFile("../examples/go-hello/app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Parse("app.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := profiles.Go{}.Plan(s, profiles.Env{BuildPlatform: amd64, TargetPlatform: target, Files: testfiles.Dir("../examples/go-hello")})
	if err != nil {
		t.Fatal(err)
	}
	return pl, s
}
