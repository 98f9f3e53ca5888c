package frontend

import (
	"errors"
	"slices"
	"strings"
	"testing"

	gwclient "github.com/moby/buildkit/frontend/gateway/client"

	"github.com/org/appbuild/llbgen"
	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/profiles"
	"github.com/org/appbuild/spec"
)

func TestIsSpec(t *testing.T) {
	cases := []struct {
		src  string
		spec bool
	}{
		{"# syntax=org/appbuild\nname: hello\n", true},
		{"# syntax=org/appbuild\n\n# comment\nlanguage: go\n", true},
		{"---\nname: x\n", true},
		{"", true},
		{"# syntax=org/appbuild\nFROM golang:1.26 AS build\nRUN go build\n", false},
		{"# syntax=org/appbuild\nARG X=1\nFROM scratch\n", false},
		{"from scratch\n", false},
		{"\"name\": x\n", true},
	}
	for _, c := range cases {
		if got := isSpec([]byte(c.src)); got != c.spec {
			t.Errorf("isSpec(%q) = %v, want %v", c.src, got, c.spec)
		}
	}
}

func TestTargets(t *testing.T) {
	if got, err := findTarget(""); err != nil || got.name != defaultTarget {
		t.Fatalf("default target = %v, %v", got.name, err)
	}
	_, err := findTarget("imgae")
	if err == nil || !strings.Contains(err.Error(), `target "imgae" does not exist; appbuild builds: image, compose, kubernetes, dockerfile, test, scan`) {
		t.Fatalf("unknown target error = %v", err)
	}
	l := listTargets()
	if len(l.Targets) != len(allTargets) || !l.Targets[0].Default || l.Targets[0].Description == "" {
		t.Fatalf("targets list = %+v", l.Targets)
	}
}

// stubClient answers BuildOpts only; enough for option plumbing.
type stubClient struct {
	gwclient.Client
	opts map[string]string
}

func (s stubClient) BuildOpts() gwclient.BuildOpts { return gwclient.BuildOpts{Opts: s.opts} }

func TestForwardedStopsSyntaxLoop(t *testing.T) {
	c := stubClient{opts: map[string]string{"filename": "Dockerfile"}}
	got := forwarded{c}.BuildOpts().Opts
	if got["cmdline"] == "" || got["filename"] != "Dockerfile" {
		t.Fatalf("forwarded opts = %v: want cmdline set and the rest kept", got)
	}
	if _, ok := c.opts["cmdline"]; ok {
		t.Fatal("forwarded changed the caller's options map")
	}
	c = stubClient{opts: map[string]string{"cmdline": "org/appbuild:v1"}}
	if got := (forwarded{c}).BuildOpts().Opts["cmdline"]; got != "org/appbuild:v1" {
		t.Fatalf("cmdline overwritten: %q", got)
	}
}

// The frontend must transfer every file language detection looks at.
func TestManifestsCoverDetection(t *testing.T) {
	for _, f := range profiles.DetectFiles() {
		if !slices.Contains(manifests, f) {
			t.Errorf("detection reads %s but the frontend does not load it", f)
		}
	}
}

func TestSourceDateEpoch(t *testing.T) {
	none := map[string]string{}
	if e, err := sourceDateEpoch(none); e != nil || err != nil {
		t.Fatalf("no epoch: %v %v", e, err)
	}
	e, err := sourceDateEpoch(map[string]string{"SOURCE_DATE_EPOCH": "1700000000"})
	if err != nil || e.Unix() != 1700000000 {
		t.Fatalf("epoch = %v, %v", e, err)
	}
	if _, err := sourceDateEpoch(map[string]string{"SOURCE_DATE_EPOCH": "yesterday"}); err == nil {
		t.Fatal("a non-number epoch was accepted")
	}
}

func TestApplyOverrides(t *testing.T) {
	s, err := spec.Parse("app.yaml", []byte("name: hello\nlanguage: go\nversion: \"1.26\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := applyOverrides(s, map[string]string{"APPBUILD_VERSION": "1.25", "APPBUILD_RUNTIME": "scratch", "UNRELATED": "x"}); err != nil {
		t.Fatal(err)
	}
	if s.Version != "1.25" || s.Runtime != "scratch" {
		t.Fatalf("overrides not applied: version %q runtime %q", s.Version, s.Runtime)
	}
	err = applyOverrides(s, map[string]string{"APPBUILD_RUNTIME": "alpine", "APPBUILD_BUILD": "../../etc"})
	if err == nil {
		t.Fatal("bad overrides accepted")
	}
	for _, want := range []string{`build-arg APPBUILD_RUNTIME="alpine": runtime`, `build-arg APPBUILD_BUILD="../../etc": `} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if s.Runtime != "scratch" {
		t.Errorf("a refused override changed the spec: runtime %q", s.Runtime)
	}
}

func TestDepsInLayer(t *testing.T) {
	for v, want := range map[string]bool{"": false, "mount": false, "layer": true} {
		got, err := depsInLayer(map[string]string{"APPBUILD_DEPS": v})
		if err != nil || got != want {
			t.Errorf("APPBUILD_DEPS=%q: %v, %v; want %v", v, got, err, want)
		}
	}
	if _, err := depsInLayer(map[string]string{"APPBUILD_DEPS": "Layer"}); err == nil || !strings.Contains(err.Error(), `APPBUILD_DEPS="Layer": want mount or layer`) {
		t.Errorf("a bad value gave %v", err)
	}
}

// TestExplainBaseImage: a base image whose tag carries the toolchain
// version that cannot be resolved is explained with the version, where it
// was read and the override, at the spec's line; other errors pass as
// they are.
func TestExplainBaseImage(t *testing.T) {
	s, err := spec.Parse("app.yaml", []byte("name: web\nlanguage: node\n"))
	if err != nil {
		t.Fatal(err)
	}
	b := &builder{spec: s}
	missing := &llbgen.BaseImageError{Ref: "gcr.io/distroless/nodejs30-debian13:nonroot", Platform: "linux/amd64", Err: errors.New("not found")}
	tc := &plan.Toolchain{Name: "Node.js", Version: "30", From: ".nvmrc"}
	want := "app.yaml:2:1: resolve base image gcr.io/distroless/nodejs30-debian13:nonroot for linux/amd64: not found: Node.js 30 (from .nvmrc) may have no such image; set version in the spec or --build-arg APPBUILD_VERSION to a version that has one"
	if got := b.explainBaseImage(missing, tc); got == nil || got.Error() != want {
		t.Errorf("got  %v\nwant %s", got, want)
	}
	other := errors.New("boom")
	if got := b.explainBaseImage(other, tc); got != other {
		t.Errorf("another error became %v", got)
	}
	unrelated := &llbgen.BaseImageError{Ref: "docker.io/library/golang:1.26", Platform: "linux/amd64", Err: errors.New("not found")}
	if got := b.explainBaseImage(unrelated, tc); got != error(unrelated) {
		t.Errorf("an image without the version became %v", got)
	}
}
