package frontend

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/org/appbuild/internal/testfiles"
	"github.com/org/appbuild/llbgen"
	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/profiles"
	"github.com/org/appbuild/scan"
	"github.com/org/appbuild/spec"
)

var (
	amd64 = ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	arm64 = ocispecs.Platform{OS: "linux", Architecture: "arm64"}
)

// registry answers every image with a digest made from its reference.
type registry struct{}

func (registry) ResolveImageConfig(_ context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	cfg, _ := json.Marshal(dockerspec.DockerOCIImage{Image: ocispecs.Image{Platform: *opt.ImageOpt.Platform}})
	return ref, digest.FromString(ref), cfg, nil
}

// render turns a plan into a definition, and returns its ops by digest
// and the digest of the state it returns.
func render(t *testing.T, p *plan.Plan, target ocispecs.Platform) (map[digest.Digest]*pb.Op, *llb.Definition, digest.Digest) {
	t.Helper()
	res, err := llbgen.Generate(context.Background(), p, llbgen.Options{
		BuildPlatform: amd64, TargetPlatform: target,
		Context: llb.Local("context", llb.LocalUniqueID("test")), Resolver: registry{}, Merge: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	def, err := res.State.Marshal(context.Background(), llb.Platform(target))
	if err != nil {
		t.Fatal(err)
	}
	ops := map[digest.Digest]*pb.Op{}
	var last *pb.Op
	for _, d := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(d); err != nil {
			t.Fatal(err)
		}
		ops[digest.FromBytes(d)] = &op
		last = &op
	}
	// The definition ends with an op whose one input is the result.
	return ops, def, digest.Digest(last.Inputs[0].Digest)
}

// execNamed finds the exec op with a vertex name.
func execNamed(t *testing.T, ops map[digest.Digest]*pb.Op, def *llb.Definition, name string) (*pb.Op, digest.Digest) {
	t.Helper()
	for d, op := range ops {
		if op.GetExec() != nil && def.Metadata[d].Description["llb.customname"] == name {
			return op, d
		}
	}
	t.Fatalf("no exec op named %q", name)
	return nil, ""
}

func mountAt(op *pb.Op, dest string) *pb.Mount {
	for _, m := range op.GetExec().Mounts {
		if m.Dest == dest {
			return m
		}
	}
	return nil
}

// TestScanPlanRendering: the scan plan runs Trivy natively on the very
// runtime filesystem the image build renders (same vertex, so it shares
// the image's cache), read-only, with the locked DB cache, on every build,
// and returns the reports directory both steps wrote.
func TestScanPlanRendering(t *testing.T) {
	data, err := os.ReadFile("../examples/go-hello/app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Parse("app.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	app, err := profiles.Go{}.Plan(s, profiles.Env{BuildPlatform: amd64, TargetPlatform: arm64, Files: testfiles.Dir("../examples/go-hello")})
	if err != nil {
		t.Fatal(err)
	}
	_, _, runtime := render(t, app, arm64)

	sp, reports := scanPlan(app, scanRun{scanner: scan.DefaultScannerImage, cacheID: "trivy-x", platform: "linux/arm64"})
	if !slices.Equal(reports, []string{scan.RootfsReport, scan.LockfileReport}) {
		t.Errorf("reports %v", reports)
	}
	if sp.Final != app.Final || len(app.Stages) == len(sp.Stages) {
		t.Errorf("scan plan changed the app plan: final %s, %d stages", sp.Final, len(app.Stages))
	}
	ops, def, result := render(t, sp, arm64)
	rootfs, rootfsDgst := execNamed(t, ops, def, "[scan 1/2] trivy rootfs: the runtime filesystem (linux/arm64)")
	fs, fsDgst := execNamed(t, ops, def, "[scan 2/2] trivy fs: go.mod go.sum (linux/arm64)")
	for _, op := range []*pb.Op{rootfs, fs} {
		if op.Platform.Architecture != "amd64" {
			t.Errorf("trivy runs on %s, want the build platform", op.Platform.Architecture)
		}
		c := mountAt(op, scan.CacheDir)
		if c == nil || c.CacheOpt.ID != "trivy-x" || c.CacheOpt.Sharing != pb.CacheSharingOpt_LOCKED {
			t.Errorf("DB cache mount %v", c)
		}
	}
	for _, d := range []digest.Digest{rootfsDgst, fsDgst} {
		if !def.Metadata[d].IgnoreCache {
			t.Errorf("a trivy step answers from the cache")
		}
	}
	m := mountAt(rootfs, scan.RootfsDir)
	if m == nil || !m.Readonly || digest.Digest(rootfs.Inputs[m.Input].Digest) != runtime {
		t.Errorf("rootfs mount %v does not show the image's runtime filesystem read-only", m)
	}
	src := mountAt(fs, scan.SourceDir)
	if src == nil || !src.Readonly {
		t.Errorf("lock files mount %v", src)
	}
	out := mountAt(fs, scan.OutDir)
	if out == nil || digest.Digest(fs.Inputs[out.Input].Digest) != rootfsDgst || result != fsDgst {
		t.Errorf("the reports are not the output the two steps wrote in turn")
	}
}

// TestReportPlanRendering: both conversions write next to the merged
// report, which is the only file written.
func TestReportPlanRendering(t *testing.T) {
	ops, def, result := render(t, reportPlan(scan.DefaultScannerImage, []byte("{}"), "linux/amd64"), amd64)
	sarif, sarifDgst := execNamed(t, ops, def, "[scan-reports 1/2] trivy convert --format sarif (linux/amd64)")
	_, tableDgst := execNamed(t, ops, def, "[scan-reports 2/2] trivy convert --format table (linux/amd64)")
	m := mountAt(sarif, scan.OutDir)
	if m == nil || m.Readonly || ops[digest.Digest(sarif.Inputs[m.Input].Digest)].GetFile() == nil {
		t.Errorf("sarif conversion does not start from the written report: %v", m)
	}
	if result != tableDgst || sarifDgst == tableDgst {
		t.Errorf("the result is not the table conversion's output")
	}
}

func TestCopyLocks(t *testing.T) {
	steps := copyLocks([]string{"go.mod", "requirements/base.txt", "go.sum"})
	if len(steps) != 2 || steps[0].Copy.Dest != "/" || !slices.Equal(steps[0].Copy.Paths, []string{"go.mod", "go.sum"}) ||
		steps[1].Copy.Dest != "/requirements/" || steps[1].Name != "copy requirements/base.txt" {
		t.Errorf("copyLocks = %+v", steps)
	}
}
