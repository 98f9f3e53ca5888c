package profiles

import (
	"encoding/json"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/org/appbuild/contract"
	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/spec"
)

// Node plans Node.js apps. Dependencies are installed from the lock file
// only, before the source, with the package manager's cache in a cache
// mount; the build script runs in the build stage; the runtime image is
// distroless nodejs of the same major version with the app, its built output
// and its production dependencies only, all owned by root, under /app.
//
// Platforms. JavaScript is platform-neutral, so the development install, the
// build script and the tests run once, on the build platform, whatever the
// target. The production dependencies are platform-neutral too unless one of
// them carries native code: a package with an install script (node-gyp
// builds a .node addon for the machine it runs on) or one restricted to some
// os/cpu (the prebuilt-binary pattern of optional dependencies). The lock
// file says which: package-lock.json marks hasInstallScript, os and cpu per
// package and which are dev-only; pnpm-lock.yaml records os and cpu and, from
// its importers and snapshots, which packages production reaches. When a
// production dependency has native code and the target is another platform,
// the production install runs on the target platform (under emulation), so
// npm builds or picks the binaries for the machine the image runs on. A
// yarn.lock records neither, so with yarn a cross-platform production install
// always runs on the target platform.
type Node struct{}

// nodeLanguage is Node's descriptor; Reads are the package managers'
// configuration files.
var nodeLanguage = register(Language{
	Name:         "node",
	Rank:         3,
	Profile:      Node{},
	Managers:     []string{"npm", "pnpm", "yarn"},
	Detect:       []string{"package.json"},
	DetectRank:   5,
	Locks:        []Lock{{Manifest: "package.json", Files: nodeLockFiles()}},
	VersionFiles: []string{".nvmrc", ".node-version"},
	Reads:        nodeConfigFiles,
})

const (
	// defaultNodeMajor is the Node.js major version used when neither the
	// spec nor the app pins one: the active LTS line.
	defaultNodeMajor = "24"
	// nodeImage is the build image, used as node:<major>-slim.
	nodeImage = "docker.io/library/node"
	// distrolessNodejs is the runtime, used as nodejs<major>-debian13.
	distrolessNodejs = "gcr.io/distroless/nodejs"
	// distrolessNode is where distroless nodejs keeps node (its entrypoint).
	distrolessNode = "/nodejs/bin/node"
	// slimNode is where the node images keep it.
	slimNode = "/usr/local/bin/node"
	// defaultPnpmVersion is installed when package.json's packageManager
	// does not name a pnpm version; it reads lock files of version 9.
	defaultPnpmVersion = "10.34.9"
	// defaultYarnBerryVersion is installed for a Yarn 2+ lock file when
	// packageManager does not name a version.
	defaultYarnBerryVersion = "4.18.1"
	// npmrcSecret is the secret id mounted as the user's npm configuration
	// (/root/.npmrc), which npm, pnpm and yarn all read: the usual way to
	// hand a build a token for a private registry.
	npmrcSecret = "npmrc"
)

// nodeBuildEnv quiets npm's check for a newer npm, which no build wants.
var nodeBuildEnv = []string{"NPM_CONFIG_UPDATE_NOTIFIER=false"}

// Package manager caches, in cache mounts: a rebuild reuses downloaded
// packages and none of them lands in a layer.
var (
	npmCache  = plan.Mount{Kind: "cache", Target: "/root/.npm", ID: "appbuild-npm"}
	pnpmStore = plan.Mount{Kind: "cache", Target: "/root/.cache/pnpm-store", ID: "appbuild-pnpm-store"}
	yarnCache = plan.Mount{Kind: "cache", Target: "/root/.cache/yarn", ID: "appbuild-yarn"}
	// Yarn berry's global folder holds its cache.
	yarnBerryCache = plan.Mount{Kind: "cache", Target: "/root/.yarn/berry", ID: "appbuild-yarn-berry"}
)

