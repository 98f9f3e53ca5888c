package profiles_test

import (
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/org/appbuild/internal/testfiles"
	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/profiles"
	"github.com/org/appbuild/spec"
)

const (
	npmLock  = `{"lockfileVersion": 3, "packages": {"": {"name": "app"}, "node_modules/express": {"version": "5.1.0"}}}`
	pnpmLock = "lockfileVersion: '9.0'\nimporters:\n  .: {}\npackages: {}\nsnapshots: {}\n"
)

// planNode plans a node app that has index.js (the file it runs, unless the
// test's package.json names another) besides files.
func planNode(t *testing.T, src string, files testfiles.Map, target ...string) *plan.Plan {
	t.Helper()
	if _, ok := files["index.js"]; !ok {
		files = maps.Clone(files)
		files["index.js"] = "require('http')\n"
	}
	pl, err := nodePlan(src, files, target...)
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

func nodePlan(src string, files testfiles.Map, target ...string) (*plan.Plan, error) {
	s, err := spec.Parse("app.yaml", []byte("name: app\nlanguage: node\n"+src))
	if err != nil {
		return nil, err
	}
	p := amd64
	if len(target) > 0 && target[0] == "arm64" {
		p = arm64
	}
	return profiles.Node{}.Plan(s, profiles.Env{BuildPlatform: amd64, TargetPlatform: p, Files: files})
}

// stepArgs lists a stage's run steps as command lines.
func stepArgs(pl *plan.Plan, stage string) []string {
	var out []string
	for _, st := range pl.Stage(stage).Steps {
		if st.Run != nil {
			out = append(out, strings.Join(st.Run.Args, " "))
		}
	}
	return out
}

func TestNodePackageManagers(t *testing.T) {
	cases := []struct {
		name, src string
		files     testfiles.Map
		install   string
	}{
		{"npm", "", testfiles.Map{"package.json": `{}`, "package-lock.json": npmLock},
			"npm ci --no-audit --no-fund"},
		{"shrinkwrap", "", testfiles.Map{"package.json": `{}`, "npm-shrinkwrap.json": npmLock},
			"npm ci --no-audit --no-fund"},
		{"pnpm", "", testfiles.Map{"package.json": `{}`, "pnpm-lock.yaml": pnpmLock},
			"npm install --global --no-audit --no-fund pnpm@10.34.9|pnpm install --frozen-lockfile --store-dir=/root/.cache/pnpm-store"},
		{"pnpm version from packageManager", "", testfiles.Map{"package.json": `{"packageManager": "pnpm@9.15.0+sha512.abc"}`, "pnpm-lock.yaml": pnpmLock},
			"npm install --global --no-audit --no-fund pnpm@9.15.0|pnpm install --frozen-lockfile --store-dir=/root/.cache/pnpm-store"},
		{"yarn classic", "", testfiles.Map{"package.json": `{}`, "yarn.lock": "# yarn lockfile v1\n"},
			"yarn install --frozen-lockfile --non-interactive --cache-folder /root/.cache/yarn --mutex file:/root/.cache/yarn/.appbuild-mutex"},
		{"yarn berry", "", testfiles.Map{"package.json": `{"packageManager": "yarn@4.5.0"}`, "yarn.lock": "# generated\n\n__metadata:\n  version: 8\n"},
			"npm install --global --prefix=/opt/yarn-berry --no-audit --no-fund @yarnpkg/cli-dist@4.5.0|/opt/yarn-berry/bin/yarn install --immutable"},
		{"packageManager picks between locks", "", testfiles.Map{"package.json": `{"packageManager": "pnpm@10.1.0"}`, "package-lock.json": npmLock, "pnpm-lock.yaml": pnpmLock},
			"npm install --global --no-audit --no-fund pnpm@10.1.0|pnpm install --frozen-lockfile --store-dir=/root/.cache/pnpm-store"},
		{"spec picks between locks", "dependencies:\n  manager: npm\n", testfiles.Map{"package.json": `{"packageManager": "pnpm@10.1.0"}`, "package-lock.json": npmLock, "pnpm-lock.yaml": pnpmLock},
			"npm ci --no-audit --no-fund"},
		{"private index", "dependencies:\n  index: https://npm.example.com/\n", testfiles.Map{"package.json": `{}`, "package-lock.json": npmLock},
			"npm ci --no-audit --no-fund --registry=https://npm.example.com/"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pl := planNode(t, c.src, c.files)
			if got := strings.Join(stepArgs(pl, "deps"), "|"); got != c.install {
				t.Errorf("deps steps:\n got %s\nwant %s", got, c.install)
			}
			// Manifests are copied before the install, the source after.
			deps := pl.Stage("deps").Steps
			copyAt := slices.IndexFunc(deps, func(s plan.Step) bool { return s.Copy != nil })
			if copyAt != len(deps)-2 || !slices.Contains(deps[copyAt].Copy.Paths, "package.json") {
				t.Errorf("manifest copy is not right before the install: %+v", deps)
			}
			last := deps[len(deps)-1].Run
			if last == nil || len(last.Mounts) == 0 || last.Mounts[0].Kind != "cache" {
				t.Errorf("install step has no cache mount: %+v", last)
			}
		})
	}
}

