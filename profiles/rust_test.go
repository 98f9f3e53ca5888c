package profiles_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/org/appbuild/eject"
	"github.com/org/appbuild/internal/testfiles"
	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/profiles"
	"github.com/org/appbuild/spec"
)

const (
	cargoToml = "[package]\nname = \"svc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nserde_json = \"1\"\n"
	cargoLock = "version = 4\n\n[[package]]\nname = \"serde_json\"\nversion = \"1.0.139\"\n\n[[package]]\nname = \"svc\"\nversion = \"0.1.0\"\n"
)

func rustFiles(extra ...string) testfiles.Map {
	m := testfiles.Map{"Cargo.toml": cargoToml, "Cargo.lock": cargoLock}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}

func rustPlan(src string, files testfiles.Map, target ...string) (*plan.Plan, error) {
	s, err := spec.Parse("app.yaml", []byte("name: app\nlanguage: rust\n"+src))
	if err != nil {
		return nil, err
	}
	p := amd64
	if len(target) > 0 && target[0] == "arm64" {
		p = arm64
	}
	return profiles.Rust{}.Plan(s, profiles.Env{BuildPlatform: amd64, TargetPlatform: p, Files: files})
}

func planRust(t *testing.T, src string, files testfiles.Map, target ...string) *plan.Plan {
	t.Helper()
	pl, err := rustPlan(src, files, target...)
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

// buildStep is the build stage's last step, the cargo build.
func buildStep(pl *plan.Plan) *plan.Run {
	steps := pl.Stage("build").Steps
	return steps[len(steps)-1].Run
}

// TestRustCrossCompiles: an arm64 image of a pure-Rust app is built on the
// amd64 build platform with the arm64 target, its standard library and a
// cross linker, statically, onto distroless static; an amd64 image needs no
// cross tools.
func TestRustCrossCompiles(t *testing.T) {
	pl := planRust(t, "port: 8080\n", rustFiles(), "arm64")
	build := pl.Stage("build")
	if !build.OnBuildPlatform {
		t.Error("a pure-Rust build stage runs under emulation")
	}
	got := stepArgs(pl, "build")
	want := []string{
		"rustup target add aarch64-unknown-linux-gnu",
		"cargo-fetch",
		"cargo-build build --release --locked --bin svc",
	}
	if len(got) != 4 || got[0] != want[0] || !strings.HasSuffix(got[1], "apt-install gcc-aarch64-linux-gnu libc6-dev-arm64-cross") ||
		!strings.HasSuffix(got[2], want[1]) || !strings.HasSuffix(got[3], want[2]) {
		t.Errorf("build steps:\n%s", strings.Join(got, "\n"))
	}
	env := buildStep(pl).Env
	for _, kv := range []string{
		"RUSTFLAGS=-C target-feature=+crt-static",
		"APPBUILD_TARGET=aarch64-unknown-linux-gnu",
		"CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc",
		"APPBUILD_BIN=svc",
	} {
		if !slices.Contains(env, kv) {
			t.Errorf("build env %v lacks %s", env, kv)
		}
	}
	if got := pl.Stage("runtime").From.Image; got != "gcr.io/distroless/static-debian13:nonroot" {
		t.Errorf("runtime = %s", got)
	}
	if got := strings.Join(pl.Image.Entrypoint, " "); got != "/app/app" {
		t.Errorf("entrypoint = %s", got)
	}

	native := planRust(t, "", rustFiles(), "amd64")
	if got := stepArgs(native, "build"); len(got) != 2 || !strings.HasSuffix(got[0], "cargo-fetch") {
		t.Errorf("amd64 on amd64 build steps: %v", got)
	}
	if slices.ContainsFunc(buildStep(native).Env, func(kv string) bool { return strings.Contains(kv, "_LINKER=") }) {
		t.Error("a native build sets a cross linker")
	}
}

// TestRustDependenciesBeforeSource: the manifests are copied and fetched
// before the source; the fetch and the build keep the registry in cache
// mounts and the build the target directory too.
func TestRustDependenciesBeforeSource(t *testing.T) {
	pl := planRust(t, "dependencies:\n  files: [Cargo.toml, Cargo.lock, .cargo/config.toml]\n", rustFiles("rust-toolchain.toml", "[toolchain]\nchannel = \"1.85.1\"\n"))
	var names []string
	for _, st := range pl.Stage("build").Steps {
		names = append(names, st.Name)
	}
	want := []string{"copy Cargo.toml Cargo.lock rust-toolchain.toml", "copy .cargo/config.toml", "cargo fetch --locked", "copy source",
		"cargo build --release --locked --bin svc --target x86_64-unknown-linux-gnu"}
	if !slices.Equal(names, want) {
		t.Fatalf("build steps\n got %q\nwant %q", names, want)
	}
	if got := pl.Stage("build").From.Image; got != "docker.io/library/rust:1.85.1" {
		t.Errorf("builder = %s, want the toolchain file's version", got)
	}
	steps := pl.Stage("build").Steps
	if dest := steps[1].Copy.Dest; dest != "/src/.cargo/config.toml" {
		t.Errorf("nested dependency file copied to %s", dest)
	}
	targets := func(r *plan.Run) (out []string) {
		for _, m := range r.Mounts {
			if m.Kind == "cache" {
				out = append(out, m.Target)
			}
		}
		return out
	}
	if got := targets(steps[2].Run); !slices.Equal(got, []string{"/usr/local/cargo/registry", "/usr/local/cargo/git"}) {
		t.Errorf("fetch cache mounts %v", got)
	}
	if got := targets(steps[4].Run); !slices.Equal(got, []string{"/usr/local/cargo/registry", "/usr/local/cargo/git", "/src/target"}) {
		t.Errorf("build cache mounts %v", got)
	}
}

// TestRustNative: a -sys crate that builds on Linux, or build packages,
// make a dynamic build on the target platform onto distroless cc; -sys
// crates of other systems do not.
func TestRustNative(t *testing.T) {
	sys := "\n[[package]]\nname = \"openssl-sys\"\nversion = \"0.9.107\"\n"
	pl := planRust(t, "", rustFiles("Cargo.lock", cargoLock+sys), "arm64")
	if pl.Stage("build").OnBuildPlatform {
		t.Error("a build that links C libraries runs on the build platform")
	}
	if got := pl.Stage("runtime").From.Image; got != "gcr.io/distroless/cc-debian13:nonroot" {
		t.Errorf("runtime = %s", got)
	}
	if slices.ContainsFunc(buildStep(pl).Env, func(kv string) bool { return strings.Contains(kv, "crt-static") }) {
		t.Error("a native build links statically")
	}
	pl = planRust(t, "packages:\n  build: [libpq-dev]\n", rustFiles(), "amd64")
	if got := stepArgs(pl, "build")[0]; !strings.HasSuffix(got, "apt-install libpq-dev") {
		t.Errorf("build packages step %q", got)
	}
	if got := pl.Stage("runtime").From.Image; got != "gcr.io/distroless/cc-debian13:nonroot" {
		t.Errorf("runtime with build packages = %s", got)
	}
	other := "\n[[package]]\nname = \"windows-sys\"\nversion = \"0.59.0\"\n\n[[package]]\nname = \"core-foundation-sys\"\nversion = \"0.8.7\"\n"
	pl = planRust(t, "", rustFiles("Cargo.lock", cargoLock+other), "arm64")
	if !pl.Stage("build").OnBuildPlatform || pl.Stage("runtime").From.Image != "gcr.io/distroless/static-debian13:nonroot" {
		t.Error("-sys crates of other systems made the build native")
	}
}

func TestRustVersionAndBinary(t *testing.T) {
	cases := []struct {
		name, src string
		files     testfiles.Map
		image     string
		bin       string
	}{
		{"default", "", rustFiles(), "docker.io/library/rust:1.85", "svc"},
		{"spec", "version: \"1.84\"\n", rustFiles(), "docker.io/library/rust:1.84", "svc"},
		{"legacy toolchain file", "", rustFiles("rust-toolchain", "1.83.0\n"), "docker.io/library/rust:1.83.0", "svc"},
		{"one [[bin]]", "", rustFiles("Cargo.toml", cargoToml+"\n[[bin]]\nname = \"server\" # the service\npath = \"src/server.rs\"\n"), "docker.io/library/rust:1.85", "server"},
		{"spec names the binary", "build: worker\n", rustFiles(), "docker.io/library/rust:1.85", "worker"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pl := planRust(t, c.src, c.files)
			if got := pl.Stage("build").From.Image; got != c.image {
				t.Errorf("builder = %s, want %s", got, c.image)
			}
			if got := pl.Stage("runtime").Steps[0].Copy.Paths[0]; got != "/out/"+c.bin {
				t.Errorf("copies %s, want /out/%s", got, c.bin)
			}
		})
	}
}