// packageJSON is what the profile reads from package.json.
type packageJSON struct {
	Main                 string            `json:"main"`
	Scripts              map[string]string `json:"scripts"`
	Engines              json.RawMessage   `json:"engines"`
	PackageManager       string            `json:"packageManager"`
	Dependencies         map[string]string `json:"dependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
	Pnpm                 struct {
		OnlyBuiltDependencies []string `json:"onlyBuiltDependencies"`
	} `json:"pnpm"`
}

// nodeManager is one package manager and how it installs.
type nodeManager struct {
	name string
	lock string
	// setup makes the manager available in the build image; nil when the
	// image has it.
	setup []string
	cache plan.Mount
	// install installs every dependency, dev ones included; prod only
	// those the app runs with.
	install, prod []string
	// command runs the manager (scripts, tests).
	command string
	// env is set in the stages that install.
	env []string
	// indexEnv, when set, is the variable that names a private index for
	// the manager (which takes no --registry option).
	indexEnv string
}

// Plan plans a Node app (see build) under the image contract.
func (n Node) Plan(s *spec.Spec, env Env) (*plan.Plan, error) { return assemble(s, env, n.build) }

// build installs dependencies and runs the build on the build platform, then
// copies the app, the production dependencies and the probe into distroless
// nodejs for the target platform.
func (Node) build(s *spec.Spec, env Env) (contract.Build, error) {
	if s.Packages != nil && len(s.Packages.Runtime) > 0 {
		return contract.Build{}, s.Errorf("packages.runtime", "runtime packages are not supported for node: the distroless nodejs image has no package manager")
	}
	if s.Runtime == "scratch" {
		return contract.Build{}, s.Errorf("runtime", "node needs a C library: use distroless (the default) or slim")
	}
	raw, err := env.Files.ReadFile("package.json")
	if err != nil {
		return contract.Build{}, s.Errorf(appDirField(s), "package.json not found in the app's directory: a node app needs one (npm init)")
	}
	var pkg packageJSON
	if err := json.Unmarshal(raw, &pkg); err != nil {
		return contract.Build{}, s.Errorf("language", "package.json is not valid: %v", err)
	}
	pm, err := nodeManagerOf(s, env.Files, pkg)
	if err != nil {
		return contract.Build{}, err
	}
	major, from, err := nodeMajor(s, env.Files, pkg)
	if err != nil {
		return contract.Build{}, err
	}
	buildStep, err := nodeBuildStep(s, pm, pkg)
	if err != nil {
		return contract.Build{}, err
	}
	main, err := nodeMain(s, env.Files, pkg, buildStep != nil)
	if err != nil {
		return contract.Build{}, err
	}
	in := newNodeInstall(s, env.Files, pm, nodeImage+":"+major+"-slim")
	stages := nodeStages(in, buildStep)
	test := &contract.Test{From: "build", OnBuildPlatform: true, Workdir: appDir,
		Step: pm.name + " test", Run: plan.Run{Args: []string{pm.command, "test"}}}

	runtimeBase, node := nodeRuntime(s, major)
	runtime := plan.Stage{
		From: runtimeBase,
		Steps: []plan.Step{{
			Name:   "copy app",
			Origin: []string{"dir", "build"},
			Copy:   &plan.Copy{FromStage: "app", Paths: []string{appDir}, Dest: appDir, Owner: rootOwner},
		}},
	}
	if len(pkg.Dependencies)+len(pkg.OptionalDependencies) > 0 {
		native, err := nodeNativeProd(pm, env.Files, pkg)
		if err != nil {
			return contract.Build{}, s.Errorf("language", "%s: %v", pm.lock, err)
		}
		stages = append(stages, in.prodDeps(!(native && !samePlatform(env.BuildPlatform, env.TargetPlatform))))
		runtime.Steps = append(runtime.Steps, plan.Step{
			Name:   "copy node_modules",
			Origin: []string{"dependencies"},
			Copy:   &plan.Copy{FromStage: "prod-deps", Paths: []string{appDir + "/node_modules"}, Dest: appDir + "/node_modules", Owner: rootOwner},
		})
	}
	return contract.Build{Stages: stages, Test: test, Runtime: runtime, Toolchain: toolchain("Node.js", major, from),
		Entrypoint: []string{node, path.Join(appDir, main)},
		Env:        map[string]string{"NODE_ENV": "production"}}, nil
}

// nodeRuntime is the runtime base image and where node is in it.
func nodeRuntime(s *spec.Spec, major string) (plan.Base, string) {
	if s.Runtime == "slim" {
		return plan.Base{Image: nodeImage + ":" + major + "-slim"}, slimNode
	}
	ref := distrolessNodejs + major + "-debian13:nonroot"
	if runsAsRoot(s) {
		ref = distrolessNodejs + major + "-debian13:latest"
	}
	return plan.Base{Image: ref}, distrolessNode
}

// nodeLocks are the lock files in the order they are looked for.
var nodeLocks = []struct{ file, manager string }{
	{"package-lock.json", "npm"},
	{"npm-shrinkwrap.json", "npm"},
	{"pnpm-lock.yaml", "pnpm"},
	{"yarn.lock", "yarn"},
}

// nodeLockFiles are the lock files' names, in the order they are looked for.
func nodeLockFiles() []string {
	var out []string
	for _, l := range nodeLocks {
		out = append(out, l.file)
	}
	return out
}

// nodeManagerOf picks the package manager: the spec's, or the one whose lock
// file the app has (package.json's packageManager decides between several).
func nodeManagerOf(s *spec.Spec, files Files, pkg packageJSON) (nodeManager, error) {
	pmName, pmVersion, _ := strings.Cut(pkg.PackageManager, "@")
	pmVersion, _, _ = strings.Cut(pmVersion, "+") // "10.1.0+sha512.…"
	want, wantPath := "", "language"
	if s.Dependencies != nil && s.Dependencies.Manager != "" {
		want, wantPath = s.Dependencies.Manager, "dependencies.manager"
	}
	var found []struct{ file, manager string }
	for _, l := range nodeLocks {
		if exists(files, l.file) {
			found = append(found, l)
		}
	}
	lock, manager := "", ""
	for _, l := range found {
		switch {
		case want != "" && l.manager != want:
			continue
		case want == "" && pmName != "" && l.manager != pmName && slices.ContainsFunc(found, func(f struct{ file, manager string }) bool { return f.manager == pmName }):
			continue
		}
		lock, manager = l.file, l.manager
		break
	}
	if lock == "" {
		if want != "" {
			return nodeManager{}, s.Errorf(wantPath, "dependencies.manager is %s but the app has no %s lock file: appbuild installs from a lock file only; run %s install and commit it", want, want, want)
		}
		return nodeManager{}, s.Errorf(wantPath, "package.json has no lock file next to it (package-lock.json, pnpm-lock.yaml or yarn.lock): appbuild installs from a lock file only; run npm install (or pnpm or yarn) and commit the lock file")
	}
	switch manager {
	case "npm":
		return nodeManager{
			name: "npm", command: "npm", lock: lock, cache: npmCache,
			install: []string{"npm", "ci", "--no-audit", "--no-fund"},
			prod:    []string{"npm", "ci", "--omit=dev", "--no-audit", "--no-fund"},
		}, nil
	case "pnpm":
		version := defaultPnpmVersion
		if pmName == "pnpm" && pmVersion != "" {
			if !semverRe.MatchString(pmVersion) {
				return nodeManager{}, s.Errorf(wantPath, "package.json's packageManager %q does not name an exact pnpm version", pkg.PackageManager)
			}
			version = pmVersion
		}
		store := "--store-dir=" + pnpmStore.Target
		return nodeManager{
			name: "pnpm", command: "pnpm", lock: lock, cache: pnpmStore,
			setup:   []string{"npm", "install", "--global", "--no-audit", "--no-fund", "pnpm@" + version},
			install: []string{"pnpm", "install", "--frozen-lockfile", store},
			prod:    []string{"pnpm", "install", "--frozen-lockfile", "--prod", store},
		}, nil
	default:
		data, _ := files.ReadFile(lock)
		if strings.Contains("\n"+string(data), "\n__metadata:") {
			return yarnBerry(s, wantPath, pkg, pmName, pmVersion, lock)
		}
		// Yarn classic is in the node images. Its cache is not safe for two
		// installs at once: the mutex file lives in the shared cache mount.
		cache := []string{"--cache-folder", yarnCache.Target, "--mutex", "file:" + yarnCache.Target + "/.appbuild-mutex"}
		return nodeManager{
			name: "yarn", command: "yarn", lock: lock, cache: yarnCache,
			install: append([]string{"yarn", "install", "--frozen-lockfile", "--non-interactive"}, cache...),
			prod:    append([]string{"yarn", "install", "--frozen-lockfile", "--non-interactive", "--production"}, cache...),
		}, nil
	}
}

// yarnBerry is Yarn 2 and later. It is not in the node images (they carry
// Yarn classic as yarn), so the version package.json's packageManager names
// is installed from the npm registry (@yarnpkg/cli-dist) beside it, in
// /opt/yarn-berry. Berry links Plug'n'Play by default, with no node_modules;
// appbuild makes it link node_modules (YARN_NODE_LINKER), which the runtime
// image takes the production dependencies from, and which every package
// works with. Berry reads no .npmrc: a registry token reaches it as an
// environment secret, YARN_NPM_AUTH_TOKEN.
func yarnBerry(s *spec.Spec, wantPath string, pkg packageJSON, pmName, pmVersion, lock string) (nodeManager, error) {
	version := defaultYarnBerryVersion
	if pmName == "yarn" && pmVersion != "" && !strings.HasPrefix(pmVersion, "1.") {
		if !semverRe.MatchString(pmVersion) {
			return nodeManager{}, s.Errorf(wantPath, "package.json's packageManager %q does not name an exact yarn version", pkg.PackageManager)
		}
		version = pmVersion
	}
	const prefix = "/opt/yarn-berry"
	yarn := prefix + "/bin/yarn"
	return nodeManager{
		name: "yarn", command: yarn, lock: lock, cache: yarnBerryCache,
		setup:    []string{"npm", "install", "--global", "--prefix=" + prefix, "--no-audit", "--no-fund", "@yarnpkg/cli-dist@" + version},
		install:  []string{yarn, "install", "--immutable"},
		prod:     []string{yarn, "workspaces", "focus", "--all", "--production"},
		indexEnv: "YARN_NPM_REGISTRY_SERVER",
		env: []string{
			"YARN_ENABLE_GLOBAL_CACHE=true",
			"YARN_ENABLE_TELEMETRY=false",
			"YARN_GLOBAL_FOLDER=" + yarnBerryCache.Target,
			"YARN_NODE_LINKER=node-modules",
		},
	}, nil
}

var semverRe = regexp.MustCompile(`^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$`)

// nodeConfigFiles configure the package managers' installs; each one the
// app has is copied with the manifests. (The frontend lets a profile see
// only the files it loads to plan a build: a file it does not load is
// copied when listed in dependencies.files.)
var nodeConfigFiles = []string{".npmrc", ".yarnrc", ".yarnrc.yml", "pnpm-workspace.yaml", ".pnpmfile.cjs"}

// nodeManifestCopies copies package.json, the lock file, the managers'
// configuration files and the spec's dependency files into /app before the
// install. Files in sub-directories (patches, say) keep their path.
func nodeManifestCopies(s *spec.Spec, files Files, pm nodeManager) []plan.Step {
	copies := []string{"package.json", pm.lock}
	for _, f := range nodeConfigFiles {
		if exists(files, f) {
			copies = append(copies, f)
		}
	}
	if s.Dependencies != nil {
		for _, f := range s.Dependencies.Files {
			if !slices.Contains(copies, f) {
				copies = append(copies, f)
			}
		}
	}
	var top []string
	var steps []plan.Step
	for _, f := range copies {
		if strings.Contains(f, "/") {
			steps = append(steps, plan.Step{
				Name:   "copy " + f,
				Origin: []string{"dependencies", "language"},
				Copy:   &plan.Copy{Paths: []string{f}, Dest: path.Join(appDir, f)},
			})
			continue
		}
		top = append(top, f)
	}
	if len(top) > 0 {
		steps = append([]plan.Step{{
			Name:   "copy " + strings.Join(top, " "),
			Origin: []string{"dependencies", "language"},
			Copy:   &plan.Copy{Paths: top, Dest: appDir + "/"},
		}}, steps...)
	}
	return steps
}

// nodeBuildStep is the build stage's build step: the spec's build_command,
// the package.json script the spec names, or the "build" script when the app
// has one.
func nodeBuildStep(s *spec.Spec, pm nodeManager, pkg packageJSON) (*plan.Step, error) {
	if len(s.BuildCommand) > 0 {
		return &plan.Step{Name: strings.Join(s.BuildCommand, " "), Origin: []string{"build_command"}, Run: &plan.Run{Args: s.BuildCommand}}, nil
	}
	script := s.Build
	if script == "" {
		if _, ok := pkg.Scripts["build"]; !ok {
			return nil, nil
		}
		script = "build"
	}
	if strings.HasPrefix(script, "-") {
		return nil, s.Errorf("build", "%q is not a script name", script)
	}
	if _, ok := pkg.Scripts[script]; !ok {
		names := make([]string, 0, len(pkg.Scripts))
		for name := range pkg.Scripts {
			names = append(names, name)
		}
		sort.Strings(names)
		have := "it has none"
		if len(names) > 0 {
			have = "it has " + strings.Join(names, ", ")
		}
		return nil, s.Errorf("build", "package.json has no %q script to build with (%s)", script, have)
	}
	args := []string{pm.command, "run", script}
	return &plan.Step{Name: strings.Join(args, " "), Origin: []string{"build"}, Run: &plan.Run{Args: args}}, nil
}

// startScriptRe is a start script that only runs node on a file.
var startScriptRe = regexp.MustCompile(`^node\s+([A-Za-z0-9_./-]+\.[cm]?js)$`)

// nodeMain is the file the image runs: package.json's main, else the file a
// plain "node FILE" start script runs, else index.js. Without a build step
// (which may write it, as a TypeScript build writes dist/) the file must be
// in the app, found as node finds a main module (FILE, FILE.js or
// FILE/index.js): package.json's main often names a file that moved, and an
// image that runs it dies at start. Then the next candidate that exists is
// taken, and none is an error that says what was looked for.
func nodeMain(s *spec.Spec, files Files, pkg packageJSON, built bool) (string, error) {
	if len(s.Entrypoint) > 0 {
		return "index.js", nil // not used
	}
	type found struct{ file, from string }
	var tried []found
	var ask []string
	for _, c := range nodeMainCandidates(pkg) {
		clean, err := spec.CleanPath(c.file)
		if err != nil || clean == "." {
			return "", s.Errorf("language", "%s %q is not a file inside the app; set entrypoint", c.from, c.file)
		}
		if built {
			return clean, nil
		}
		if !slices.ContainsFunc(tried, func(f found) bool { return f.file == clean }) {
			tried = append(tried, found{clean, c.from})
			ask = append(ask, nodeModuleFiles(clean)...)
		}
	}
	if hit := files.FirstOf(ask...); hit != "" {
		for _, f := range tried {
			if slices.Contains(nodeModuleFiles(f.file), hit) {
				return f.file, nil
			}
		}
	}
	var names []string
	for _, f := range tried {
		names = append(names, f.from+" "+f.file)
	}
	return "", s.Errorf("language", "no file to run: the app has none of %s (looked for each as FILE, FILE.js and FILE/index.js); fix package.json or set entrypoint", strings.Join(names, ", "))
}

// nodeMainCandidate is a file the image may run, and what named it.
type nodeMainCandidate struct{ file, from string }

// nodeMainCandidates are the files nodeMain tries, in order.
func nodeMainCandidates(pkg packageJSON) []nodeMainCandidate {
	var out []nodeMainCandidate
	if pkg.Main != "" {
		out = append(out, nodeMainCandidate{pkg.Main, "package.json's main"})
	}
	if m := startScriptRe.FindStringSubmatch(strings.TrimSpace(pkg.Scripts["start"])); m != nil {
		out = append(out, nodeMainCandidate{m[1], "the start script's"})
	}
	return append(out, nodeMainCandidate{"index.js", "the default"})
}

// nodeModuleFiles are the files node runs for a main module named file:
// the file itself, with .js added, or the directory's index.js.
func nodeModuleFiles(file string) []string {
	return []string{file, file + ".js", path.Join(file, "index.js")}
}

var majorRe = regexp.MustCompile(`^v?(\d+)(\.[0-9x*]+)*$`)

// nodeMajor is the Node.js major version of both images: the spec's
// version, else .nvmrc or .node-version, else package.json's engines.node,
// else the default. Images exist per major version only.
func nodeMajor(s *spec.Spec, files Files, pkg packageJSON) (major, from string, err error) {
	if s.Version != "" {
		m := majorRe.FindStringSubmatch(s.Version)
		if m == nil {
			return "", "", s.Errorf("version", "%q is not a Node.js version: write the major version, like \"24\"", s.Version)
		}
		return strings.TrimLeft(m[1], "0"), fromSpec, nil
	}
	for _, f := range []string{".nvmrc", ".node-version"} {
		data, err := files.ReadFile(f)
		if err != nil {
			continue
		}
		line, _, _ := strings.Cut(strings.TrimSpace(string(data)), "\n")
		if m := majorRe.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
			return strings.TrimLeft(m[1], "0"), f, nil
		}
		return "", "", s.Errorf("language", "%s holds %q: appbuild needs a version number there, like 24", f, strings.TrimSpace(line))
	}
	var engines map[string]any
	if json.Unmarshal(pkg.Engines, &engines) == nil {
		if r, ok := engines["node"].(string); ok {
			if major := enginesMajor(r); major != "" {
				return major, "package.json's engines.node", nil
			}
		}
	}
	return defaultNodeMajor, fromDefault, nil
}

var rangePartRe = regexp.MustCompile(`^(>=|>|\^|~|=)?\s*v?(\d+)`)

// enginesMajor picks a major version that satisfies an engines.node range:
// the highest major any of its alternatives names, or the default when an
// alternative is open-ended (">=20") and the default satisfies it.
func enginesMajor(r string) string {
	def, _ := strconv.Atoi(defaultNodeMajor)
	best := 0
	for _, alt := range strings.Split(r, "||") {
		alt = strings.TrimSpace(alt)
		m := rangePartRe.FindStringSubmatch(alt)
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		open := (m[1] == ">=" || m[1] == ">") && !strings.Contains(alt, "<")
		if open && def >= n {
			n = def
		}
		best = max(best, n)
	}
	if best == 0 {
		return ""
	}
	return strconv.Itoa(best)
}
