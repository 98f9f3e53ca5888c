package profiles_test

import (
	"slices"
	"testing"

	"github.com/org/appbuild/healthprobe"
	"github.com/org/appbuild/internal/testfiles"
	"github.com/org/appbuild/profiles"
	"github.com/org/appbuild/spec"
)

// TestPrebuiltProbe: with Env.Probe every example's plan is the plan
// without it, with the probe's build stage replaced by a stage of the
// frontend's image (on the build platform) and the runtime's copy of the
// probe taken from the prebuilt file there, root's, mode 0755, at
// healthprobe.Path. Non-Go apps then never use the golang image for the
// probe.
func TestPrebuiltProbe(t *testing.T) {
	probe := &profiles.PrebuiltProbe{Image: "docker.io/org/appbuild:latest", Path: "/probes/linux/x/appbuild-probe"}
	forEachExample(t, func(t *testing.T, _ string, s *spec.Spec, p profiles.Profile, env profiles.Env) {
		arch := env.TargetPlatform.Architecture
		from, err := p.Plan(s, env)
		if err != nil {
			t.Fatal(err)
		}
		env.Probe = probe
		pre, err := p.Plan(s, env)
		if err != nil {
			t.Fatal(err)
		}
		if from.Stage("probe") == nil {
			t.Fatalf("%s: the example has no probe stage to replace", arch)
		}
		if pre.Stage("probe") != nil {
			t.Errorf("%s: a probe stage with the probe prebuilt", arch)
		}
		frontend := pre.Stage("prebuilt-probe")
		if frontend == nil || frontend.From.Image != probe.Image || !frontend.OnBuildPlatform || len(frontend.Steps) != 0 {
			t.Fatalf("%s: prebuilt-probe stage = %+v, want the frontend image on the build platform", arch, frontend)
		}
		if len(pre.Stages) != len(from.Stages) {
			t.Errorf("%s: %d stages, want %d (the probe's replaced)", arch, len(pre.Stages), len(from.Stages))
		}
		if s.Language != "go" && s.Language != "static" {
			for _, st := range pre.Stages {
				if st.From.Image == "docker.io/library/golang:1.26" {
					t.Errorf("%s: stage %s still uses the golang image", arch, st.Name)
				}
			}
		}
		rtFrom, rtPre := from.Stage(from.Final), pre.Stage(pre.Final)
		if len(rtPre.Steps) != len(rtFrom.Steps) {
			t.Fatalf("%s: runtime has %d steps, want %d", arch, len(rtPre.Steps), len(rtFrom.Steps))
		}
		copies := 0
		for i, step := range rtPre.Steps {
			if step.Copy == nil || step.Copy.FromStage != "prebuilt-probe" {
				continue
			}
			copies++
			c := step.Copy
			if !slices.Equal(c.Paths, []string{probe.Path}) || c.Dest != healthprobe.Path || c.Mode != 0o755 || c.Owner != "0:0" {
				t.Errorf("%s: runtime copies %+v, want %s to %s, root's, mode 755", arch, c, probe.Path, healthprobe.Path)
			}
			if was := rtFrom.Steps[i].Copy; was == nil || was.Dest != healthprobe.Path || was.FromStage != "probe" {
				t.Errorf("%s: the copy is not where the compiled probe's copy was: %+v", arch, rtFrom.Steps[i])
			}
			if want := "copy appbuild-probe (prebuilt, linux/" + arch + ")"; step.Name != want {
				t.Errorf("%s: step name %q, want %q", arch, step.Name, want)
			}
		}
		if copies != 1 {
			t.Errorf("%s: %d copies of the prebuilt probe in the runtime, want 1", arch, copies)
		}
	})
}

// TestPrebuiltProbeOnlyForTheSameGo: a Go app pinned to another Go
// version builds the probe with that version, as the ejected Dockerfile
// does, not with the prebuilt (golang:1.26) bytes.
func TestPrebuiltProbeOnlyForTheSameGo(t *testing.T) {
	s := parse(t, "name: app\nlanguage: go\nport: 8080\n")
	pl, err := profiles.Go{}.Plan(s, profiles.Env{BuildPlatform: amd64, TargetPlatform: arm64,
		Files: testfiles.Map{"go.mod": "module x\n\ngo 1.25\n"}, Probe: &profiles.PrebuiltProbe{Image: "org/appbuild", Path: "/probes/linux/arm64/appbuild-probe"}})
	if err != nil {
		t.Fatal(err)
	}
	if st := pl.Stage("probe"); st == nil || st.From.Image != "docker.io/library/golang:1.25" {
		t.Fatalf("probe stage = %+v, want one built with golang:1.25", st)
	}
	if pl.Stage("prebuilt-probe") != nil {
		t.Error("a stage of the frontend image for a probe built with another Go")
	}
}
