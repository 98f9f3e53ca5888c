// Package exampletest loads the repository's example apps for the tests
// that snapshot or check what appbuild makes of them (plans, LLB, ejected
// Dockerfiles, compose files), so that each walks the examples, parses
// them and finds their profile the same way.
package exampletest

import (
	"os"
	"path/filepath"
	"testing"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/org/appbuild/internal/testfiles"
	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/profiles"
	"github.com/org/appbuild/spec"
)

// Example is one example app, parsed, with its profile.
type Example struct {
	Dir     string // the example's directory, which holds app.yaml and want/
	Src     []byte // app.yaml
	Spec    *spec.Spec
	Profile profiles.Profile
}

// Load reads the example whose spec is file (DIR/app.yaml), parses it and
// finds its profile.
func Load(t testing.TB, file string) Example {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Parse("app.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	profile, err := profiles.Get(s.Language)
	if err != nil {
		t.Fatal(err)
	}
	return Example{Dir: filepath.Dir(file), Src: src, Spec: s, Profile: profile}
}

// Each calls f in a subtest, named after the example's directory, for every
// example under root (the examples folder).
func Each(t *testing.T, root string, f func(t *testing.T, ex Example)) {
	t.Helper()
	specs, err := filepath.Glob(filepath.Join(root, "*", "app.yaml"))
	if err != nil || len(specs) == 0 {
		t.Fatalf("no example specs found under %s: %v", root, err)
	}
	for _, file := range specs {
		t.Run(filepath.Base(filepath.Dir(file)), func(t *testing.T) {
			f(t, Load(t, file))
		})
	}
}

// Files is the app's directory (the spec's dir inside the example), as the
// frontend reads the build context.
func (ex Example) Files() testfiles.Dir {
	return testfiles.Dir(filepath.Join(ex.Dir, ex.Spec.Dir))
}

// Env is the planning environment for an image for target built on build.
func (ex Example) Env(build, target ocispecs.Platform) profiles.Env {
	return profiles.Env{BuildPlatform: build, TargetPlatform: target, Files: ex.Files()}
}

// Plan plans the example with env.
func (ex Example) Plan(t testing.TB, env profiles.Env) *plan.Plan {
	t.Helper()
	p, err := ex.Profile.Plan(ex.Spec, env)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