func TestRustRefusals(t *testing.T) {
	cases := []struct {
		name, src string
		files     testfiles.Map
		target    string
		want      string
	}{
		{"no Cargo.toml", "", testfiles.Map{}, "amd64", "app.yaml:2:1: Cargo.toml not found in the app's directory: a rust app needs a Cargo package (cargo init)"},
		{"no Cargo.lock", "", testfiles.Map{"Cargo.toml": cargoToml}, "amd64", "app.yaml:2:1: Cargo.lock not found next to Cargo.toml: appbuild builds --locked; run cargo generate-lockfile and commit it"},
		{"bad version", "version: stable\n", rustFiles(), "amd64", `app.yaml:3:1: "stable" is not a Rust version: write one like "1.85"`},
		{"nightly toolchain", "", rustFiles("rust-toolchain.toml", "[toolchain]\nchannel = \"nightly\"\n"), "amd64",
			`app.yaml:2:1: rust-toolchain.toml names the toolchain "nightly": appbuild builds on the rust:<version> image; pin a version like 1.85 there or in the spec's version`},
		{"several binaries", "", rustFiles("Cargo.toml", cargoToml+"\n[[bin]]\nname = \"a\"\n\n[[bin]]\nname = \"b\"\n"), "amd64",
			"app.yaml:2:1: Cargo.toml has several binaries (a, b): name the one to build in build"},
		{"bad binary name", "build: a$b\n", rustFiles(), "amd64", `app.yaml:3:1: "a$b" is not a Cargo binary name`},
		{"build_command", "build_command: [make]\n", rustFiles(), "amd64", "app.yaml:3:1: build_command is not supported for rust: name the binary to build in build"},
		{"native on scratch", "runtime: scratch\npackages:\n  build: [libssl-dev]\n", rustFiles(), "amd64",
			"app.yaml:3:1: this app links C libraries (a -sys crate or build packages): scratch has no C library; use distroless (the default) or slim"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := rustPlan(c.src, c.files, c.target)
			if err == nil || err.Error() != c.want {
				t.Fatalf("got  %v\nwant %s", err, c.want)
			}
		})
	}
}