func TestNodeRefusals(t *testing.T) {
	cases := []struct {
		name, src string
		files     testfiles.Map
		want      string
	}{
		{"no package.json", "", testfiles.Map{}, "app.yaml:2:1: package.json not found in the app's directory: a node app needs one (npm init)"},
		{"no lock file", "", testfiles.Map{"package.json": `{}`},
			"app.yaml:2:1: package.json has no lock file next to it (package-lock.json, pnpm-lock.yaml or yarn.lock): appbuild installs from a lock file only; run npm install (or pnpm or yarn) and commit the lock file"},
		{"manager without its lock", "dependencies:\n  manager: pnpm\n", testfiles.Map{"package.json": `{}`, "package-lock.json": npmLock},
			"app.yaml:4:3: dependencies.manager is pnpm but the app has no pnpm lock file: appbuild installs from a lock file only; run pnpm install and commit it"},
		{"missing build script", "build: bundle\n", testfiles.Map{"package.json": `{"scripts": {"test": "x", "build": "y"}}`, "package-lock.json": npmLock},
			`app.yaml:3:1: package.json has no "bundle" script to build with (it has build, test)`},
		{"bad version", "version: latest\n", testfiles.Map{"package.json": `{}`, "package-lock.json": npmLock},
			`app.yaml:3:1: "latest" is not a Node.js version: write the major version, like "24"`},
		{"nvmrc alias", "", testfiles.Map{"package.json": `{}`, "package-lock.json": npmLock, ".nvmrc": "lts/*\n"},
			`app.yaml:2:1: .nvmrc holds "lts/*": appbuild needs a version number there, like 24`},
		{"main outside the app", "", testfiles.Map{"package.json": `{"main": "../x.js"}`, "package-lock.json": npmLock},
			`app.yaml:2:1: package.json's main "../x.js" is not a file inside the app; set entrypoint`},
		{"nothing to run", "", testfiles.Map{"package.json": `{"main": "index.js", "scripts": {"start": "node server.js"}}`, "package-lock.json": npmLock, "src/index.js": "x"},
			"app.yaml:2:1: no file to run: the app has none of package.json's main index.js, the start script's server.js (looked for each as FILE, FILE.js and FILE/index.js); fix package.json or set entrypoint"},
		{"runtime packages", "packages:\n  runtime: [libvips42]\n", testfiles.Map{"package.json": `{}`, "package-lock.json": npmLock},
			"app.yaml:4:3: runtime packages are not supported for node: the distroless nodejs image has no package manager"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := nodePlan(c.src, c.files)
			if err == nil || err.Error() != c.want {
				t.Fatalf("got  %v\nwant %s", err, c.want)
			}
		})
	}
}

