package profiles

import (
	"bytes"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/org/appbuild/contract"
	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/spec"
)

// Python plans Python apps: a virtual environment built on Debian's own
// python3, then copied with the app's source onto distroless python3.
//
// # The interpreter
//
// gcr.io/distroless/python3-debian13 runs Debian 13's Python 3.13 at
// /usr/bin/python3.13, and its version cannot be chosen. A virtual
// environment is a directory of links to the interpreter that made it plus
// the packages installed in it: made on another Python (python:3.13-slim has
// its own build in /usr/local) it breaks at start. So the build stage is
// debian:trixie-slim with Debian's python3 installed by apt (an apt cache
// mount; the same Debian release and the same interpreter path as the
// runtime, the way distroless's own Python example builds), and the venv is
// made at /venv, the path it has at run time, so /venv/bin/python links to
// /usr/bin/python3.13, which exists on distroless. version may be left out
// or be "3.13"; anything else (in version or .python-version) is an error
// that says why.
//
// # Dependencies
//
// The manifests are copied and installed before the source, with pip's cache
// as a cache mount, so a source-only change never reinstalls them:
//
//   - pip: requirements.txt (or dependencies.files), installed with the
//     venv's pip;
//   - poetry: pyproject.toml and poetry.lock; Debian's Poetry exports the
//     lock's main group with its hashes, and pip installs exactly that
//     (--require-hashes --no-deps), so the same index setting and secrets
//     serve both managers;
//   - uv: pyproject.toml and uv.lock. No uv binary can be had on the build
//     stage (Debian 13 does not package it), so appbuild reads uv.lock
//     itself (uvlock.go) and writes what `uv export --no-dev` would: the
//     project's main dependencies, followed through the lock, pinned with
//     every hash the lock lists, a marker kept for pip to evaluate; pip
//     installs it the same way (--require-hashes --no-deps). [tool.uv]
//     settings are not read, and the project itself is not installed as a
//     package: it runs from /app like every Python app here. A dependency
//     from git, a path or a URL is an error that names it.
//
// A private or mirror index is dependencies.index (pip's index-url, written
// to the build stage's /etc/pip.conf);
// credentials come as build secrets: `secrets: [{id: pip_index_url, env:
// PIP_INDEX_URL}]` with `--secret id=pip_index_url,env=...` replaces the
// index URL with one that carries a token, on the install step only. A
// secret is never written to a layer, an env or the history.
//
// After the install, pip itself is uninstalled from the venv and everything
// is compiled to byte-code with unchecked-hash validation (the .pyc files
// stay valid whatever time the copies get, and a read-only root never makes
// Python recompile). The runtime image gets /venv and /app only, owned by
// root: no pip, no compiler, no cache, no shell.
//
// # What runs
//
//   - build: a module (`build: app` runs `python -m app`) or a script
//     (`build: main.py` runs `python /app/main.py`);
//   - entrypoint (and cmd): any command, such as a server with its
//     arguments (`entrypoint: [gunicorn, --bind, "0.0.0.0:8080", app:app]`);
//     /venv/bin comes first in PATH, so console scripts and python resolve
//     to the venv's;
//   - cmd alone: arguments to the venv's python.
//
// build and entrypoint cannot both be set. The working directory is /app.
//
// # Platforms
//
// Pure-Python wheels are the same on every platform: the build stage runs
// once on $BUILDPLATFORM and its venv is copied into every target's image
// (its python links to /usr/bin/python3.13, the same path on amd64 and
// arm64). Native code is not: a wheel with compiled extensions, or a
// package built from source, must be installed for the target. The plan
// moves the build stage to the target platform (under emulation) when the
// spec asks for build packages (packages.build, such as gcc and
// python3-dev); a binary wheel from the index without build packages is
// installed for the build platform, and a cross build then fails at its
// native-code check step instead of producing an image that cannot run.
type Python struct{}

// pythonLanguage is Python's descriptor.
var pythonLanguage = register(Language{
	Name:         "python",
	Rank:         2,
	Profile:      Python{},
	Managers:     []string{"pip", "poetry", "uv"},
	Detect:       []string{"pyproject.toml", "requirements.txt"},
	DetectRank:   4,
	Locks:        []Lock{{Manifest: "pyproject.toml", Files: []string{"poetry.lock", "uv.lock", "requirements.txt", "pdm.lock"}}},
	VersionFiles: []string{".python-version"},
})