// TestRustMirrorAndSecrets: dependencies.index replaces crates-io in
// CARGO_HOME's config; a cargo_credentials secret is Cargo's
// credentials.toml on the steps that may download.
func TestRustMirrorAndSecrets(t *testing.T) {
	src := "dependencies:\n  index: https://cargo.example.com/index/\nsecrets:\n  - id: cargo_credentials\n  - id: token\n    env: CARGO_REGISTRIES_MIRROR_TOKEN\n"
	pl := planRust(t, src, rustFiles())
	var write *plan.Write
	for _, st := range pl.Stage("build").Steps {
		if st.Write != nil {
			write = st.Write
		}
		if st.Run == nil {
			continue
		}
		var secrets []string
		for _, m := range st.Run.Mounts {
			if m.Kind == "secret" {
				secrets = append(secrets, m.ID+"@"+m.Target+m.Env)
			}
		}
		downloads := strings.HasPrefix(st.Name, "cargo ")
		want := []string{"cargo_credentials@/usr/local/cargo/credentials.toml", "token@CARGO_REGISTRIES_MIRROR_TOKEN"}
		if downloads && !slices.Equal(secrets, want) || !downloads && len(secrets) > 0 {
			t.Errorf("%s: secrets %v", st.Name, secrets)
		}
	}
	if write == nil || write.Path != "/usr/local/cargo/config.toml" {
		t.Fatalf("no cargo config written: %+v", write)
	}
	want := "[source.crates-io]\nreplace-with = \"appbuild-mirror\"\n\n[source.appbuild-mirror]\nregistry = \"sparse+https://cargo.example.com/index/\"\n"
	if string(write.Data) != want {
		t.Errorf("config.toml:\n%s\nwant\n%s", write.Data, want)
	}
}

