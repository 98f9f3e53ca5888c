package eject_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/org/appbuild/eject"
	"github.com/org/appbuild/internal/exampletest"
	"github.com/org/appbuild/internal/golden"
	"github.com/org/appbuild/internal/testfiles"
	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/profiles"
	"github.com/org/appbuild/spec"
)

// fakePins pins every base image to a digest made from its reference, as
// the frontend pins them with the registry's.
func fakePins(p *plan.Plan) map[string]string {
	pins := map[string]string{}
	for _, st := range p.Stages {
		if st.From.Image != "" {
			pins[st.From.Image] = digest.FromString(st.From.Image).String()
		}
	}
	return pins
}

func ejectExample(t *testing.T, src string) []byte {
	t.Helper()
	_, out := ejectWith(t, profiles.Go{}, src, "../examples/go-hello", nil)
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
	if pins == nil {
		pins = fakePins(p)
	}
	out, err := eject.Dockerfile(p, pins, "app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p, out
}

// TestExampleDockerfiles: every example ejects to its golden
// examples/*/want/Dockerfile (run go test ./eject -update to accept a
// change after reading its diff), which BuildKit's parser reads with no
// warning and which reads back as the example's plan (Dockerfile checks
// that itself; Check here says so again).
func TestExampleDockerfiles(t *testing.T) {
	exampletest.Each(t, "../examples", func(t *testing.T, ex exampletest.Example) {
		p, out := ejectWith(t, ex.Profile, string(ex.Src), filepath.Join(ex.Dir, ex.Spec.Dir), nil)
		golden.Check(t, filepath.Join(ex.Dir, "want", "Dockerfile"), out)
		if err := eject.Check(p, fakePins(p), out); err != nil {
			t.Error(err)
		}
	})
}

// TestDepsLayerDockerfiles: with APPBUILD_DEPS=layer (downloaded and
// compiled dependencies in layers) every example still ejects to a file
// that reads back as its plan; Rust's dependency step has an environment
// and steps after it, so its stage goes on in a second one.
func TestDepsLayerDockerfiles(t *testing.T) {
	exampletest.Each(t, "../examples", func(t *testing.T, ex exampletest.Example) {
		env := ex.Env(ocispecs.Platform{OS: "linux", Architecture: "amd64"}, eject.TargetPlatform)
		env.DepsLayer = true
		p := ex.Plan(t, env)
		out, err := eject.Dockerfile(p, fakePins(p), "app.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if ex.Spec.Language == "rust" && !strings.Contains(string(out), "AS build--1\n") {
			t.Errorf("the build stage does not go on after the dependency step:\n%s", out)
		}
	})
}

// TestStepEnvStaysInItsStep: go build's GOOS and GOARCH are ARGs of the
// build stage, for its last step: the test stage built FROM it sees none of
// them, as in the LLB, where they are that one exec's environment.
func TestStepEnvStaysInItsStep(t *testing.T) {
	src, err := os.ReadFile("../examples/go-hello/app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	stages := parseStages(t, ejectExample(t, string(src)))
	for _, st := range stages {
		for _, cmd := range st.Commands {
			switch c := cmd.(type) {
			case *instructions.EnvCommand:
				for _, kv := range c.Env {
					if strings.HasPrefix(kv.Key, "GO") && kv.Key != "GOFLAGS" || kv.Key == "CGO_ENABLED" {
						t.Errorf("stage %s: ENV %s lasts beyond its step", st.Name, kv.Key)
					}
				}
			case *instructions.ArgCommand:
				if st.Name == "test" {
					t.Errorf("stage test declares ARG %v", c.Args)
				}
			}
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
	var got []string
	for _, st := range parseStages(t, out) {
		if !strings.HasPrefix(st.Name, "build") {
			continue
		}
		for _, cmd := range st.Commands {
			if c, ok := cmd.(*instructions.CopyCommand); ok {
				for _, f := range c.SourceContents {
					got = append(got, f.Data)
				}
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
		if err == nil || !strings.Contains(err.Error(), "cannot eject: /app/appbuild-probe is binary data") {
			t.Errorf("%q: err = %v, want binary data refused", data, err)
		}
	}
}

// TestStepEnvOverStageEnvRefused: an ARG cannot override a variable its
// stage's ENV sets, so a plan whose step does is not ejected as if it did.
func TestStepEnvOverStageEnvRefused(t *testing.T) {
	p := &plan.Plan{Final: "test", Stages: []plan.Stage{
		{Name: "build", From: plan.Base{Image: "docker.io/library/debian:trixie-slim"}, Env: []string{"PATH=/bin"},
			Steps: []plan.Step{{Name: "true", Run: &plan.Run{Args: []string{"true"}}}}},
		{Name: "test", From: plan.Base{Stage: "build"},
			Steps: []plan.Step{{Name: "env", Run: &plan.Run{Args: []string{"env"}, Env: []string{"PATH=/venv/bin"}}}}},
	}, Image: plan.Image{User: "0", Entrypoint: []string{"true"}}}
	_, err := eject.Dockerfile(p, nil, "app.yaml")
	if err == nil || !strings.Contains(err.Error(), "a step sets PATH, which the stage's ENV sets") {
		t.Errorf("err = %v", err)
	}
}

// TestVolumesDockerfile: a volume is made with WORKDIR, which creates
// what is missing as the current USER (no shell on distroless): the
// parents as root, the directory as the app's user; VOLUME declares them,
// the image's own WORKDIR and USER come after, and the file reads back as
// its plan (Dockerfile checks that).
func TestVolumesDockerfile(t *testing.T) {
	src, err := os.ReadFile("../examples/go-hello/app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := string(ejectExample(t, string(src)+"volumes: [/data, /var/lib/app]\n"))
	for _, want := range []string{
		"# volume /data\nUSER 0:0\nWORKDIR /\nUSER 65532:65532\nWORKDIR /data\n",
		"# volume /var/lib/app\nUSER 0:0\nWORKDIR /var/lib\nUSER 65532:65532\nWORKDIR /var/lib/app\n",
		"WORKDIR /app\nEXPOSE 8080/tcp\nVOLUME [\"/data\",\"/var/lib/app\"]\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	if !strings.HasSuffix(strings.TrimSpace(out[:strings.LastIndex(out, "ENTRYPOINT")]), "USER 65532:65532") {
		t.Errorf("the image's USER is not the last before ENTRYPOINT:\n%s", out)
	}
}
