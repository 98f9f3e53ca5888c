package eject_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/org/appbuild/eject"
	"github.com/org/appbuild/internal/golden"
	"github.com/org/appbuild/internal/testfiles"
	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/profiles"
	"github.com/org/appbuild/spec"
)

func ejectExample(t *testing.T, src string) []byte {
	t.Helper()
	pins := map[string]string{
		"docker.io/library/golang:1.26":             "sha256:1111111111111111111111111111111111111111111111111111111111111111",
		"gcr.io/distroless/static-debian13:nonroot": "sha256:2222222222222222222222222222222222222222222222222222222222222222",
	}
	_, out := ejectWith(t, profiles.Go{}, src, "../examples/go-hello", pins)
	return out
}

// ejectWith plans a spec with a profile and the files of dir for the
// ejected Dockerfile's platform, and renders it.
func ejectWith(t *testing.T, profile profiles.Profile, src, dir string, pins map[string]string) (*plan.Plan, []byte) {
	t.Helper()
	s, err := spec.Parse("app.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p, err := profile.Plan(s, profiles.Env{
		BuildPlatform:  ocispecs.Platform{OS: "linux", Architecture: "amd64"},
		TargetPlatform: eject.TargetPlatform,
		Files:          testfiles.Dir(dir),
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := eject.Dockerfile(p, pins, "app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p, out
}

func TestGoHelloDockerfile(t *testing.T) {
	src, err := os.ReadFile("../examples/go-hello/app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := ejectExample(t, string(src))
	golden.Check(t, "testdata/go-hello.Dockerfile", out)

	// BuildKit's own parser reads it, with no warnings, into build, test, probe and runtime stages; runtime last, so it is the default target.
	ast, err := parser.Parse(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(ast.Warnings) > 0 {
		t.Errorf("parser warnings: %+v", ast.Warnings)
	}
	stages, _, err := instructions.Parse(ast.AST, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(stages) != 4 || stages[1].Name != "test" || stages[3].Name != "runtime" {
		t.Fatalf("stages = %d", len(stages))
	}
	for _, want := range []string{
		"FROM --platform=$BUILDPLATFORM docker.io/library/golang:1.26@sha256:1111",
		"RUN --mount=type=cache,id=appbuild-go-mod,target=/go/pkg/mod",
		"USER 65532:65532",
		`HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 CMD ["/app/appbuild-probe","http://127.0.0.1:8080/healthz"]`,
		`ENTRYPOINT ["/app/hello"]`,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}

// Values from the spec reach the Dockerfile quoted: nothing in them is
// expanded or run.
func TestEnvIsQuoted(t *testing.T) {
	out := string(ejectExample(t, "name: hello\nlanguage: go\nbuild: ./cmd/hello\nport: 8080\nenv:\n  GREETING: 'a \"b\" $(rm -rf /) `x` \\\\ $HOME'\n"))
	want := `GREETING="a \"b\" \$(rm -rf /) ` + "`x`" + ` \\\\ \$HOME"`
	if !strings.Contains(out, want) {
		t.Fatalf("env line not quoted as %s:\n%s", want, out)
	}
	stages := parseStages(t, []byte(out))
	for _, cmd := range stages[len(stages)-1].Commands {
		if env, ok := cmd.(*instructions.EnvCommand); ok {
			for _, kv := range env.Env {
				if kv.Key != "GREETING" {
					continue
				}
				// The Dockerfile frontend expands ENV values with its shell
				// lexer when it builds: read the value back the same way.
				got, _, err := shell.NewLex('\\').ProcessWord(kv.Value, noEnv{})
				if err != nil {
					t.Fatal(err)
				}
				if want := `a "b" $(rm -rf /) ` + "`x`" + ` \\ $HOME`; got != want {
					t.Errorf("GREETING reads back as %q, want %q", got, want)
				}
			}
		}
	}
}

// parseStages reads a Dockerfile with BuildKit's own parser.
func parseStages(t *testing.T, dockerfile []byte) []instructions.Stage {
	t.Helper()
	ast, err := parser.Parse(bytes.NewReader(dockerfile))
	if err != nil {
		t.Fatal(err)
	}
	stages, _, err := instructions.Parse(ast.AST, nil)
	if err != nil {
		t.Fatal(err)
	}
	return stages
}

type noEnv struct{}

func (noEnv) Get(string) (string, bool) { return "", false }
func (noEnv) Keys() []string            { return nil }

// TestPyUVDockerfile: the requirements appbuild makes from uv.lock reach
// the ejected Dockerfile as a quoted heredoc, byte for byte, and pip
// installs them with the lock's hashes.
func TestPyUVDockerfile(t *testing.T) {
	src, err := os.ReadFile("../examples/py-uv/app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, out := ejectWith(t, profiles.Python{}, string(src), "../examples/py-uv", nil)
	var want []byte
	for _, st := range p.Stage("build").Steps {
		if st.Write != nil && st.Write.Path == "/tmp/appbuild-requirements.txt" {
			want = st.Write.Data
		}
	}
	if !bytes.Contains(want, []byte("starlette==0.46.1 --hash=sha256:")) {
		t.Fatalf("no requirements from uv.lock in the plan:\n%s", want)
	}
	stages := parseStages(t, out)
	var got []string
	for _, cmd := range stages[0].Commands {
		if c, ok := cmd.(*instructions.CopyCommand); ok {
			for _, f := range c.SourceContents {
				got = append(got, f.Data)
			}
		}
	}
	// The requirements, then /etc/pip.conf (dependencies.index).
	if len(got) != 2 || got[0] != string(want) {
		t.Errorf("heredoc contents %q, want the requirements %q first", got, want)
	}
	if !strings.Contains(string(out), "--mount=type=cache,id=appbuild-apt-cache-trixie,target=/var/cache/apt,sharing=locked --mount=type=cache,id=appbuild-apt-lists-trixie,target=/var/lib/apt/lists,sharing=locked ") {
		t.Errorf("the apt step's cache mounts are not locked:\n%s", out)
	}
	if !strings.Contains(string(out), `"--require-hashes","--no-deps","--requirement","/tmp/appbuild-requirements.txt"`) {
		t.Errorf("pip does not install the requirements with their hashes:\n%s", out)
	}
}

// TestBinaryWriteRefused: a Dockerfile heredoc holds text, so a plan with
// binary data to write (no profile plans one today) is an error, not a
// broken Dockerfile.
func TestBinaryWriteRefused(t *testing.T) {
	for _, data := range [][]byte{[]byte("\x7fELF\x02\x01\x01\x00"), {0xff, 0xfe, 'a', '\n'}} {
		p := &plan.Plan{Final: "runtime", Stages: []plan.Stage{{Name: "runtime", Steps: []plan.Step{{
			Name:  "write appbuild-probe",
			Write: &plan.Write{Path: "/app/appbuild-probe", Data: data, Mode: 0o755},
		}}}}}
		_, err := eject.Dockerfile(p, nil, "app.yaml")
		if err == nil || !strings.Contains(err.Error(), "cannot eject /app/appbuild-probe: it is binary data") {
			t.Errorf("%q: err = %v, want binary data refused", data, err)
		}
	}
}