// TestRustDepsLayer: with Env.DepsLayer the crates stay in the fetch step's
// layer (CARGO_HOME outside the image's), with no registry cache mount.
func TestRustDepsLayer(t *testing.T) {
	s := parse(t, "name: app\nlanguage: rust\n")
	pl, err := profiles.Rust{}.Plan(s, profiles.Env{BuildPlatform: amd64, TargetPlatform: amd64, Files: rustFiles(), DepsLayer: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(pl.Stage("build").Env, "CARGO_HOME=/deps/cargo") {
		t.Errorf("env %v", pl.Stage("build").Env)
	}
	for _, m := range buildStep(pl).Mounts {
		if strings.Contains(m.Target, "registry") || strings.HasSuffix(m.Target, "/target") {
			t.Errorf("cache mount with DepsLayer: %+v", m)
		}
	}
	// The dependencies compile after the fetch and before the source, with
	// the build's arguments (less --bin) and environment.
	var names []string
	var deps *plan.Run
	for _, st := range pl.Stage("build").Steps {
		names = append(names, st.Name)
		if strings.HasSuffix(st.Name, "(dependencies)") {
			deps = st.Run
		}
	}
	want := []string{"copy Cargo.toml Cargo.lock", "cargo fetch --locked",
		"cargo build --release --locked --target x86_64-unknown-linux-gnu (dependencies)",
		"copy source", "cargo build --release --locked --bin svc --target x86_64-unknown-linux-gnu"}
	if !slices.Equal(names, want) {
		t.Fatalf("build steps %q, want %q", names, want)
	}
	build := buildStep(pl)
	if got, want := deps.Args[4:], []string{"build", "--release", "--locked"}; !slices.Equal(got, want) {
		t.Errorf("deps step's cargo arguments %q, want %q", got, want)
	}
	if !slices.Equal(deps.Env, build.Env) || len(deps.Mounts) != 0 {
		t.Errorf("deps step env %q mounts %+v; the build's env is %q", deps.Env, deps.Mounts, build.Env)
	}
	// Without DepsLayer there is no such step: the target directory is a
	// cache mount.
	pl, err = profiles.Rust{}.Plan(s, profiles.Env{BuildPlatform: amd64, TargetPlatform: amd64, Files: rustFiles()})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range pl.Stage("build").Steps {
		if strings.HasSuffix(st.Name, "(dependencies)") {
			t.Errorf("a deps step without DepsLayer: %q", st.Name)
		}
	}
}

// TestRustEject: the dockerfile target plans for the TARGETARCH build arg
// and cross-compiles as the frontend does (its build stage on
// $BUILDPLATFORM); an app that links C libraries builds on each target
// platform, as in the frontend.
func TestRustEject(t *testing.T) {
	pl := ejectRust(t, cargoLock)
	if !pl.Stage("build").OnBuildPlatform || !slices.Contains(buildStep(pl).Env, "APPBUILD_ARCH=$TARGETARCH") {
		t.Errorf("ejected build stage: %+v", pl.Stage("build"))
	}
	out, err := eject.Dockerfile(pl, nil, "app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"FROM --platform=$BUILDPLATFORM docker.io/library/rust:", "ARG APPBUILD_ARCH=$TARGETARCH", "rust-cross-setup", "cargo-build"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("ejected Dockerfile lacks %q:\n%s", want, out)
		}
	}
	native := ejectRust(t, cargoLock+"\n[[package]]\nname = \"openssl-sys\"\nversion = \"0.9.107\"\n")
	if native.Stage("build").OnBuildPlatform || !slices.Contains(buildStep(native).Env, "APPBUILD_TARGET=") {
		t.Errorf("ejected build stage of an app that links C: %+v", native.Stage("build"))
	}
}

func ejectRust(t *testing.T, lock string) *plan.Plan {
	t.Helper()
	s := parse(t, "name: app\nlanguage: rust\nport: 8080\n")
	pl, err := profiles.Rust{}.Plan(s, profiles.Env{BuildPlatform: amd64, TargetPlatform: eject.TargetPlatform, Files: rustFiles("Cargo.lock", lock)})
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

// TestRustEjectCrossMatchesFrontend runs the ejected Dockerfile's toolchain
// and build scripts, for each architecture on an amd64 host, with stand-in
// rustc, rustup and cargo that log what they are asked: they must add the
// same target and packages, and give cargo the same target and cross
// toolchain, as the frontend's plan for that platform.
func TestRustEjectCrossMatchesFrontend(t *testing.T) {
	ejected := ejectRust(t, cargoLock)
	setup := ejected.Stage("build").Steps[0].Run
	// The apt script itself (it writes apt's configuration) is not run
	// here: the ejected step must end with the frontend's, which installs
	// "$@", and what it is given is logged in its place.
	aptScript := stepRun(planRust(t, "", rustFiles(), "arm64"), "apt-install").Args[2]
	if !strings.HasSuffix(setup.Args[2], aptScript) {
		t.Fatalf("the toolchain step does not end with the frontend's apt script:\n%s", setup.Args[2])
	}
	setup.Args[2] = strings.TrimSuffix(setup.Args[2], aptScript) + `echo "apt-install $*" >>"$LOG"`
	for _, arch := range []string{"amd64", "arm64"} {
		t.Run(arch, func(t *testing.T) {
			frontend := planRust(t, "port: 8080\n", rustFiles(), arch)
			var want []string
			for _, args := range stepArgs(frontend, "build") {
				switch {
				case strings.HasPrefix(args, "rustup "):
					want = append(want, args)
				case strings.Contains(args, "apt-install "):
					want = append(want, args[strings.Index(args, "apt-install "):])
				}
			}
			if got := runRustScript(t, setup, arch); !slices.Equal(got, want) {
				t.Errorf("toolchain step ran %q, the frontend's %q", got, want)
			}
			fe := buildStep(frontend)
			want = []string{"cargo " + strings.Join(fe.Args[4:], " ") + " --target " + strings.TrimPrefix(fe.Env[1], "APPBUILD_TARGET=")}
			for _, kv := range fe.Env {
				if strings.Contains(kv, "_LINKER=") || strings.HasPrefix(kv, "CC_") || strings.HasPrefix(kv, "AR_") {
					want = append(want, kv)
				}
			}
			slices.Sort(want[1:]) // as the stand-in cargo lists them
			if got := runRustScript(t, buildStep(ejected), arch); !slices.Equal(got, want) {
				t.Errorf("build step ran %q, the frontend's %q", got, want)
			}
		})
	}
}

// stepRun is the build stage's step whose arguments contain word.
func stepRun(pl *plan.Plan, word string) *plan.Run {
	for _, st := range pl.Stage("build").Steps {
		if st.Run != nil && slices.Contains(st.Run.Args, word) {
			return st.Run
		}
	}
	return &plan.Run{Args: []string{"", "", ""}}
}

// runRustScript runs a step's script for TARGETARCH arch with stand-in
// tools first on PATH, and returns what they logged: rustup's arguments,
// and cargo's with the cross toolchain's variables it saw (cargo then
// fails, which ends the script).
func runRustScript(t *testing.T, run *plan.Run, arch string) []string {
	t.Helper()
	dir := t.TempDir()
	tools := map[string]string{
		"rustc":  "echo 'host: x86_64-unknown-linux-gnu'",
		"rustup": `echo "rustup $*" >>"$LOG"`,
		"cargo":  `echo "cargo $*" >>"$LOG"; env | grep -E '_LINKER=|^CC_|^AR_' | sort >>"$LOG"; exit 3`,
	}
	for name, body := range tools {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(run.Args[0], run.Args[1:]...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + dir + ":/usr/bin:/bin", "LOG=" + filepath.Join(dir, "log")}
	for _, kv := range run.Env {
		cmd.Env = append(cmd.Env, strings.ReplaceAll(kv, "$TARGETARCH", arch))
	}
	out, runErr := cmd.CombinedOutput()
	data, _ := os.ReadFile(filepath.Join(dir, "log"))
	if len(data) == 0 {
		if runErr != nil {
			t.Logf("the script failed before any tool ran (%v): %s", runErr, out)
		}
		return nil
	}
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}

// TestRustCargoConfig: a .cargo/config.toml the frontend loaded is copied
// with the manifests, once, even when dependencies.files lists it too.
func TestRustCargoConfig(t *testing.T) {
	for _, src := range []string{"", "dependencies:\n  files: [.cargo/config.toml]\n"} {
		pl := planRust(t, src, rustFiles(".cargo/config.toml", "[source.crates-io]\n"))
		var copies []string
		for _, st := range pl.Stage("build").Steps {
			if st.Copy != nil {
				copies = append(copies, st.Name)
			}
		}
		if want := []string{"copy Cargo.toml Cargo.lock", "copy .cargo/config.toml", "copy source"}; !slices.Equal(copies, want) {
			t.Errorf("%q: copies %q, want %q", src, copies, want)
		}
	}
}
