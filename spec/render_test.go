package spec_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/org/appbuild/compose"
	"github.com/org/appbuild/eject"
	"github.com/org/appbuild/internal/testfiles"
	"github.com/org/appbuild/llbgen"
	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/profiles"
	"github.com/org/appbuild/spec"
)

// The three renderers of a spec, and the oracle each is held to:
//
//   - LLB (llbgen): every exec op carries spec text only as whole argv or
//     env entries: a script run with -c is one of the profile's own fixed
//     scripts, never text the spec made;
//   - the ejected Dockerfile (eject): read back with BuildKit's parser,
//     instruction parser and lexer, it says exactly the plan (eject.Check);
//   - compose.yaml (compose): loaded by compose-go with interpolation on,
//     from an environment where $HOME and friends are set, its values are
//     the spec's bytes;
//   - kubernetes.yaml (kubernetes): decoded strictly into k8s.io/api
//     types, and with the kubelet's $(VAR) expansion applied to env values
//     (kubeExpand, from Kubernetes' documented rules), its values are the
//     spec's bytes.
//
// A spec is either refused, with an error whose range covers the value's
// line (the value, or the field that holds it), or goes through all four:
// render says which.

var (
	amd64 = ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	arm64 = ocispecs.Platform{OS: "linux", Architecture: "arm64"}
)

// verdict is what became of one spec.
type verdict struct {
	refused bool
	err     *spec.Error // the error at the value's line, when refused
}

// render parses src (the hostile value on line), plans it for lang with
// the files of dir and renders it three ways; it fails t when a renderer
// or an oracle fails, or when a refusal does not point at line.
func render(t *testing.T, src string, line int, dir string, composed bool) verdict {
	t.Helper()
	s, err := spec.Parse("app.yaml", []byte(src))
	if err == nil {
		err = renderAll(t, s, dir, composed)
	}
	if err == nil {
		return verdict{}
	}
	// The error's range covers the value: it points at the value, or at
	// the field or entry that holds it.
	for _, e := range spec.Errors(err) {
		if e.Range.Start.Line <= line && line <= e.Range.End.Line {
			return verdict{refused: true, err: e}
		}
	}
	t.Errorf("refused without the value's position (line %d): %v\n%s", line, err, src)
	return verdict{refused: true}
}

// renderAll plans and renders a parsed spec. A planning error is returned
// (a refusal, which must carry a position); a renderer's error or an
// oracle's finding fails t. composed says whether the hostile value is in
// a field compose.Generate reads (its load is most of a case's time).
func renderAll(t *testing.T, s *spec.Spec, dir string, composed bool) error {
	t.Helper()
	profile, err := profiles.Get(s.Language)
	if err != nil {
		return s.Errorf("language", "%v", err)
	}
	files := testfiles.Dir(filepath.Join(dir, s.Dir))
	for _, target := range []ocispecs.Platform{amd64, arm64} {
		p, err := profile.Plan(s, profiles.Env{BuildPlatform: amd64, TargetPlatform: target, Files: files})
		if err != nil {
			return err
		}
		checkLLB(t, s, p, target)
		if composed && target.Architecture == "amd64" {
			checkCompose(t, s, p)
			checkKubernetes(t, s, p)
		}
	}
	p, err := profile.Plan(s, profiles.Env{BuildPlatform: amd64, TargetPlatform: eject.TargetPlatform, Files: files})
	if err != nil {
		return err
	}
	checkEject(t, p)
	return nil
}

// fakeResolver answers as a registry would, with digests made from the
// reference.
type fakeResolver struct{}

func (fakeResolver) ResolveImageConfig(_ context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	img := dockerspec.DockerOCIImage{}
	img.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	img.Platform = *opt.ImageOpt.Platform
	cfg, _ := json.Marshal(img)
	return ref, digest.FromString(ref), cfg, nil
}

// checkLLB generates the image and the test target and holds every exec
// op's -c script to the profile's own (fixedScripts).
func checkLLB(t *testing.T, s *spec.Spec, p *plan.Plan, target ocispecs.Platform) {
	t.Helper()
	for _, final := range []string{p.Final, p.Test} {
		if final == "" {
			continue
		}
		q := *p
		q.Final = final
		for _, e := range execOps(t, &q, target) {
			args := e.GetMeta().GetArgs()
			for i, a := range args[:max(len(args)-1, 0)] {
				if a == "-c" && !fixedScripts[args[i+1]] && !userArg(s, args[i+1]) {
					t.Errorf("an exec op runs a script the spec wrote: %q", args)
				}
			}
		}
	}
}

// fixedScripts are the scripts profiles run with -c, collected from the
// plans of the corpus's base specs (see bases): text a profile wrote.
var fixedScripts = map[string]bool{}

// userArg reports whether a is a whole argument of one of the spec's own
// exec-form commands: the user's command, passed as it is.
func userArg(s *spec.Spec, a string) bool {
	cmds := [][]string{s.BuildCommand, s.Entrypoint, s.Cmd, s.Test}
	if s.Healthcheck != nil {
		cmds = append(cmds, s.Healthcheck.Exec)
	}
	return slices.ContainsFunc(cmds, func(c []string) bool { return slices.Contains(c, a) })
}

