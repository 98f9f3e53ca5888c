package profiles_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/org/appbuild/internal/testfiles"
	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/profiles"
	"github.com/org/appbuild/spec"
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
	req := testfiles.Map{"requirements.txt": "", "main.py": "", "bin/serve.py": ""}
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

// TestPythonMissingScript: a script that build names must be in the app;
// a module may come from the dependencies, so it is not looked for.
func TestPythonMissingScript(t *testing.T) {
	files := testfiles.Map{"requirements.txt": "", "src/main.py": ""}
	_, err := profiles.Python{}.Plan(parse(t, "name: app\nlanguage: python\nbuild: main.py\n"), profiles.Env{BuildPlatform: amd64, TargetPlatform: amd64, Files: files})
	if want := "app.yaml:3:1: the app has no main.py to run (with .dockerignore applied); fix build or add the file"; err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
	pythonPlan(t, "build: uvicorn\n", files, amd64)
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
		{"no manifest", "build: app\n", testfiles.Map{}, "app.yaml:2:1: no requirements.txt, poetry.lock or uv.lock"},
		{"poetry without lock", "build: app\ndependencies:\n  manager: poetry\n", testfiles.Map{"pyproject.toml": ""}, "poetry.lock is missing"},
		{"uv without lock", "build: app\ndependencies:\n  manager: uv\n", testfiles.Map{"pyproject.toml": ""}, "app.yaml:4:1: uv installs from pyproject.toml and uv.lock; uv.lock is missing (run uv lock)"},
		{"uv without pyproject", "build: app\ndependencies:\n  manager: uv\n", testfiles.Map{"uv.lock": ""}, "pyproject.toml is missing"},
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

const uvPyproject = "[project]\nname = \"Shop_App\"\nversion = \"1.0\"\n"

// uvLockOf is a uv.lock: the project (virtual) and then the packages given.
func uvLockOf(rootDeps, packages string) string {
	return "version = 1\nrevision = 3\nrequires-python = \">=3.13\"\n\n" +
		"[[package]]\nname = \"shop-app\"\nversion = \"1.0\"\nsource = { virtual = \".\" }\n" + rootDeps + "\n" + packages
}

// uvPackage is a registry package of a uv.lock with one wheel; hex is the
// digit its sha256 repeats.
func uvPackage(name, version, hex, extra string) string {
	return "[[package]]\nname = \"" + name + "\"\nversion = \"" + version + "\"\nsource = { registry = \"https://pypi.example.com/simple\" }\n" + extra +
		"wheels = [\n    { url = \"https://files.example.com/" + name + "-" + version + "-py3-none-any.whl\", hash = \"sha256:" + strings.Repeat(hex, 64) + "\", size = 10 },\n]\n\n"
}

func uvRequirementsOf(t *testing.T, pl *plan.Plan) string {
	t.Helper()
	w := stepNamed(t, pl.Stage("build"), "write requirements from uv.lock").Write
	if w == nil || w.Path != "/tmp/appbuild-requirements.txt" {
		t.Fatalf("requirements step writes %+v", w)
	}
	return string(w.Data)
}

// A uv project installs like a Poetry one: the manifests and the lock
// before the source, then pip with the lock's hashes; neither uv nor pip
// reach the runtime.
func TestPythonUVPlan(t *testing.T) {
	lock := uvLockOf("dependencies = [{ name = \"flask\" }]\n", uvPackage("flask", "3.1.1", "a", ""))
	pl := pythonPlan(t, "build: app\n", testfiles.Map{"pyproject.toml": uvPyproject, "uv.lock": lock}, amd64)
	build := pl.Stage("build")
	copyDeps := stepIndex(build, "copy pyproject.toml uv.lock")
	write := stepIndex(build, "write requirements from uv.lock")
	install := stepIndex(build, "pip install (uv.lock)")
	copySrc := stepIndex(build, "copy source")
	if copyDeps < 0 || write < 0 || install < 0 || !(copyDeps < install && write < install && install < copySrc) {
		t.Fatalf("order: copy lock %d, write requirements %d, pip install %d, copy source %d", copyDeps, write, install, copySrc)
	}
	args := build.Steps[install].Run.Args
	if !slices.Contains(args, "--require-hashes") || !slices.Contains(args, "--no-deps") || !slices.Contains(args, "/tmp/appbuild-requirements.txt") {
		t.Errorf("pip install args %v", args)
	}
	if !slices.Contains(build.Steps[install].Run.Mounts, plan.Mount{Kind: "cache", Target: "/root/.cache/pip", ID: "appbuild-pip"}) {
		t.Errorf("pip install has no pip cache mount: %+v", build.Steps[install].Run.Mounts)
	}
	if apt := stepNamed(t, build, "apt-get install"); slices.ContainsFunc(apt.Run.Args, func(a string) bool { return strings.Contains(a, "poetry") || strings.Contains(a, "uv") }) {
		t.Errorf("apt installs %v for a uv project", apt.Run.Args)
	}
	if stepIndex(build, "pip uninstall pip") < install {
		t.Error("pip is not removed from the venv after the install")
	}
	for _, st := range pl.Stage("runtime").Steps {
		if st.Copy == nil || st.Copy.FromStage != "build" || !(slices.Equal(st.Copy.Paths, []string{"/venv"}) || slices.Equal(st.Copy.Paths, []string{"/app"})) {
			t.Errorf("runtime step %q copies more than /venv and /app: %+v", st.Name, st.Copy)
		}
	}
	want := "# Made by appbuild from uv.lock: the main dependencies with their locked hashes.\n" +
		"flask==3.1.1 --hash=sha256:" + strings.Repeat("a", 64) + "\n"
	if got := uvRequirementsOf(t, pl); got != want {
		t.Errorf("requirements:\n%s\nwant:\n%s", got, want)
	}
}

// The packages installed are the project's main dependencies and what they
// need, by normalised name: no dev group, no optional extra of the
// project; an extra a dependency asks for brings its group; a marker is
// kept for pip to evaluate; every hash of a package is listed, sorted.
func TestPythonUVSelection(t *testing.T) {
	lock := uvLockOf(`dependencies = [
    { name = "Web.Framework" },
    { name = "server", extra = ["standard"] },
]

[package.optional-dependencies]
docs = [{ name = "sphinx" }]

[package.dev-dependencies]
dev = [{ name = "pytest" }]
`,
		uvPackage("web-framework", "2.0", "b", "dependencies = [\n    { name = \"colorama\", marker = \"sys_platform == 'win32'\" },\n    { name = \"zipp\" },\n]\n")+
			uvPackage("server", "0.30.1", "c", "dependencies = [{ name = \"h11\" }]\n")+
			"[package.optional-dependencies]\nstandard = [{ name = \"uvloop\", marker = \"sys_platform != 'win32'\" }]\n\n"+
			"[[package]]\nname = \"h11\"\nversion = \"0.14.0\"\nsource = { registry = \"https://pypi.example.com/simple\" }\n"+
			"sdist = { url = \"https://files.example.com/h11-0.14.0.tar.gz\", hash = \"sha256:"+strings.Repeat("e", 64)+"\", size = 1 }\n"+
			"wheels = [{ url = \"https://files.example.com/h11-0.14.0-py3-none-any.whl\", hash = \"sha256:"+strings.Repeat("d", 64)+"\", size = 1 }]\n\n"+
			uvPackage("colorama", "0.4.6", "1", "")+
			uvPackage("zipp", "3.21.0", "2", "")+
			uvPackage("uvloop", "0.21.0", "3", "")+
			uvPackage("sphinx", "8.0.0", "4", "")+
			uvPackage("pytest", "8.3.5", "5", "dependencies = [{ name = \"colorama\" }]\n"))
	pl := pythonPlan(t, "build: app\n", testfiles.Map{"pyproject.toml": uvPyproject, "uv.lock": lock}, amd64)
	got := uvRequirementsOf(t, pl)
	h := func(d string) string { return "--hash=sha256:" + strings.Repeat(d, 64) }
	want := strings.Join([]string{
		"# Made by appbuild from uv.lock: the main dependencies with their locked hashes.",
		"colorama==0.4.6 ; sys_platform == 'win32' " + h("1"),
		"h11==0.14.0 " + h("d") + " " + h("e"),
		"server==0.30.1 " + h("c"),
		"uvloop==0.21.0 ; sys_platform != 'win32' " + h("3"),
		"web-framework==2.0 " + h("b"),
		"zipp==3.21.0 " + h("2"),
	}, "\n") + "\n"
	if got != want {
		t.Errorf("requirements:\n%s\nwant:\n%s", got, want)
	}
	// A package needed both always and under a marker is needed always.
	both := uvLockOf("dependencies = [{ name = \"a\" }, { name = \"b\" }]\n",
		uvPackage("a", "1.0", "6", "dependencies = [{ name = \"c\", marker = \"python_full_version < '3.14'\" }]\n")+
			uvPackage("b", "1.0", "7", "dependencies = [{ name = \"c\" }]\n")+
			uvPackage("c", "1.0", "8", ""))
	pl = pythonPlan(t, "build: app\n", testfiles.Map{"pyproject.toml": uvPyproject, "uv.lock": both}, amd64)
	if got := uvRequirementsOf(t, pl); !strings.Contains(got, "\nc==1.0 "+h("8")+"\n") {
		t.Errorf("c is needed unconditionally through b:\n%s", got)
	}
}

// The example's lock gives the same versions and hashes as the Poetry
// example's poetry.lock: both are the rig index's files.
func TestPythonUVExample(t *testing.T) {
	files := testfiles.Map{}
	for _, f := range []string{"pyproject.toml", "uv.lock"} {
		data, err := os.ReadFile("../examples/py-uv/" + f)
		if err != nil {
			t.Fatal(err)
		}
		files[f] = string(data)
	}
	got := uvRequirementsOf(t, pythonPlan(t, "build: app\n", files, amd64))
	poetryLock, err := os.ReadFile("../examples/py-poetry/poetry.lock")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(got), "\n")[1:] {
		pin, rest, _ := strings.Cut(line, " ")
		name, version, _ := strings.Cut(pin, "==")
		hash := rest[strings.Index(rest, "--hash=sha256:")+len("--hash="):]
		if !strings.Contains(string(poetryLock), "name = \""+name+"\"\nversion = \""+version+"\"") || !strings.Contains(string(poetryLock), hash) {
			t.Errorf("%s is not pinned as in py-poetry's poetry.lock", line)
		}
	}
	if strings.Contains(got, "packaging") || !strings.Contains(got, "colorama==0.4.6 ; sys_platform == 'win32' ") {
		t.Errorf("dev dependency installed or marker lost:\n%s", got)
	}
}

