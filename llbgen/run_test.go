package llbgen_test

import (
	"context"
	"strings"
	"testing"

	"github.com/moby/buildkit/client/llb"

	"github.com/org/appbuild/internal/llbtest"
	"github.com/org/appbuild/llbgen"
	"github.com/org/appbuild/plan"
)

// TestRunMountErrors: a mount the plan cannot mean fails the generation,
// naming it, rather than being left out of the step.
func TestRunMountErrors(t *testing.T) {
	for _, c := range []struct {
		mounts []plan.Mount
		want   string
	}{
		{[]plan.Mount{{Kind: "stage", Stage: "nowhere", Target: "/x"}}, `mount of unknown stage "nowhere" at /x`},
		{[]plan.Mount{{Kind: "output", Target: "/a"}, {Kind: "output", Target: "/b"}}, "two output mounts (/a, /b)"},
		{[]plan.Mount{{Kind: "output", Target: "/a", Stage: "nowhere"}}, `output mount at /a starts from unknown stage "nowhere"`},
		{[]plan.Mount{{Kind: "tmpfs", Target: "/t"}}, `a mount of kind "tmpfs" at /t`},
	} {
		p := &plan.Plan{Final: "s", Stages: []plan.Stage{{Name: "s", Steps: []plan.Step{{
			Name: "run", Run: &plan.Run{Args: []string{"true"}, Mounts: c.mounts},
		}}}}}
		_, err := llbgen.Generate(context.Background(), p, llbgen.Options{
			BuildPlatform: amd64, TargetPlatform: amd64, Context: llb.Local("context"), Resolver: fakeResolver{},
		})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("mounts %+v: error %v, want %q", c.mounts, err, c.want)
		}
	}
}

// TestOutputStage: Output returns another stage than Final, while the
// image config still comes from Final.
func TestOutputStage(t *testing.T) {
	p := &plan.Plan{Final: "app", Output: "nowhere", Stages: []plan.Stage{{Name: "app", Steps: []plan.Step{{
		Name: "write", Write: &plan.Write{Path: "/a", Data: []byte("a"), Mode: 0o644},
	}}}}}
	gen := func() error {
		_, err := llbgen.Generate(context.Background(), p, llbgen.Options{
			BuildPlatform: amd64, TargetPlatform: amd64, Context: llb.Local("context"), Resolver: fakeResolver{},
		})
		return err
	}
	if err := gen(); err == nil || !strings.Contains(err.Error(), `plan has no output stage "nowhere"`) {
		t.Errorf("error %v", err)
	}
	p.Output = "app"
	if err := gen(); err != nil {
		t.Error(err)
	}
}

// TestVolumeDirs: a volume's directory is made owned by the app's user and
// its missing parents as root, both where the final stage's steps are
// layers merged onto the base and where they run on it in order; the
// image config declares the volume.
func TestVolumeDirs(t *testing.T) {
	steps := []plan.Step{
		{Name: "write", Write: &plan.Write{Path: "/app/a", Data: []byte("a"), Mode: 0o644}},
		{Name: "volume /var/lib/app", Mkdir: &plan.Mkdir{Path: "/var/lib/app", Owner: "65532:65532"}},
		{Name: "volume /data", Mkdir: &plan.Mkdir{Path: "/data", Owner: "65532:65532"}},
	}
	for _, merge := range []bool{true, false} {
		p := &plan.Plan{Final: "app", Image: plan.Image{Volumes: []string{"/var/lib/app", "/data"}},
			Stages: []plan.Stage{{Name: "app", Steps: steps}}}
		res, err := llbgen.Generate(context.Background(), p, llbgen.Options{
			BuildPlatform: amd64, TargetPlatform: amd64, Context: llb.Local("context"), Resolver: fakeResolver{}, Merge: merge,
		})
		if err != nil {
			t.Fatal(err)
		}
		def, err := res.State.Marshal(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		dump, err := llbtest.Dump(def)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"mkdir /var/lib\n", "mkdir /var/lib/app owner=65532:65532\n", "mkdir /data owner=65532:65532\n"} {
			if !strings.Contains(dump, want) {
				t.Errorf("merge=%v: no %q in\n%s", merge, want, dump)
			}
		}
		if _, ok := res.Image.Config.Volumes["/var/lib/app"]; !ok || len(res.Image.Config.Volumes) != 2 {
			t.Errorf("merge=%v: image volumes %v", merge, res.Image.Config.Volumes)
		}
	}
}