func execOps(t *testing.T, p *plan.Plan, target ocispecs.Platform) []*pb.ExecOp {
	t.Helper()
	res, err := llbgen.Generate(context.Background(), p, llbgen.Options{
		BuildPlatform: amd64, TargetPlatform: target,
		Context:  llb.Local("context", llb.LocalUniqueID("test")),
		Resolver: fakeResolver{},
	})
	if err != nil {
		t.Fatalf("llbgen: %v", err)
	}
	def, err := res.State.Marshal(context.Background(), llb.Platform(target))
	if err != nil {
		t.Fatalf("llb marshal: %v", err)
	}
	var out []*pb.ExecOp
	for _, d := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(d); err != nil {
			t.Fatal(err)
		}
		if e := op.GetExec(); e != nil {
			out = append(out, e)
		}
	}
	return out
}

// checkEject ejects the plan and reads the file back (eject.Check).
func checkEject(t *testing.T, p *plan.Plan) {
	t.Helper()
	pins := map[string]string{}
	for _, st := range p.Stages {
		if st.From.Image != "" {
			pins[st.From.Image] = digest.FromString(st.From.Image).String()
		}
	}
	out, err := eject.Dockerfile(p, pins, "app.yaml")
	if err != nil {
		t.Errorf("eject: %v", err)
		return
	}
	if err := eject.Check(p, pins, out); err != nil {
		t.Errorf("eject: %v\n%s", err, out)
	}
}

// composeEnv is the environment compose interpolates from: a value that
// was not escaped would take these.
var composeEnv = types.Mapping{"HOME": "/root", "X": "x", "PATH": "/bin", "NOPE": "set", "USER": "root"}

// checkCompose generates compose.yaml, loads it with compose-go as Docker
// Compose would, and compares every value that came from the spec.
func checkCompose(t *testing.T, s *spec.Spec, p *plan.Plan) {
	t.Helper()
	out, err := compose.Generate(s, p, cmpOr(s.Image, s.Name))
	if err != nil {
		t.Errorf("compose: %v", err)
		return
	}
	dir := t.TempDir()
	proj, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: []types.ConfigFile{{Filename: "compose.yaml", Content: out}},
		Environment: composeEnv,
	}, func(o *loader.Options) { o.SetProjectName("corpus", false) })
	if err != nil {
		t.Errorf("compose-go: %v\n%s", err, out)
		return
	}
	if err := sameCompose(s, p, proj, dir); err != nil {
		t.Errorf("compose: %v\n%s", err, out)
	}
}

func sameCompose(s *spec.Spec, p *plan.Plan, proj *types.Project, dir string) error {
	app := proj.Services[s.Name]
	if err := sameEnv(app.Environment, s.Env); err != nil {
		return fmt.Errorf("app: %w", err)
	}
	if h := p.Image.Healthcheck; h != nil && len(h.Test) > 1 && !slices.Equal(app.HealthCheck.Test, h.Test) {
		return fmt.Errorf("app healthcheck %q, want %q", app.HealthCheck.Test, h.Test)
	}
	if app.Image != cmpOr(s.Image, s.Name) || app.User != s.UserString() {
		return fmt.Errorf("app image %q user %q", app.Image, app.User)
	}
	for name, cmd := range s.Processes {
		if got := proj.Services[s.Name+"-"+name]; name != spec.WebProcess && !slices.Equal([]string(got.Entrypoint), cmd) {
			return fmt.Errorf("process %s: entrypoint %q, want %q", name, got.Entrypoint, cmd)
		}
	}
	for name, svc := range s.Services {
		got := proj.Services[name]
		if err := sameEnv(got.Environment, svc.Env); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		for k, file := range svc.Secrets {
			if f := proj.Secrets[k].File; f != filepath.Join(dir, file) {
				return fmt.Errorf("%s: secret %s file %q, want %q", name, k, f, filepath.Join(dir, file))
			}
		}
		if svc.Volume != "" && (len(got.Volumes) != 1 || got.Volumes[0].Target != svc.Volume) {
			return fmt.Errorf("%s: volumes %+v, want target %q", name, got.Volumes, svc.Volume)
		}
		if got.Image != svc.Image {
			return fmt.Errorf("%s: image %q, want %q", name, got.Image, svc.Image)
		}
	}
	return nil
}

func sameEnv(got types.MappingWithEquals, want map[string]string) error {
	m := map[string]string{}
	for k, v := range got {
		if v == nil {
			return errors.New("env " + k + " has no value")
		}
		m[k] = *v
	}
	if len(m)+len(want) > 0 && !maps.Equal(m, want) {
		return fmt.Errorf("env %q, want %q", m, want)
	}
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// quote writes v as a YAML double-quoted scalar on one line: JSON's
// string escapes are a subset of YAML's.
func quote(v string) string {
	b, _ := json.Marshal(v)
	return string(b)
}