const (
	pythonVersion     = "3.13"
	pythonInterpreter = "/usr/bin/python3.13"
	distrolessPython  = "gcr.io/distroless/python3-debian13"
	// venvDir is the virtual environment, at the same path in the build
	// stage and the runtime image.
	venvDir    = "/venv"
	venvPython = venvDir + "/bin/python"
	// The runtime PATH: distroless's, after the venv's bin.
	pythonPath = venvDir + "/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	// exportedRequirements is where Poetry's export, or the requirements
	// made from uv.lock, go in the build stage.
	exportedRequirements = "/tmp/appbuild-requirements.txt"
)

var (
	pipCache  = plan.Mount{Kind: "cache", Target: "/root/.cache/pip", ID: "appbuild-pip"}
	aptCache  = plan.Mount{Kind: "cache", Target: "/var/cache/apt", ID: "appbuild-apt-cache-trixie", Locked: true}
	aptLists  = plan.Mount{Kind: "cache", Target: "/var/lib/apt/lists", ID: "appbuild-apt-lists-trixie", Locked: true}
	moduleRe  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)
	pyVersion = regexp.MustCompile(`^\s*(?:python-?|cpython-?)?(\d+\.\d+)`)
)

// aptInstall installs Debian packages in one step: the lists and the
// downloaded packages stay in cache mounts (Debian images delete downloaded
// packages after each install, so that setting is removed first, as
// BuildKit's documentation shows for apt cache mounts). apt refuses to wait
// for another apt's lock, so both mounts are locked (BuildKit's
// sharing=locked): a concurrent build's apt step waits for them. A flock
// inside shared mounts was not enough: under eight concurrent builds two apt
// steps still met on /var/cache/apt/archives/lock. The script is fixed; the
// package names are its arguments ("$@"), never shell text.
const aptInstall = `set -e
rm -f /etc/apt/apt.conf.d/docker-clean
echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' >/etc/apt/apt.conf.d/keep-cache
apt-get update -qq
exec apt-get install -qq -y --no-install-recommends "$@"`

// Plan plans a Python app (see build) under the image contract.
func (p Python) Plan(s *spec.Spec, env Env) (*plan.Plan, error) { return assemble(s, env, p.build) }

// build builds the venv and compiles the app on debian:trixie-slim with
// Debian's python3, then copies both onto distroless python3.
func (Python) build(s *spec.Spec, env Env) (contract.Build, error) {
	if err := pythonSupports(s, env.Files); err != nil {
		return contract.Build{}, err
	}
	entrypoint, err := pythonEntrypoint(s, env.Files)
	if err != nil {
		return contract.Build{}, err
	}
	manager, depFiles, err := pythonManager(s, env.Files)
	if err != nil {
		return contract.Build{}, err
	}
	var uvRequirementsFile []byte
	if manager == "uv" {
		if uvRequirementsFile, err = uvLockRequirements(s, env.Files); err != nil {
			return contract.Build{}, err
		}
	}

	// Native code is built where it runs: with build packages the stage
	// runs on the target platform.
	native := s.Packages != nil && len(s.Packages.Build) > 0
	steps := pythonSetupSteps(s, manager, depFiles)
	steps = append(steps, pythonDepSteps(s, manager, depFiles, uvRequirementsFile)...)
	steps = append(steps, pythonSourceSteps(env, native)...)

	build := plan.Stage{
		Name:            "build",
		From:            plan.Base{Image: debianSlim},
		OnBuildPlatform: !native,
		Workdir:         appDir,
		Env:             []string{"PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_NO_INPUT=1", "PIP_ROOT_USER_ACTION=ignore"},
		Steps:           steps,
	}
	// The venv's PATH is the test stage's environment, not its step's: the
	// base image sets PATH, and an ejected Dockerfile can only override an
	// image's variable with ENV (an ARG of the same name loses to it).
	test := &contract.Test{
		From:            "build",
		OnBuildPlatform: !native,
		Env:             []string{"PATH=" + pythonPath, "VIRTUAL_ENV=" + venvDir},
		Step:            "python -m unittest",
		Run:             plan.Run{Args: []string{venvPython, "-m", "unittest", "discover", "-s", appDir}},
	}
	runtime := plan.Stage{
		From: pythonRuntimeBase(s),
		Steps: []plan.Step{{
			Name:   "copy " + venvDir,
			Origin: []string{"dependencies"},
			Copy:   &plan.Copy{FromStage: "build", Paths: []string{venvDir}, Dest: venvDir, Owner: rootOwner},
		}, {
			Name:   "copy " + appDir,
			Origin: []string{"build"},
			Copy:   &plan.Copy{FromStage: "build", Paths: []string{appDir}, Dest: appDir, Owner: rootOwner},
		}},
	}
	return contract.Build{
		Stages:     []plan.Stage{build},
		Test:       test,
		Runtime:    runtime,
		Entrypoint: entrypoint,
		Env: map[string]string{
			"PATH":                    pythonPath,
			"VIRTUAL_ENV":             venvDir,
			"PYTHONUNBUFFERED":        "1",
			"PYTHONDONTWRITEBYTECODE": "1",
		},
	}, nil
}

