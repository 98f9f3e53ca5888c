package profiles_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/org/appbuild/internal/exampletest"
	"github.com/org/appbuild/internal/golden"
	"github.com/org/appbuild/internal/testfiles"
	"github.com/org/appbuild/profiles"
	"github.com/org/appbuild/spec"
)

var (
	amd64 = ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	arm64 = ocispecs.Platform{OS: "linux", Architecture: "arm64"}
)

// TestExamplePlans snapshots the plan of every example for an amd64 and an
// arm64 image, both built on amd64; run go test ./profiles -update to accept
// a change after reading its diff.
func TestExamplePlans(t *testing.T) {
	forEachExample(t, func(t *testing.T, dir string, s *spec.Spec, p profiles.Profile, env profiles.Env) {
		pl, err := p.Plan(s, env)
		if err != nil {
			t.Fatal(err)
		}
		got, err := json.MarshalIndent(pl, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		golden.Check(t, filepath.Join(dir, "want", "plan.linux-"+env.TargetPlatform.Architecture+".json"), append(got, '\n'))
	})
}

// forEachExample calls f, in a subtest per example, with the example's
// spec, profile and an env for an amd64 and then an arm64 image, both
// built on amd64.
func forEachExample(t *testing.T, f func(t *testing.T, dir string, s *spec.Spec, p profiles.Profile, env profiles.Env)) {
	exampletest.Each(t, "../examples", func(t *testing.T, ex exampletest.Example) {
		for _, target := range []ocispecs.Platform{amd64, arm64} {
			f(t, ex.Dir, ex.Spec, ex.Profile, ex.Env(amd64, target))
		}
	})
}

func parse(t *testing.T, src string) *spec.Spec {
	t.Helper()
	s, err := spec.Parse("app.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestGoVersionFromGoMod(t *testing.T) {
	s := parse(t, "name: app\nlanguage: go\n")
	pl, err := profiles.Go{}.Plan(s, profiles.Env{BuildPlatform: amd64, TargetPlatform: arm64,
		Files: testfiles.Map{"go.mod": "module x\n\ngo 1.25.3\n"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := pl.Stage("build").From.Image; got != "docker.io/library/golang:1.25" {
		t.Errorf("builder image = %q, want golang:1.25 from go.mod", got)
	}
	// No go.sum: only go.mod is copied before the download.
	if got := pl.Stage("build").Steps[0].Copy.Paths; len(got) != 1 || got[0] != "go.mod" {
		t.Errorf("dependency copy = %v, want [go.mod]", got)
	}
	// No port and no healthcheck: no probe stage and no HEALTHCHECK.
	if pl.Stage("probe") != nil || pl.Image.Healthcheck != nil {
		t.Errorf("app with no port got a probe: %+v", pl.Image.Healthcheck)
	}
}

func TestGoErrorsPointAtTheSpec(t *testing.T) {
	cases := []struct {
		name, src string
		files     testfiles.Map
		want      string
	}{
		{"no go.mod", "name: app\nlanguage: go\n", testfiles.Map{}, "app.yaml:2:1: go.mod not found in the app's directory: a go app needs a module (go mod init)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := profiles.Go{}.Plan(parse(t, c.src), profiles.Env{BuildPlatform: amd64, TargetPlatform: amd64, Files: c.files})
			if err == nil || err.Error() != c.want {
				t.Fatalf("got %v\nwant %s", err, c.want)
			}
		})
	}
}

func TestHealthcheckKinds(t *testing.T) {
	gomod := testfiles.Map{"go.mod": "module x\n"}
	cases := []struct{ src, want string }{
		{"port: 8080\n", `["CMD","/app/appbuild-probe","tcp://127.0.0.1:8080"]`},
		{"port: 8080\nhealthcheck:\n  http: /ready\n", `["CMD","/app/appbuild-probe","http://127.0.0.1:8080/ready"]`},
		{"port: 8080\nhealthcheck:\n  exec: [/app/app, -check]\n", `["CMD","/app/app","-check"]`},
		{"port: 8080\nhealthcheck:\n  none: true\n", `["NONE"]`},
	}
	for _, c := range cases {
		pl, err := profiles.Go{}.Plan(parse(t, "name: app\nlanguage: go\n"+c.src), profiles.Env{BuildPlatform: amd64, TargetPlatform: amd64, Files: gomod})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(pl.Image.Healthcheck.Test)
		if string(got) != c.want {
			t.Errorf("%q: test = %s, want %s", c.src, got, c.want)
		}
	}
}

func TestDetect(t *testing.T) {
	cases := []struct {
		files    testfiles.Map
		language string
		evidence string
	}{
		{testfiles.Map{"go.mod": "", "package.json": ""}, "go", "go.mod"},
		{testfiles.Map{"requirements.txt": ""}, "python", "requirements.txt"},
		{testfiles.Map{"package.json": ""}, "node", "package.json"},
		{testfiles.Map{"pom.xml": ""}, "java", "pom.xml"},
		{testfiles.Map{"Cargo.toml": ""}, "rust", "Cargo.toml"},
		{testfiles.Map{"index.html": ""}, "static", "index.html"},
	}
	for _, c := range cases {
		lang, ev, ok := profiles.Detect(c.files)
		if !ok || lang != c.language || ev != c.evidence {
			t.Errorf("Detect(%v) = %s, %s, %v; want %s from %s", c.files, lang, ev, ok, c.language, c.evidence)
		}
	}
	if _, _, ok := profiles.Detect(testfiles.Map{"README.md": ""}); ok {
		t.Error("detected a language from a README")
	}
}

// TestGoDepsLayer: with Env.DepsLayer the modules are downloaded into the
// download step's layer (which --cache-to exports), and no step mounts the
// module cache; the build cache stays a mount.
func TestGoDepsLayer(t *testing.T) {
	s := parse(t, "name: app\nlanguage: go\n")
	files := testfiles.Map{"go.mod": "module x\n\ngo 1.26\n", "go.sum": ""}
	for _, layer := range []bool{false, true} {
		pl, err := profiles.Go{}.Plan(s, profiles.Env{BuildPlatform: amd64, TargetPlatform: arm64, Files: files, DepsLayer: layer})
		if err != nil {
			t.Fatal(err)
		}
		build := pl.Stage("build")
		var modMounts int
		for _, st := range append(build.Steps, pl.Stage("test").Steps...) {
			if st.Run == nil {
				continue
			}
			for _, m := range st.Run.Mounts {
				if m.Target == "/go/pkg/mod" {
					modMounts++
				}
			}
		}
		inLayer := slices.Contains(build.Env, "GOMODCACHE=/deps/go/mod")
		if layer && (modMounts != 0 || !inLayer) {
			t.Errorf("DepsLayer: %d module cache mounts, env %v: want none and GOMODCACHE in the layer", modMounts, build.Env)
		}
		if !layer && (modMounts != 3 || inLayer) {
			t.Errorf("default: %d module cache mounts, env %v: want 3 (download, build, test) and no GOMODCACHE", modMounts, build.Env)
		}
	}
}

// TestGoSecretsMountedInDownload: a Go app's secrets reach the step that
// fetches modules, and only it: netrc as /root/.netrc (read by the go
// command and by git), others as their file or variable.
func TestGoSecretsMountedInDownload(t *testing.T) {
	s := parse(t, "name: app\nlanguage: go\nsecrets:\n  - {id: netrc, required: true}\n  - {id: goprivate, env: GOPRIVATE}\n  - {id: token}\n")
	pl, err := profiles.Go{}.Plan(s, profiles.Env{BuildPlatform: amd64, TargetPlatform: arm64, Files: testfiles.Map{"go.mod": "module x\ngo 1.26\n"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range pl.Stages {
		for _, step := range st.Steps {
			if step.Run == nil {
				continue
			}
			var secrets []string
			for _, m := range step.Run.Mounts {
				if m.Kind == "secret" {
					secrets = append(secrets, fmt.Sprintf("%s:%s%s:%v", m.ID, m.Target, m.Env, m.Required))
				}
			}
			want := []string(nil)
			if step.Name == "go mod download" {
				want = []string{"netrc:/root/.netrc:true", "goprivate:GOPRIVATE:false", "token:/run/secrets/token:false"}
			}
			if !slices.Equal(secrets, want) {
				t.Errorf("%s: secrets %v, want %v", step.Name, secrets, want)
			}
		}
	}
}
