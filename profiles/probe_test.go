package profiles_test

import (
	"bytes"
	"testing"

	"github.com/org/appbuild/healthprobe"
	"github.com/org/appbuild/internal/testfiles"
	"github.com/org/appbuild/profiles"
	"github.com/org/appbuild/spec"
)

// TestPrebuiltProbe: with Env.Probe every example's plan is the plan
// without it, less the probe stage, with the runtime's copy of the probe
// replaced by a write of the prebuilt bytes, root's (as every write is)
// with mode 0755 at healthprobe.Path. Non-Go apps then never use the
// golang image for the probe.
func TestPrebuiltProbe(t *testing.T) {
	probe := []byte("\x7fELF prebuilt probe\x00\xff")
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
		if len(pre.Stages) != len(from.Stages)-1 {
			t.Errorf("%s: %d stages, want %d (all but the probe's)", arch, len(pre.Stages), len(from.Stages)-1)
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
		writes := 0
		for i, step := range rtPre.Steps {
			if step.Write == nil {
				continue
			}
			writes++
			w := step.Write
			if w.Path != healthprobe.Path || w.Mode != 0o755 || !bytes.Equal(w.Data, probe) {
				t.Errorf("%s: runtime writes %s mode %o, want the probe at %s mode 755", arch, w.Path, w.Mode, healthprobe.Path)
			}
			if c := rtFrom.Steps[i].Copy; c == nil || c.Dest != healthprobe.Path || c.Owner != "0:0" {
				t.Errorf("%s: the write is not where the root-owned probe copy was: %+v", arch, rtFrom.Steps[i])
			}
			if want := "write appbuild-probe (prebuilt, linux/" + arch + ")"; step.Name != want {
				t.Errorf("%s: step name %q, want %q", arch, step.Name, want)
			}
		}
		if writes != 1 {
			t.Errorf("%s: %d writes in the runtime, want 1", arch, writes)
		}
	})
}

// TestPrebuiltProbeOnlyForTheSameGo: a Go app pinned to another Go
// version builds the probe with that version, as the ejected Dockerfile
// does, not with the prebuilt (golang:1.26) bytes.
func TestPrebuiltProbeOnlyForTheSameGo(t *testing.T) {
	s := parse(t, "name: app\nlanguage: go\nport: 8080\n")
	pl, err := profiles.Go{}.Plan(s, profiles.Env{BuildPlatform: amd64, TargetPlatform: arm64,
		Files: testfiles.Map{"go.mod": "module x\n\ngo 1.25\n"}, Probe: []byte("probe")})
	if err != nil {
		t.Fatal(err)
	}
	if st := pl.Stage("probe"); st == nil || st.From.Image != "docker.io/library/golang:1.25" {
		t.Fatalf("probe stage = %+v, want one built with golang:1.25", st)
	}
	for _, step := range pl.Stage("runtime").Steps {
		if step.Write != nil {
			t.Errorf("runtime writes %s", step.Write.Path)
		}
	}
}