// pythonSupports refuses what the Python profile cannot build.
func pythonSupports(s *spec.Spec, files Files) error {
	if err := pythonVersionOK(s, files); err != nil {
		return err
	}
	switch s.Runtime {
	case "", "distroless":
	default:
		return s.Errorf("runtime", "runtime %s is not supported for python: the venv runs on distroless python3 (Debian's Python 3.13)", s.Runtime)
	}
	if s.Packages != nil && len(s.Packages.Runtime) > 0 {
		return s.Errorf("packages.runtime", "runtime packages are not supported for python: distroless python3 has no package manager")
	}
	if s.BuildCommand != nil {
		return s.Errorf("build_command", "build_command is not supported for python: dependencies are installed from the lock file and the source is compiled to byte-code")
	}
	return nil
}

// pythonSetupSteps install Debian's python3 (and poetry, and the spec's
// build packages), make the venv and copy the manifests.
func pythonSetupSteps(s *spec.Spec, manager string, depFiles []string) []plan.Step {
	aptPackages := []string{"python3", "python3-venv"}
	if manager == "poetry" {
		aptPackages = append(aptPackages, "python3-poetry", "python3-poetry-plugin-export")
	}
	var buildPackages []string
	if s.Packages != nil {
		buildPackages = s.Packages.Build
	}
	return []plan.Step{{
		Name:   "apt-get install " + strings.Join(append(slices.Clone(aptPackages), buildPackages...), " "),
		Origin: []string{"language"},
		Run: &plan.Run{
			Args:   append(append([]string{"sh", "-c", aptInstall, "apt-install"}, aptPackages...), buildPackages...),
			Env:    []string{"DEBIAN_FRONTEND=noninteractive"},
			Mounts: []plan.Mount{aptCache, aptLists},
		},
	}, {
		Name:   "python3.13 -m venv " + venvDir,
		Origin: []string{"language"},
		Run:    &plan.Run{Args: []string{pythonInterpreter, "-m", "venv", venvDir}},
	}, {
		Name:   "copy " + strings.Join(depFiles, " "),
		Origin: []string{"dependencies", "language"},
		Copy:   &plan.Copy{Paths: depFiles, Dest: appDir + "/"},
	}}
}

// pythonDepSteps turn the manager's lock file into requirements pip
// installs with hashes, install them into the venv, drop pip and compile.
func pythonDepSteps(s *spec.Spec, manager string, depFiles []string, uvRequirementsFile []byte) []plan.Step {
	var steps []plan.Step
	if manager == "poetry" {
		steps = append(steps, plan.Step{
			Name:   "poetry export",
			Origin: []string{"dependencies"},
			Run: &plan.Run{
				Args: []string{"poetry", "export", "--only", "main", "--without-urls",
					"--format", "requirements.txt", "--output", exportedRequirements},
				Env: []string{"POETRY_NO_INTERACTION=1", "POETRY_VIRTUALENVS_CREATE=false"},
			},
		})
	}
	if manager == "uv" {
		steps = append(steps, plan.Step{
			Name:   "write requirements from uv.lock",
			Origin: []string{"dependencies"},
			Write:  &plan.Write{Path: exportedRequirements, Data: uvRequirementsFile, Mode: 0o644},
		})
	}
	if d := s.Dependencies; d != nil && d.Index != "" {
		// The index is pip's site-wide setting, in the build stage only: a
		// secret that sets PIP_INDEX_URL (a URL with a token) overrides it.
		steps = append(steps, plan.Step{
			Name:   "write /etc/pip.conf (dependencies.index)",
			Origin: []string{"dependencies.index"},
			Write:  &plan.Write{Path: "/etc/pip.conf", Data: []byte("[global]\nindex-url = " + iniValue(d.Index) + "\n"), Mode: 0o644},
		})
	}
	steps = append(steps, pipInstall(s, manager, depFiles), plan.Step{
		Name:   "pip uninstall pip",
		Origin: []string{"dependencies"},
		Run:    &plan.Run{Args: []string{venvPython, "-m", "pip", "uninstall", "--quiet", "--yes", "pip"}},
	}, plan.Step{
		Name:   "compileall " + venvDir,
		Origin: []string{"dependencies"},
		Run:    &plan.Run{Args: compileAll(venvDir)},
	})
	return steps
}

