// Package examples_test snapshots, for every example app and platform, the
// LLB and image config appbuild generates (examples/*/want/llb.*.txt and
// config.*.json), beside the plan, Dockerfile and compose snapshots the
// profiles, eject and compose tests keep there: a refactor shows its whole
// effect as a diff. make golden rewrites them.
package examples_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/org/appbuild/internal/golden"
	"github.com/org/appbuild/internal/llbtest"
	"github.com/org/appbuild/internal/testfiles"
	"github.com/org/appbuild/llbgen"
	"github.com/org/appbuild/profiles"
	"github.com/org/appbuild/spec"
)

// build is the platform the examples are built on; each is built for both.
var build = ocispecs.Platform{OS: "linux", Architecture: "amd64"}

func TestExampleLLB(t *testing.T) {
	specs, err := filepath.Glob("*/app.yaml")
	if err != nil || len(specs) == 0 {
		t.Fatalf("no example specs found: %v", err)
	}
	for _, file := range specs {
		dir := filepath.Dir(file)
		t.Run(dir, func(t *testing.T) {
			for _, arch := range []string{"amd64", "arm64"} {
				target := ocispecs.Platform{OS: "linux", Architecture: arch}
				dump, config := generate(t, file, target)
				golden.Check(t, filepath.Join(dir, "want", "llb.linux-"+arch+".txt"), []byte(dump))
				golden.Check(t, filepath.Join(dir, "want", "config.linux-"+arch+".json"), config)
			}
		})
	}
}

// TestExampleLLBDeterministic: generating twice gives the same bytes.
func TestExampleLLBDeterministic(t *testing.T) {
	a, _ := generate(t, "py-uv/app.yaml", build)
	b, _ := generate(t, "py-uv/app.yaml", build)
	if a != b {
		t.Error("two generations of py-uv differ")
	}
}

// generate plans an example for a target platform the way the frontend
// does (with the spec's source map) and returns its LLB dump and image
// config.
func generate(t *testing.T, file string, target ocispecs.Platform) (string, []byte) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Parse("app.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	profile, err := profiles.Get(s.Language)
	if err != nil {
		t.Fatal(err)
	}
	files := testfiles.Dir(filepath.Join(filepath.Dir(file), s.Dir))
	pl, err := profile.Plan(s, profiles.Env{BuildPlatform: build, TargetPlatform: target, Files: files})
	if err != nil {
		t.Fatal(err)
	}
	src := llb.Local("dockerfile")
	res, err := llbgen.Generate(context.Background(), pl, llbgen.Options{
		BuildPlatform:  build,
		TargetPlatform: target,
		Context:        llb.Local("context", llb.LocalUniqueID("test")),
		Resolver:       llbtest.Resolver{},
		SourceMap:      llb.NewSourceMap(&src, "app.yaml", "YAML", data),
		Where:          s.Where,
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
