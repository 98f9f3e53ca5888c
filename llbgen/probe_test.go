package llbgen_test

import (
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/solver/pb"
	"github.com/opencontainers/go-digest"

	"github.com/org/appbuild/healthprobe"
	"github.com/org/appbuild/profiles"
)

// TestPrebuiltProbeIsCopiedFromTheFrontendImage: a prebuilt probe in a Node
// app's runtime (arm64, built on amd64) is one copy of its file out of the
// frontend image, pinned by digest for the build platform: root's, mode
// 0755, at the epoch, into its own layer merged onto the base like the
// other copies. The definition carries no probe bytes (it stays a few
// kilobytes), and nothing uses the golang image or compiles the probe.
func TestPrebuiltProbeIsCopiedFromTheFrontendImage(t *testing.T) {
	epoch := time.Unix(1700000000, 0)
	probe := &profiles.PrebuiltProbe{Image: "docker.io/org/appbuild:latest", Path: "/probes/linux/arm64/appbuild-probe"}
	def, _ := generateExample(t, "node-express", profiles.Node{}, profiles.Env{BuildPlatform: amd64, TargetPlatform: arm64, Probe: probe}, &epoch)

	if n := len(flatten(def)); n > 64<<10 {
		t.Errorf("definition is %d bytes: something large is inlined", n)
	}
	ops := map[digest.Digest]*pb.Op{}
	var frontend, copyOp digest.Digest
	for _, d := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(d); err != nil {
			t.Fatal(err)
		}
		dg := digest.FromBytes(d)
		ops[dg] = &op
		if src := op.GetSource(); src != nil {
			if strings.Contains(src.Identifier, "golang") {
				t.Errorf("the build uses %s", src.Identifier)
			}
			if strings.HasPrefix(src.Identifier, "docker-image://docker.io/org/appbuild:latest@sha256:") {
				frontend = dg
				if p := op.Platform; p == nil || p.Architecture != "amd64" {
					t.Errorf("the frontend image is used for %v, want the build platform amd64", p)
				}
			}
		}
		if e := op.GetExec(); e != nil && strings.Contains(strings.Join(e.Meta.Args, " "), "appbuild-probe") {
			t.Errorf("an exec builds the probe: %q", e.Meta.Args)
		}
		for _, a := range op.GetFile().GetActions() {
			if mk := a.GetMkfile(); mk != nil && strings.Contains(mk.Path, "probe") {
				t.Errorf("a mkfile writes %s", mk.Path)
			}
			if c := a.GetCopy(); c != nil && c.Dest == healthprobe.Path {
				copyOp = dg
				if c.Src != probe.Path || c.Mode != 0o755 || !rootOwned(c.Owner) || c.Timestamp != epoch.UnixNano() || !c.CreateDestPath {
					t.Errorf("copy %s -> %s mode %o owner %v time %d, want %s, root's 755 at the epoch", c.Src, c.Dest, c.Mode, c.Owner, c.Timestamp, probe.Path)
				}
			}
		}
	}
	if frontend == "" || copyOp == "" {
		t.Fatalf("no frontend image source (%q) or no probe copy (%q)", frontend, copyOp)
	}
	// The copy reads the frontend image (its first input is the scratch
	// it writes into, its second the source).
	from := false
	for _, in := range ops[copyOp].Inputs {
		from = from || in.Digest == string(frontend)
	}
	if !from {
		t.Error("the probe is not copied from the frontend image")
	}
	if name := def.Metadata[copyOp].Description["llb.customname"]; !strings.HasPrefix(name, "[runtime ") || !strings.HasSuffix(name, "] copy appbuild-probe (prebuilt, linux/arm64)") {
		t.Errorf("the probe's op is named %q", name)
	}
	merged := false
	for _, op := range ops {
		for _, in := range op.GetInputs() {
			merged = merged || (op.GetMerge() != nil && in.Digest == string(copyOp))
		}
	}
	if !merged {
		t.Error("the probe is not copied into a layer merged onto the runtime base")
	}
}

// rootOwned: no owner (BuildKit's default, root) or 0:0 by id.
func rootOwned(o *pb.ChownOpt) bool {
	if o == nil {
		return true
	}
	return o.User.GetByID() == 0 && o.User.GetByName() == nil && o.Group.GetByID() == 0 && o.Group.GetByName() == nil
}