func TestPythonUVErrors(t *testing.T) {
	files := func(lock string) testfiles.Map { return testfiles.Map{"pyproject.toml": uvPyproject, "uv.lock": lock} }
	root := "dependencies = [{ name = \"lib\" }]\n"
	cases := []struct {
		name, src string
		files     testfiles.Map
		want      string
	}{
		{"malformed", "", files("version = 1\n[[package]]\nname = \"x\nversion = \"1\"\n"), "app.yaml:2:1: uv.lock:3:10: not valid TOML: basic strings cannot have new lines"},
		{"wrong type", "dependencies:\n  manager: uv\n", files("version = 1\n\n[[package]]\nname = \"x\"\nversion = 2\n"), "app.yaml:4:1: uv.lock:5:11: not valid TOML: cannot decode TOML integer into struct field profiles.uvPackage.Version of type string"},
		{"lock version", "", files("version = 2\n"), "uv.lock: lock version 2 is not one appbuild reads"},
		{"no project", "", files("version = 1\n"), `uv.lock: no package for the project "Shop_App"`},
		{"git", "", files(uvLockOf(root, "[[package]]\nname = \"lib\"\nversion = \"0.1.0\"\nsource = { git = \"https://github.com/example/lib?rev=main#0123abc\" }\n")),
			"uv.lock:14:1: lib comes from git = https://github.com/example/lib?rev=main#0123abc, which appbuild cannot install with pinned hashes"},
		{"path", "", files(uvLockOf(root, "[[package]]\nname = \"lib\"\nversion = \"0.1.0\"\n  source = { path = \"../lib\" }\n")), "uv.lock:14:3: lib comes from path = ../lib"},
		{"find-links", "", files(uvLockOf(root, strings.Replace(uvPackage("lib", "1.0", "a", ""), "https://pypi.example.com/simple", "links", 1))), "uv.lock:14:1: lib comes from the directory links (find-links)"},
		{"workspace member", "", files(uvLockOf(root, "[[package]]\nname = \"lib\"\nversion = \"0.1.0\"\nsource = { editable = \"packages/lib\" }\n")), "lib comes from editable = packages/lib"},
		{"missing package", "", files(uvLockOf(root, "")), "uv.lock:9:1: shop-app depends on lib, which the lock has no package for"},
		{"no hashes", "", files(uvLockOf(root, "[[package]]\nname = \"lib\"\nversion = \"1.0\"\nsource = { registry = \"http://127.0.0.1:3141/simple\" }\n")), "uv.lock:11:1: lib 1.0 lists no wheel or sdist with a hash"},
		{"bad hash", "", files(uvLockOf(root, strings.Replace(uvPackage("lib", "1.0", "a", ""), "sha256:a", "sha256:$(id)", 1))), "uv.lock:15:1: lib 1.0 has a file with hash"},
		{"bad version", "", files(uvLockOf(root, uvPackage("lib", "1.0 --index-url=http://evil", "a", ""))), "uv.lock:13:1: lib has version \"1.0 --index-url=http://evil\""},
		{"bad name", "", files(uvLockOf("dependencies = [{ name = \"lib;rm\" }]\n", uvPackage("lib;rm", "1.0", "a", ""))), "\"lib;rm\" is not a package name"},
		{"bad marker", "", files(uvLockOf("dependencies = [{ name = \"lib\", marker = \"os_name == 'x' # $HOME\" }]\n", uvPackage("lib", "1.0", "a", ""))), "holds characters appbuild does not pass to pip"},
		{"bad pyproject", "", testfiles.Map{"pyproject.toml": "[project\n", "uv.lock": uvLockOf("", "")}, "pyproject.toml:1:9: not valid TOML"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := profiles.Python{}.Plan(parse(t, "name: app\nlanguage: python\nbuild: app\n"+c.src), profiles.Env{BuildPlatform: amd64, TargetPlatform: amd64, Files: c.files})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v\nwant %s", err, c.want)
			}
		})
	}
}

