package profiles_test

import (
	"slices"
	"strings"
	"testing"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/org/appbuild/internal/testfiles"
	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/profiles"
)

func pythonPlan(t *testing.T, src string, files testfiles.Map, target ocispecs.Platform) *plan.Plan {
	t.Helper()
	pl, err := profiles.Python{}.Plan(parse(t, "name: app\nlanguage: python\n"+src), profiles.Env{BuildPlatform: amd64, TargetPlatform: target, Files: files})
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

func stepNamed(t *testing.T, st *plan.Stage, prefix string) *plan.Step {
	t.Helper()
	for i := range st.Steps {
		if strings.HasPrefix(st.Steps[i].Name, prefix) {
			return &st.Steps[i]
		}
	}
	var names []string
	for _, s := range st.Steps {
		names = append(names, s.Name)
	}
	t.Fatalf("no step %q in stage %s: %v", prefix, st.Name, names)
	return nil
}

func stepIndex(st *plan.Stage, prefix string) int {
	return slices.IndexFunc(st.Steps, func(s plan.Step) bool { return strings.HasPrefix(s.Name, prefix) })
}

// The venv is made by Debian's python3.13 at the path it has at run time,
// dependencies are installed before the source is copied, and the runtime
// is distroless python3 with the venv and the app only.
func TestPythonPlanShape(t *testing.T) {
	pl := pythonPlan(t, "build: app\n", testfiles.Map{"requirements.txt": "flask==3.1.1\n"}, amd64)
	build := pl.Stage("build")
	if build.From.Image != "docker.io/library/debian:trixie-slim" || !build.OnBuildPlatform {
		t.Errorf("build stage from %+v on build platform %v", build.From, build.OnBuildPlatform)
	}
	venv := stepNamed(t, build, "python3.13 -m venv")
	if got := strings.Join(venv.Run.Args, " "); got != "/usr/bin/python3.13 -m venv /venv" {
		t.Errorf("venv made with %q, want Debian's /usr/bin/python3.13 at /venv", got)
	}
	copyDeps, install, copySrc := stepIndex(build, "copy requirements.txt"), stepIndex(build, "pip install"), stepIndex(build, "copy source")
	if copyDeps < 0 || install < 0 || copySrc < 0 || !(copyDeps < install && install < copySrc) {
		t.Errorf("order: copy requirements %d, pip install %d, copy source %d", copyDeps, install, copySrc)
	}
	pip := build.Steps[install].Run
	if !slices.Contains(pip.Mounts, plan.Mount{Kind: "cache", Target: "/root/.cache/pip", ID: "appbuild-pip"}) {
		t.Errorf("pip install has no pip cache mount: %+v", pip.Mounts)
	}
	if !slices.Contains(pip.Args, "/app/requirements.txt") {
		t.Errorf("pip install args %v", pip.Args)
	}
	// pip leaves the venv before it is copied; byte-code is compiled.
	if stepIndex(build, "pip uninstall pip") < install || stepIndex(build, "compileall /venv") < 0 || stepIndex(build, "compileall /app") < copySrc {
		t.Errorf("missing pip removal or byte-code compilation: %+v", build.Steps)
	}
	rt := pl.Stage("runtime")
	if rt.From.Image != "gcr.io/distroless/python3-debian13:nonroot" {
		t.Errorf("runtime from %+v", rt.From)
	}
	for _, s := range rt.Steps {
		if s.Copy == nil || s.Copy.Owner != "0:0" {
			t.Errorf("runtime step %q is not a root-owned copy", s.Name)
		}
	}
	if got := strings.Join(pl.Image.Entrypoint, " "); got != "/venv/bin/python -m app" {
		t.Errorf("entrypoint %q", got)
	}
	if !slices.Contains(pl.Image.Env, "PATH=/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") {
		t.Errorf("env %v lacks the venv's PATH", pl.Image.Env)
	}
	if pl.Image.User != "65532:65532" {
		t.Errorf("user %q", pl.Image.User)
	}
}

func TestPythonEntrypoints(t *testing.T) {
	req := testfiles.Map{"requirements.txt": ""}
	cases := []struct{ src, entrypoint, cmd string }{
		{"build: app\n", "/venv/bin/python -m app", ""},
		{"build: app.server\n", "/venv/bin/python -m app.server", ""},
		{"build: main.py\n", "/venv/bin/python /app/main.py", ""},
		{"build: ./bin/serve.py\n", "/venv/bin/python /app/bin/serve.py", ""},
		{"entrypoint: [gunicorn, --bind, \"0.0.0.0:8080\", \"app:app\"]\n", "gunicorn --bind 0.0.0.0:8080 app:app", ""},
		{"entrypoint: [uvicorn, app:app]\ncmd: [--port, \"8080\"]\n", "uvicorn app:app", "--port 8080"},
		{"cmd: [-m, app]\n", "/venv/bin/python", "-m app"},
	}
	for _, c := range cases {
		pl := pythonPlan(t, c.src, req, amd64)
		if got := strings.Join(pl.Image.Entrypoint, " "); got != c.entrypoint {
			t.Errorf("%q: entrypoint %q, want %q", c.src, got, c.entrypoint)
		}
		if got := strings.Join(pl.Image.Cmd, " "); got != c.cmd {
			t.Errorf("%q: cmd %q, want %q", c.src, got, c.cmd)
		}
	}
}

// The spec's index is pip's setting in the build stage; secrets are mounted
// on the install step only, never set as env or written.
func TestPythonIndexAndSecrets(t *testing.T) {
	pl := pythonPlan(t, "build: app\ndependencies:\n  index: https://pypi.example.com/simple/\nsecrets:\n  - id: pip_index_url\n    env: PIP_INDEX_URL\n  - id: netrc\n    required: true\n",
		testfiles.Map{"requirements.txt": ""}, amd64)
	build := pl.Stage("build")
	conf := stepNamed(t, build, "write /etc/pip.conf")
	if string(conf.Write.Data) != "[global]\nindex-url = https://pypi.example.com/simple/\n" {
		t.Errorf("pip.conf = %q", conf.Write.Data)
	}
	var secretSteps []string
	for _, st := range pl.Stages {
		for _, s := range st.Steps {
			if s.Run == nil {
				continue
			}
			for _, m := range s.Run.Mounts {
				if m.Kind == "secret" {
					secretSteps = append(secretSteps, s.Name)
				}
			}
			for _, e := range s.Run.Env {
				if strings.HasPrefix(e, "PIP_INDEX_URL=") {
					t.Errorf("step %q sets PIP_INDEX_URL in its env", s.Name)
				}
			}
		}
	}
	install := stepNamed(t, build, "pip install")
	want := []plan.Mount{
		{Kind: "secret", ID: "pip_index_url", Env: "PIP_INDEX_URL"},
		{Kind: "secret", ID: "netrc", Target: "/run/secrets/netrc", Required: true},
	}
	for _, m := range want {
		if !slices.Contains(install.Run.Mounts, m) {
			t.Errorf("pip install mounts %+v, want %+v", install.Run.Mounts, m)
		}
	}
	if len(secretSteps) != 2 || secretSteps[0] != install.Name {
		t.Errorf("secrets mounted on %v, want only on the install step", secretSteps)
	}
	for _, kv := range pl.Image.Env {
		if strings.Contains(kv, "pypi.example.com") {
			t.Errorf("the index leaks into the runtime env: %s", kv)
		}
	}
}

func TestPythonPoetry(t *testing.T) {
	pl := pythonPlan(t, "build: app\n", testfiles.Map{"pyproject.toml": "", "poetry.lock": ""}, amd64)
	build := pl.Stage("build")
	apt := stepNamed(t, build, "apt-get install")
	if !slices.Contains(apt.Run.Args, "python3-poetry") || !slices.Contains(apt.Run.Args, "python3-poetry-plugin-export") {
		t.Errorf("poetry not installed in the build stage: %v", apt.Run.Args)
	}
	stepNamed(t, build, "copy pyproject.toml poetry.lock")
	export := stepIndex(build, "poetry export")
	install := stepNamed(t, build, "pip install (poetry.lock)")
	if export < 0 || !slices.Contains(install.Run.Args, "--require-hashes") || !slices.Contains(install.Run.Args, "--no-deps") {
		t.Errorf("poetry.lock not installed with its hashes: export %d, %v", export, install.Run.Args)
	}
}

// Pure-Python dependencies are installed once on the build platform for
// every target; a cross build checks that nothing native slipped in, and
// build packages move the stage to the target.
func TestPythonPlatforms(t *testing.T) {
	req := testfiles.Map{"requirements.txt": ""}
	a, b := pythonPlan(t, "build: app\n", req, amd64), pythonPlan(t, "build: app\n", req, arm64)
	if !slices.EqualFunc(a.Stage("build").Steps, b.Stage("build").Steps[:len(a.Stage("build").Steps)], func(x, y plan.Step) bool { return x.Name == y.Name }) {
		t.Error("the arm64 build stage does not start with the amd64 one")
	}
	if !b.Stage("build").OnBuildPlatform {
		t.Error("arm64 build stage is emulated for pure-Python dependencies")
	}
	if stepIndex(a.Stage("build"), "check the venv has no native code") >= 0 || stepIndex(b.Stage("build"), "check the venv has no native code") < 0 {
		t.Error("native-code check: want it on the cross build only")
	}
	n := pythonPlan(t, "build: app\npackages:\n  build: [gcc, python3-dev]\n", req, arm64)
	if n.Stage("build").OnBuildPlatform {
		t.Error("with build packages the build stage must run on the target platform")
	}
	if apt := stepNamed(t, n.Stage("build"), "apt-get install"); !slices.Contains(apt.Run.Args, "python3-dev") || apt.Run.Args[0] != "sh" || strings.Contains(apt.Run.Args[2], "python3-dev") {
		t.Errorf("build packages must be arguments of the fixed apt script, not shell text: %q", apt.Run.Args)
	}
}

func TestPythonErrors(t *testing.T) {
	req := testfiles.Map{"requirements.txt": ""}
	cases := []struct {
		name, src string
		files     testfiles.Map
		want      string
	}{
		{"version", "version: \"3.12\"\nbuild: app\n", req, "app.yaml:3:1: python 3.12 cannot be had: distroless python3 runs Debian 13's Python 3.13"},
		{"python-version file", "build: app\n", testfiles.Map{"requirements.txt": "", ".python-version": "3.11.4\n"}, "app.yaml:2:1: .python-version asks for Python 3.11"},
		{"nothing runs", "", req, "app.yaml:2:1: say what runs"},
		{"build and entrypoint", "build: app\nentrypoint: [gunicorn]\n", req, "app.yaml:3:1: set either build"},
		{"bad module", "build: app-server\n", req, "app.yaml:3:1: \"app-server\" is neither a module"},
		{"no manifest", "build: app\n", testfiles.Map{}, "app.yaml:2:1: no requirements.txt or poetry.lock"},
		{"poetry without lock", "build: app\ndependencies:\n  manager: poetry\n", testfiles.Map{"pyproject.toml": ""}, "poetry.lock is missing"},
		{"uv", "build: app\n", testfiles.Map{"uv.lock": "", "pyproject.toml": ""}, "uv is not supported yet"},
		{"runtime slim", "build: app\nruntime: slim\n", req, "runtime slim is not supported for python"},
		{"runtime packages", "build: app\npackages:\n  runtime: [libpq5]\n", req, "runtime packages are not supported for python"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := profiles.Python{}.Plan(parse(t, "name: app\nlanguage: python\n"+c.src), profiles.Env{BuildPlatform: amd64, TargetPlatform: amd64, Files: c.files})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v\nwant %s", err, c.want)
			}
		})
	}
}
