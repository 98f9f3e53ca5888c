package llbgen_test

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/solver/pb"
	"github.com/opencontainers/go-digest"

	"github.com/org/appbuild/healthprobe"
	"github.com/org/appbuild/profiles"
)

// TestPrebuiltProbeIsOneMkfile: a prebuilt probe of a real probe's size in
// a Node app's runtime becomes one mkfile, root's, mode 0755, copied at
// the epoch into its own layer merged onto the base like the copies; its bytes are in the definition once (not in a name, a
// description or the source map), the definition stays far below the
// gateway's 16 MiB message limit, and nothing uses the golang image.
func TestPrebuiltProbeIsOneMkfile(t *testing.T) {
	probe := make([]byte, 2300<<10)
	if _, err := rand.Read(probe); err != nil {
		t.Fatal(err)
	}
	epoch := time.Unix(1700000000, 0)
	def, _ := generateExample(t, "node-express", profiles.Node{}, profiles.Env{BuildPlatform: amd64, TargetPlatform: arm64, Probe: probe}, &epoch)

	all := flatten(def)
	if n := bytes.Count(all, probe); n != 1 {
		t.Errorf("the probe's bytes are in the definition %d times, want 1", n)
	}
	if len(all) > 4<<20 {
		t.Errorf("definition is %d bytes: two platforms would near the gateway's 16 MiB limit", len(all))
	}
	chunk := probe[:64]
	var mkfiles int
	var probeOp digest.Digest
	for _, d := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(d); err != nil {
			t.Fatal(err)
		}
		dg := digest.FromBytes(d)
		for k, v := range def.Metadata[dg].Description {
			if len(v) > 1024 || strings.Contains(v, string(chunk)) {
				t.Errorf("op description %s is %d bytes", k, len(v))
			}
		}
		if src := op.GetSource(); src != nil && strings.Contains(src.Identifier, "golang") {
			t.Errorf("the build uses %s", src.Identifier)
		}
		if e := op.GetExec(); e != nil && strings.Contains(strings.Join(e.Meta.Args, " "), "appbuild-probe") {
			t.Errorf("an exec builds the probe: %q", e.Meta.Args)
		}
		f := op.GetFile()
		if f == nil {
			continue
		}
		for _, a := range f.Actions {
			mk := a.GetMkfile()
			if mk == nil || !bytes.Equal(mk.Data, probe) {
				continue
			}
			mkfiles++
			probeOp = dg
			if mk.Path != "/appbuild-probe" || mk.Mode != 0o755 || mk.Owner != nil {
				t.Errorf("mkfile %s mode %o owner %v, want /appbuild-probe 755 root's", mk.Path, mk.Mode, mk.Owner)
			}
		}
	}
	if mkfiles != 1 {
		t.Fatalf("%d mkfiles of the probe, want 1", mkfiles)
	}
	if name := def.Metadata[probeOp].Description["llb.customname"]; !strings.HasPrefix(name, "[runtime ") || !strings.HasSuffix(name, "] write appbuild-probe (prebuilt, linux/arm64)") {
		t.Errorf("the probe's op is named %q", name)
	}
	// The copy of the file into its own layer, at the epoch, merged onto
	// the base.
	var copyOp digest.Digest
	merged := false
	for _, d := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(d); err != nil {
			t.Fatal(err)
		}
		for _, a := range op.GetFile().GetActions() {
			if c := a.GetCopy(); c != nil && c.Dest == healthprobe.Path {
				copyOp = digest.FromBytes(d)
				if c.Src != "/appbuild-probe" || c.Mode != 0o755 || c.Owner != nil || c.Timestamp != epoch.UnixNano() || !c.CreateDestPath {
					t.Errorf("copy %s -> %s mode %o owner %v time %d, want root's 755 at the epoch", c.Src, c.Dest, c.Mode, c.Owner, c.Timestamp)
				}
			}
		}
	}
	for _, d := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(d); err != nil {
			t.Fatal(err)
		}
		for _, in := range op.GetInputs() {
			merged = merged || (op.GetMerge() != nil && in.Digest == string(copyOp))
		}
	}
	if copyOp == "" || !merged {
		t.Errorf("the probe is not copied into a layer merged onto the runtime base (copy %q)", copyOp)
	}
	if def.Source != nil {
		for _, info := range def.Source.Infos {
			if bytes.Contains(info.Data, chunk) {
				t.Error("the probe's bytes are in the source map")
			}
		}
	}
}