// pythonSourceSteps copy and compile the source, then, for a cross build,
// check that no dependency brought native code for the build platform.
func pythonSourceSteps(env Env, native bool) []plan.Step {
	steps := []plan.Step{{
		Name:   "copy source",
		Origin: []string{"dir", "language"},
		Copy:   &plan.Copy{Paths: []string{"."}, Dest: appDir + "/"},
	}, plan.Step{
		Name:   "compileall " + appDir,
		Origin: []string{"build"},
		Run:    &plan.Run{Args: compileAll(appDir)},
	}}
	// Last, so that every step before it is the same for all targets and
	// runs once.
	if env.TargetPlatform.Architecture != env.BuildPlatform.Architecture && !native {
		steps = append(steps, plan.Step{
			Name:   "check the venv has no native code",
			Origin: []string{"dependencies", "platforms"},
			Run:    &plan.Run{Args: []string{venvPython, "-c", noNativeCode, venvDir}},
		})
	}
	return steps
}

// pipInstall is the dependency step: the venv's pip, the index from the
// spec, the secrets mounted for this step only, pip's cache in a mount.
func pipInstall(s *spec.Spec, manager string, depFiles []string) plan.Step {
	args := []string{venvPython, "-m", "pip", "install", "--no-compile"}
	name := "pip install"
	if manager == "poetry" || manager == "uv" {
		args = append(args, "--require-hashes", "--no-deps", "--requirement", exportedRequirements)
		name += " (" + depFiles[1] + ")"
	} else {
		for _, f := range depFiles {
			if strings.HasSuffix(f, ".txt") || strings.HasSuffix(f, ".in") {
				args = append(args, "--requirement", path.Join(appDir, f))
				name += " -r " + f
			}
		}
	}
	mounts := append([]plan.Mount{pipCache}, secretMounts(s, nil)...)
	return plan.Step{
		Name:   name,
		Origin: []string{"dependencies"},
		Run:    &plan.Run{Args: args, Mounts: mounts},
	}
}