func TestNodeVersion(t *testing.T) {
	cases := []struct {
		name, src string
		files     testfiles.Map
		want      string
	}{
		{"default", "", nil, "24"},
		{"spec", "version: \"22\"\n", nil, "22"},
		{"spec minor", "version: \"22.11\"\n", nil, "22"},
		{".nvmrc", "", testfiles.Map{".nvmrc": "v20.18.1\n"}, "20"},
		{".node-version", "", testfiles.Map{".node-version": "22\n"}, "22"},
		{"spec over .nvmrc", "version: \"22\"\n", testfiles.Map{".nvmrc": "20\n"}, "22"},
		{"engines caret", "", testfiles.Map{"package.json": `{"engines": {"node": "^22.1.0"}}`}, "22"},
		{"engines x", "", testfiles.Map{"package.json": `{"engines": {"node": "20.x"}}`}, "20"},
		{"engines open range", "", testfiles.Map{"package.json": `{"engines": {"node": ">=18"}}`}, "24"},
		{"engines open above default", "", testfiles.Map{"package.json": `{"engines": {"node": ">=26"}}`}, "26"},
		{"engines alternatives", "", testfiles.Map{"package.json": `{"engines": {"node": "^20.9 || ^22"}}`}, "22"},
		{"engines bounded", "", testfiles.Map{"package.json": `{"engines": {"node": ">=18 <21"}}`}, "18"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files := testfiles.Map{"package.json": `{}`, "package-lock.json": npmLock}
			for k, v := range c.files {
				files[k] = v
			}
			pl := planNode(t, c.src, files)
			if got, want := pl.Stage("deps").From.Image, "docker.io/library/node:"+c.want+"-slim"; got != want {
				t.Errorf("builder = %s, want %s", got, want)
			}
			if got, want := pl.Stage("runtime").From.Image, "gcr.io/distroless/nodejs"+c.want+"-debian13:nonroot"; got != want {
				t.Errorf("runtime = %s, want %s", got, want)
			}
		})
	}
}

func TestNodeEntrypointAndRuntime(t *testing.T) {
	lock := testfiles.Map{"package-lock.json": npmLock}
	// with is the app: package.json, its lock, and the files named.
	with := func(pkg string, files ...string) testfiles.Map {
		m := testfiles.Map{"package.json": pkg}
		for k, v := range lock {
			m[k] = v
		}
		for _, f := range files {
			m[f] = "// " + f + "\n"
		}
		return m
	}
	const distroless = "gcr.io/distroless/nodejs24-debian13:nonroot"
	cases := []struct {
		name, src, pkg string
		files          []string
		entry, base    string
	}{
		{"main", "", `{"main": "./lib/server.js"}`, []string{"lib/server.js", "index.js"}, "/nodejs/bin/node /app/lib/server.js", distroless},
		{"main without .js", "", `{"main": "server"}`, []string{"server.js"}, "/nodejs/bin/node /app/server", distroless},
		{"main a directory", "", `{"main": "src"}`, []string{"src/index.js"}, "/nodejs/bin/node /app/src", distroless},
		// A tutorial's package.json: main names index.js, the server is src/index.js.
		{"main missing, start script", "", `{"main": "index.js", "scripts": {"start": "node src/index.js"}}`, []string{"src/index.js"}, "/nodejs/bin/node /app/src/index.js", distroless},
		{"main missing, default", "", `{"main": "lib/gone.js"}`, []string{"index.js"}, "/nodejs/bin/node /app/index.js", distroless},
		// A build step may write main (a TypeScript build writes dist/).
		{"main written by the build", "", `{"main": "dist/server.js", "scripts": {"build": "tsc"}}`, nil, "/nodejs/bin/node /app/dist/server.js", distroless},
		{"start script", "", `{"scripts": {"start": "node  src/index.mjs"}}`, []string{"src/index.mjs"}, "/nodejs/bin/node /app/src/index.mjs", distroless},
		{"start script with a shell", "", `{"scripts": {"start": "node a.js && node b.js"}}`, []string{"index.js"}, "/nodejs/bin/node /app/index.js", distroless},
		{"default", "", `{}`, []string{"index.js"}, "/nodejs/bin/node /app/index.js", distroless},
		{"spec entrypoint", "entrypoint: [/nodejs/bin/node, --enable-source-maps, /app/x.js]\n", `{}`, nil, "/nodejs/bin/node --enable-source-maps /app/x.js", distroless},
		{"root", "user: root\n", `{}`, []string{"index.js"}, "/nodejs/bin/node /app/index.js", "gcr.io/distroless/nodejs24-debian13:latest"},
		{"slim", "runtime: slim\n", `{}`, []string{"index.js"}, "/usr/local/bin/node /app/index.js", "docker.io/library/node:24-slim"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pl, err := nodePlan(c.src, with(c.pkg, c.files...))
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(pl.Image.Entrypoint, " "); got != c.entry {
				t.Errorf("entrypoint = %q, want %q", got, c.entry)
			}
			if got := pl.Stage("runtime").From.Image; got != c.base {
				t.Errorf("runtime base = %q, want %q", got, c.base)
			}
		})
	}
	// NODE_ENV defaults to production; the spec's env wins.
	pl := planNode(t, "port: 3000\n", with(`{}`))
	if got := strings.Join(pl.Image.Env, " "); got != "NODE_ENV=production PORT=3000" {
		t.Errorf("env = %s", got)
	}
	pl = planNode(t, "env:\n  NODE_ENV: staging\n", with(`{}`))
	if got := strings.Join(pl.Image.Env, " "); got != "NODE_ENV=staging" {
		t.Errorf("env = %s", got)
	}
}

