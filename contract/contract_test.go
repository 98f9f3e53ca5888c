package contract_test

import (
	"slices"
	"testing"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/org/appbuild/contract"
	"github.com/org/appbuild/healthprobe"
	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/spec"
)

func parse(t *testing.T, src string) *spec.Spec {
	t.Helper()
	s, err := spec.Parse("app.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var amd64 = contract.Env{TargetPlatform: ocispecs.Platform{OS: "linux", Architecture: "amd64"}}

// build is a language's part of a plan with a stage after the one its
// tests run in, so the test stage's place shows.
func build() contract.Build {
	return contract.Build{
		Stages:     []plan.Stage{{Name: "deps"}, {Name: "build"}, {Name: "app"}},
		Test:       &contract.Test{From: "build", Step: "lang test", Run: plan.Run{Args: []string{"lang", "test"}}},
		Runtime:    plan.Stage{From: plan.Base{Image: "base"}, Steps: []plan.Step{{Name: "copy app"}}},
		Last:       []plan.Step{{Name: "copy site"}},
		Entrypoint: []string{"/app/x"},
		Env:        map[string]string{"LANG_ENV": "1", "PORT": "1"},
	}
}

func stageNames(p *plan.Plan) []string {
	var names []string
	for _, st := range p.Stages {
		names = append(names, st.Name)
	}
	return names
}

func TestAssembleOrdersStages(t *testing.T) {
	s := parse(t, "name: x\nlanguage: go\nport: 8080\nhealthcheck:\n  http: /healthz\n")
	p, err := contract.Assemble(s, build(), amd64)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := stageNames(p), []string{"deps", "build", "test", "app", "probe", "runtime"}; !slices.Equal(got, want) {
		t.Errorf("stages %v, want %v", got, want)
	}
	rt := p.Stage("runtime")
	var steps []string
	for _, st := range rt.Steps {
		steps = append(steps, st.Name)
	}
	if want := []string{"copy app", "copy appbuild-probe", "copy site"}; !slices.Equal(steps, want) {
		t.Errorf("runtime steps %v, want %v", steps, want)
	}
	if p.Final != "runtime" || p.Test != "test" {
		t.Errorf("final %q test %q", p.Final, p.Test)
	}
	if got := p.Image.Healthcheck.Test; !slices.Equal(got, []string{"CMD", healthprobe.Path, "http://127.0.0.1:8080/healthz"}) {
		t.Errorf("healthcheck %q", got)
	}
	// The spec's port sets PORT over the language's default.
	if want := []string{"LANG_ENV=1", "PORT=8080"}; !slices.Equal(p.Image.Env, want) {
		t.Errorf("env %v, want %v", p.Image.Env, want)
	}
}

func TestAssembleSpecTestReplacesTheCommand(t *testing.T) {
	s := parse(t, "name: x\nlanguage: go\ntest: [make, check]\n")
	p, err := contract.Assemble(s, build(), amd64)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Stage("test").Steps[0].Run.Args; !slices.Equal(got, []string{"make", "check"}) {
		t.Errorf("test runs %q", got)
	}
	// No port and no healthcheck: no probe.
	if got, want := stageNames(p), []string{"deps", "build", "test", "app", "runtime"}; !slices.Equal(got, want) {
		t.Errorf("stages %v, want %v", got, want)
	}
}

func TestAssembleWithoutTests(t *testing.T) {
	b := build()
	b.Test = nil
	p, err := contract.Assemble(parse(t, "name: x\nlanguage: go\n"), b, amd64)
	if err != nil {
		t.Fatal(err)
	}
	if p.Test != "" || p.Stage("test") != nil {
		t.Errorf("a build without tests got a test stage %q", p.Test)
	}
}

// The prebuilt probe is used only when the probe would be compiled with
// the same Go image the frontend's was.
func TestAssemblePrebuiltProbe(t *testing.T) {
	s := parse(t, "name: x\nlanguage: go\nport: 8080\n")
	env := amd64
	env.Probe = &contract.PrebuiltProbe{Image: "frontend", Path: "/probe"}
	for _, tc := range []struct {
		probeGo string
		stage   string
	}{{"", "prebuilt-probe"}, {contract.GoImage, "prebuilt-probe"}, {contract.GoRepo + ":1.22", "probe"}} {
		b := build()
		b.ProbeGo = tc.probeGo
		p, err := contract.Assemble(s, b, env)
		if err != nil {
			t.Fatal(err)
		}
		if p.Stage(tc.stage) == nil {
			t.Errorf("probe go %q: no %s stage in %v", tc.probeGo, tc.stage, stageNames(p))
		}
	}
}

// spec.Parse refuses an http check without a port; a Spec built by hand
// that has one gets an error from Assemble, not a panic.
func TestAssembleHTTPWithoutPort(t *testing.T) {
	s := parse(t, "name: x\nlanguage: go\n")
	s.Healthcheck = &spec.Healthcheck{HTTP: "/healthz"}
	if _, err := contract.Assemble(s, build(), amd64); err == nil {
		t.Fatal("an http healthcheck without a port was assembled")
	}
}