// compileAll compiles a tree to byte-code that Python uses without
// checking times (the copies into the image change them) and that is the
// same on every build.
func compileAll(dir string) []string {
	return []string{venvPython, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", dir}
}

// noNativeCode fails a cross build whose venv holds compiled extensions:
// they were installed for the build platform and would not load on the
// target.
const noNativeCode = `import pathlib, sys
found = sorted(str(p) for p in pathlib.Path(sys.argv[1]).rglob("*.so"))
if found:
    sys.exit("native code installed for the build platform, which a cross build cannot use:\n  "
             + "\n  ".join(found[:10])
             + "\nadd the build packages it needs (packages.build, for example [gcc, python3-dev]) "
             + "so the dependencies are installed on the target platform")`

// pythonRuntimeBase is distroless python3, as root only when asked.
func pythonRuntimeBase(s *spec.Spec) plan.Base {
	if runsAsRoot(s) {
		return plan.Base{Image: distrolessPython + ":latest"}
	}
	return plan.Base{Image: distrolessPython + ":nonroot"}
}

// pythonVersionOK refuses a version other than the one distroless python3
// runs, from the spec or from .python-version.
func pythonVersionOK(s *spec.Spec, files Files) error {
	if v := s.Version; v != "" && v != pythonVersion && !strings.HasPrefix(v, pythonVersion+".") {
		return s.Errorf("version", "python %s cannot be had: distroless python3 runs Debian 13's Python %s, and a venv must run on the Python that made it; set version: %q", v, pythonVersion, pythonVersion)
	}
	if s.Version != "" {
		return nil
	}
	if pin, err := files.ReadFile(".python-version"); err == nil {
		line, _, _ := bytes.Cut(pin, []byte("\n"))
		m := pyVersion.FindSubmatch(line)
		if m != nil && string(m[1]) != pythonVersion {
			return s.Errorf("language", ".python-version asks for Python %s, but distroless python3 runs Debian 13's Python %s; a venv must run on the Python that made it", m[1], pythonVersion)
		}
	}
	return nil
}

// pythonEntrypoint is the runtime entrypoint: the module or script named by
// build, or the venv's python for cmd alone; nil when the spec's own
// entrypoint is used (runtimeImage puts it in). A script must be in the
// app (an image that runs a missing one dies at start); a module may come
// from the dependencies (build: uvicorn), so it is not looked for.
func pythonEntrypoint(s *spec.Spec, files Files) ([]string, error) {
	b := s.Build
	switch {
	case b != "" && len(s.Entrypoint) > 0:
		return nil, s.Errorf("build", "set either build (a module or script to run with the venv's python) or entrypoint, not both")
	case len(s.Entrypoint) > 0:
		return nil, nil
	case strings.HasSuffix(b, ".py"):
		script, err := spec.CleanPath(b)
		if err != nil || script == "." {
			return nil, s.Errorf("build", "%q is not a file inside the app", b)
		}
		if files.FirstOf(script) == "" {
			return nil, s.Errorf("build", "the app has no %s to run (with .dockerignore applied); fix build or add the file", script)
		}
		return []string{venvPython, path.Join(appDir, script)}, nil
	case b != "":
		if !moduleRe.MatchString(b) {
			return nil, s.Errorf("build", "%q is neither a module (app, app.main: run as python -m) nor a script (main.py)", b)
		}
		return []string{venvPython, "-m", b}, nil
	case len(s.Cmd) > 0:
		return []string{venvPython}, nil
	}
	return nil, s.Errorf("language", "say what runs: build: app (python -m app), build: main.py, or an entrypoint such as [gunicorn, --bind, \"0.0.0.0:8080\", app:app]")
}

// pythonManager picks the package manager and the files copied before the
// install.
func pythonManager(s *spec.Spec, files Files) (string, []string, error) {
	manager := ""
	var listed []string
	if d := s.Dependencies; d != nil {
		manager, listed = d.Manager, d.Files
	}
	if manager == "" {
		switch {
		case exists(files, "poetry.lock"):
			manager = "poetry"
		case exists(files, "uv.lock"):
			manager = "uv"
		case exists(files, "requirements.txt") || len(listed) > 0:
			manager = "pip"
		default:
			return "", nil, s.Errorf(appDirField(s), "no requirements.txt, poetry.lock or uv.lock in the app's directory: pin the dependencies in one (an app with none can have an empty requirements.txt)")
		}
	}
	switch manager {
	case "pip":
		if len(listed) > 0 {
			return manager, listed, nil
		}
		if !exists(files, "requirements.txt") {
			return "", nil, s.Errorf("dependencies", "pip installs from requirements.txt, which is missing: add it or list the requirement files in dependencies.files")
		}
		return manager, []string{"requirements.txt"}, nil
	case "poetry", "uv":
		lock := manager + ".lock"
		for _, f := range []string{"pyproject.toml", lock} {
			if !exists(files, f) {
				return "", nil, s.Errorf("dependencies", "%s installs from pyproject.toml and %s; %s is missing (run %s lock)", manager, lock, f, manager)
			}
		}
		out := []string{"pyproject.toml", lock}
		for _, f := range listed {
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
		return manager, out, nil
	}
	return "", nil, s.Errorf("dependencies.manager", "%s does not install python dependencies; use pip, poetry or uv", manager)
}

// uvLockRequirements is the requirements file made from uv.lock; a
// mistake in the lock is reported at the spec's dependencies (or language)
// with the lock's own line and column.
func uvLockRequirements(s *spec.Spec, files Files) ([]byte, error) {
	field := "language"
	if s.Dependencies != nil {
		field = "dependencies"
	}
	lock, err := files.ReadFile("uv.lock")
	if err != nil {
		return nil, s.Errorf(field, "uv.lock cannot be read: %v", err)
	}
	pyproject, err := files.ReadFile("pyproject.toml")
	if err != nil {
		return nil, s.Errorf(field, "pyproject.toml cannot be read: %v", err)
	}
	out, err := uvRequirements(lock, pyproject)
	if err != nil {
		return nil, s.Errorf(field, "%v", err)
	}
	return out, nil
}