func TestNodeBuildStep(t *testing.T) {
	files := testfiles.Map{"package.json": `{"scripts": {"build": "tsc", "bundle": "esbuild"}}`, "pnpm-lock.yaml": pnpmLock}
	cases := []struct{ src, want string }{
		{"", "pnpm run build"},
		{"build: bundle\n", "pnpm run bundle"},
		{"build_command: [node, scripts/build.mjs, --minify]\n", "node scripts/build.mjs --minify"},
	}
	for _, c := range cases {
		if got := stepArgs(planNode(t, c.src, files), "build"); len(got) != 1 || got[0] != c.want {
			t.Errorf("%q: build steps %v, want [%s]", c.src, got, c.want)
		}
	}
	// No build script: the build stage only copies the source.
	pl := planNode(t, "", testfiles.Map{"package.json": `{}`, "package-lock.json": npmLock})
	if got := stepArgs(pl, "build"); len(got) != 0 {
		t.Errorf("build steps %v for an app without a build script", got)
	}
	if got := stepArgs(pl, "test"); len(got) != 1 || got[0] != "npm test" {
		t.Errorf("test steps %v", got)
	}
	// An app with no dependencies gets no production install.
	if pl.Stage("prod-deps") != nil {
		t.Error("prod-deps stage for an app without dependencies")
	}
	// Without a build step the image needs no development install: only
	// the test target reaches deps.
	if got := reaches(pl, pl.Final, "deps"); got {
		t.Error("the image of an app without a build script waits for the development install")
	}
	if got := reaches(pl, pl.Test, "deps"); !got {
		t.Error("the test target does not install the development dependencies")
	}
	if got := stepArgs(pl, "app"); len(got) != 1 || got[0] != "rm -rf /app/node_modules" {
		t.Errorf("app steps %v, want the context's node_modules removed", got)
	}
	if built := planNode(t, "", files); !reaches(built, built.Final, "deps") {
		t.Error("the image of an app with a build script does not build on the development install")
	}
}

