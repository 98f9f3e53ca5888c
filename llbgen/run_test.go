package llbgen_test

import (
	"context"
	"strings"
	"testing"

	"github.com/moby/buildkit/client/llb"

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