// FuzzPythonUVLock: whatever uv.lock holds, planning returns a plan or an
// error that names uv.lock, never panics; every requirement line it
// writes is a pin with hashes.
func FuzzPythonUVLock(f *testing.F) {
	f.Add(uvLockOf("dependencies = [{ name = \"a\", extra = [\"x\"] }]\n",
		uvPackage("a", "1.0", "a", "dependencies = [{ name = \"b\", marker = \"sys_platform == 'linux'\" }]\n")+
			"[package.optional-dependencies]\nx = [{ name = \"a\" }, { name = \"b\" }]\n\n"+uvPackage("b", "2!1.0+local", "b", "dependencies = [{ name = \"a\" }]\n")))
	f.Add("version = 1\n[[package]]\nname = \"shop-app\"\nsource = { editable = \".\" }\ndependencies = [{ name = \"x\", version = \"1\", source = { git = \"y\" } }]\n")
	f.Add("version = 1\n[[package]\n")
	s, err := spec.Parse("app.yaml", []byte("name: app\nlanguage: python\nbuild: app\n"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, lock string) {
		pl, err := profiles.Python{}.Plan(s, profiles.Env{BuildPlatform: amd64, TargetPlatform: amd64,
			Files: testfiles.Map{"pyproject.toml": uvPyproject, "uv.lock": lock}})
		if err != nil {
			if !strings.Contains(err.Error(), "uv.lock") {
				t.Fatalf("error does not name uv.lock: %v", err)
			}
			return
		}
		for _, line := range strings.Split(strings.TrimSpace(uvRequirementsOf(t, pl)), "\n")[1:] {
			if !strings.Contains(line, "==") || !strings.Contains(line, " --hash=sha") || strings.ContainsAny(line, "\\$#\r") {
				t.Fatalf("requirement line %q", line)
			}
		}
	})
}