// reaches tells whether stage from is built on stage want or copies from
// it, directly or through other stages.
func reaches(pl *plan.Plan, from, want string) bool {
	if from == want {
		return true
	}
	st := pl.Stage(from)
	if st == nil {
		return false
	}
	if st.From.Stage != "" && reaches(pl, st.From.Stage, want) {
		return true
	}
	for _, step := range st.Steps {
		if step.Copy != nil && step.Copy.FromStage != "" && reaches(pl, step.Copy.FromStage, want) {
			return true
		}
	}
	return false
}

func TestNodeSecrets(t *testing.T) {
	src := "secrets:\n  - id: npmrc\n  - id: npm_token\n    env: NPM_TOKEN\n  - id: other\n"
	pl := planNode(t, src, testfiles.Map{"package.json": `{"dependencies": {"x": "1"}}`, "pnpm-lock.yaml": pnpmLock})
	want := []plan.Mount{
		{Kind: "secret", ID: "npmrc", Target: "/root/.npmrc"},
		{Kind: "secret", ID: "npm_token", Env: "NPM_TOKEN"},
		{Kind: "secret", ID: "other", Target: "/run/secrets/other"},
	}
	for _, st := range pl.Stages {
		for _, step := range st.Steps {
			if step.Run == nil {
				continue
			}
			var got []plan.Mount
			for _, m := range step.Run.Mounts {
				if m.Kind == "secret" {
					got = append(got, m)
				}
			}
			// Only the steps that talk to a registry read the secrets.
			registry := strings.HasPrefix(step.Name, "pnpm install") || strings.HasPrefix(step.Name, "npm install")
			if registry && !slices.Equal(got, want) {
				t.Errorf("%s / %s: secret mounts %+v, want %+v", st.Name, step.Name, got, want)
			}
			if !registry && len(got) > 0 {
				t.Errorf("%s / %s reads secrets %+v", st.Name, step.Name, got)
			}
		}
	}
}

func TestNodeBuildPackages(t *testing.T) {
	pl := planNode(t, "packages:\n  build: [python3, make, g++]\n", testfiles.Map{"package.json": `{"dependencies": {"x": "1"}}`, "package-lock.json": npmLock})
	for _, stage := range []string{"deps", "prod-deps"} {
		got := stepArgs(pl, stage)
		want := []string{"apt-get update", "apt-get install -y --no-install-recommends -- python3 make g++"}
		if len(got) < 2 || !slices.Equal(got[:2], want) {
			t.Errorf("%s steps %v, want to start with %v", stage, got, want)
		}
	}
}

