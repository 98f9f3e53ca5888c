// Package examples_test snapshots, for every example app and platform, the
// LLB and image config appbuild generates (examples/*/want/llb.*.txt and
// config.*.json), beside the plan, Dockerfile and compose snapshots the
// profiles, eject and compose tests keep there: a refactor shows its whole
// effect as a diff. make golden rewrites them.
package examples_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/org/appbuild/internal/exampletest"
	"github.com/org/appbuild/internal/golden"
	"github.com/org/appbuild/internal/llbtest"
	"github.com/org/appbuild/llbgen"
)

// build is the platform the examples are built on; each is built for both.
var build = ocispecs.Platform{OS: "linux", Architecture: "amd64"}

func TestExampleLLB(t *testing.T) {
	exampletest.Each(t, ".", func(t *testing.T, ex exampletest.Example) {
		for _, arch := range []string{"amd64", "arm64"} {
			target := ocispecs.Platform{OS: "linux", Architecture: arch}
			dump, config := generate(t, ex, target)
			golden.Check(t, filepath.Join(ex.Dir, "want", "llb.linux-"+arch+".txt"), []byte(dump))
			golden.Check(t, filepath.Join(ex.Dir, "want", "config.linux-"+arch+".json"), config)
		}
	})
}

// TestExampleLLBDeterministic: generating twice gives the same bytes.
func TestExampleLLBDeterministic(t *testing.T) {
	a, _ := generate(t, exampletest.Load(t, "py-uv/app.yaml"), build)
	b, _ := generate(t, exampletest.Load(t, "py-uv/app.yaml"), build)
	if a != b {
		t.Error("two generations of py-uv differ")
	}
}

// generate plans an example for a target platform the way the frontend
// does (with the spec's source map) and returns its LLB dump and image
// config.
func generate(t *testing.T, ex exampletest.Example, target ocispecs.Platform) (string, []byte) {
	t.Helper()
	pl := ex.Plan(t, ex.Env(build, target))
	src := llb.Local("dockerfile")
	res, err := llbgen.Generate(context.Background(), pl, llbgen.Options{
		BuildPlatform:  build,
		TargetPlatform: target,
		Context:        llb.Local("context", llb.LocalUniqueID("test")),
		Resolver:       llbtest.Resolver{},
		SourceMap:      llb.NewSourceMap(&src, "app.yaml", "YAML", ex.Src),
		Where:          ex.Spec.Where,
		Merge:          true,
	})
	if err != nil {
		t.Fatal(err)
	}
	def, err := res.State.Marshal(context.Background(), llb.Platform(target))
	if err != nil {
		t.Fatal(err)
	}
	dump, err := llbtest.Dump(def)
	if err != nil {
		t.Fatal(err)
	}
	config, err := json.MarshalIndent(res.Image, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return dump, append(config, '\n')
}