// TestNodeProductionInstallPlatform: the production install runs on the
// build platform unless a production dependency has native code and the
// target differs; dev-only native packages (a compiler, a bundler) do not
// count.
func TestNodeProductionInstallPlatform(t *testing.T) {
	npm := func(pkgs string) testfiles.Map {
		return testfiles.Map{"package.json": `{"dependencies": {"x": "1"}}`,
			"package-lock.json": `{"lockfileVersion": 3, "packages": {"": {}, ` + pkgs + `}}`}
	}
	pnpmExample, err := os.ReadFile("../examples/node-pnpm/pnpm-lock.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pnpmNative := `lockfileVersion: '9.0'
importers:
  .:
    dependencies:
      sharp:
        specifier: ^0.34.0
        version: 0.34.0
packages:
  sharp@0.34.0:
    resolution: {integrity: sha512-x}
  '@img/sharp-linux-x64@0.34.0':
    resolution: {integrity: sha512-y}
    cpu: [x64]
    os: [linux]
snapshots:
  sharp@0.34.0:
    optionalDependencies:
      '@img/sharp-linux-x64': 0.34.0
  '@img/sharp-linux-x64@0.34.0':
    optional: true
`
	cases := []struct {
		name     string
		files    testfiles.Map
		onTarget bool
	}{
		{"npm pure JS", npm(`"node_modules/x": {"version": "1.0.0"}`), false},
		{"npm install script", npm(`"node_modules/bcrypt": {"version": "5.1.1", "hasInstallScript": true}`), true},
		{"npm prebuilt binary", npm(`"node_modules/@img/sharp-linux-x64": {"version": "0.34.0", "optional": true, "os": ["linux"], "cpu": ["x64"]}`), true},
		{"npm dev-only native", npm(`"node_modules/esbuild": {"version": "0.25.0", "dev": true, "hasInstallScript": true}`), false},
		{"pnpm example (native compiler in devDependencies)", testfiles.Map{"package.json": `{"dependencies": {"fastify": "5"}}`, "pnpm-lock.yaml": string(pnpmExample)}, false},
		{"pnpm prebuilt binary", testfiles.Map{"package.json": `{"dependencies": {"sharp": "0.34"}}`, "pnpm-lock.yaml": pnpmNative}, true},
		{"pnpm onlyBuiltDependencies", testfiles.Map{"package.json": `{"dependencies": {"sharp": "0.34"}, "pnpm": {"onlyBuiltDependencies": ["sharp"]}}`,
			"pnpm-lock.yaml": strings.Replace(pnpmNative, "    cpu: [x64]\n    os: [linux]\n", "", 1)}, true},
		{"yarn cannot tell", testfiles.Map{"package.json": `{"dependencies": {"x": "1"}}`, "yarn.lock": "# yarn lockfile v1\n"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Same platform: never emulated.
			if pl := planNode(t, "", c.files, "amd64"); !pl.Stage("prod-deps").OnBuildPlatform {
				t.Error("amd64 on amd64: production install not on the build platform")
			}
			pl := planNode(t, "", c.files, "arm64")
			if got := !pl.Stage("prod-deps").OnBuildPlatform; got != c.onTarget {
				t.Errorf("arm64 on amd64: production install on the target platform = %v, want %v", got, c.onTarget)
			}
			for _, st := range []string{"deps", "build", "test", "app"} {
				if !pl.Stage(st).OnBuildPlatform {
					t.Errorf("stage %s is not on the build platform", st)
				}
			}
		})
	}
}

// TestNodeManifestCopies: package.json, the lock file, the managers'
// configuration files the app has and the spec's dependency files are
// copied before the install, sub-directories kept.
func TestNodeManifestCopies(t *testing.T) {
	files := testfiles.Map{"package.json": `{}`, "pnpm-lock.yaml": pnpmLock, ".npmrc": "", "pnpm-workspace.yaml": ""}
	pl := planNode(t, "dependencies:\n  files: [package.json, patches/left-pad.patch]\n", files)
	var got []string
	for _, st := range pl.Stage("deps").Steps {
		if st.Copy != nil {
			got = append(got, strings.Join(st.Copy.Paths, " ")+" -> "+st.Copy.Dest)
		}
	}
	want := []string{"package.json pnpm-lock.yaml .npmrc pnpm-workspace.yaml -> /app/", "patches/left-pad.patch -> /app/patches/left-pad.patch"}
	if !slices.Equal(got, want) {
		t.Errorf("copies before the install:\n got %q\nwant %q", got, want)
	}
}

// TestNodeYarnBerryIndex: Yarn berry takes a private index from the
// environment, not from a --registry option; npm, which installs it, from
// the option.
func TestNodeYarnBerryIndex(t *testing.T) {
	pl := planNode(t, "dependencies:\n  index: https://npm.example.com/\n", testfiles.Map{"package.json": `{}`, "yarn.lock": "__metadata:\n  version: 8\n"})
	deps := pl.Stage("deps")
	if !slices.Contains(deps.Env, "YARN_NPM_REGISTRY_SERVER=https://npm.example.com/") {
		t.Errorf("deps env = %v", deps.Env)
	}
	want := []string{
		"npm install --global --prefix=/opt/yarn-berry --no-audit --no-fund @yarnpkg/cli-dist@4.18.1 --registry=https://npm.example.com/",
		"/opt/yarn-berry/bin/yarn install --immutable",
	}
	if got := stepArgs(pl, "deps"); !slices.Equal(got, want) {
		t.Errorf("deps steps:\n got %q\nwant %q", got, want)
	}
}
