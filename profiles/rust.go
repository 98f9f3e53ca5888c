package profiles

import (
	"maps"
	"slices"
	"strings"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/org/appbuild/contract"
	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/spec"
)

// Rust plans Rust apps built with Cargo: one binary, compiled on the build
// platform for the target platform, alone in the runtime image.
//
// # Dependencies
//
// Cargo.toml, Cargo.lock (required: the build is --locked), the toolchain
// pin, .cargo/config.toml or .cargo/config (which may name a registry
// mirror; the frontend loads both, see rustLanguage) and the spec's
// dependencies.files are copied first, then `cargo fetch --locked`
// resolves the lock and downloads every crate it names, for every platform,
// into the registry cache mount ($CARGO_HOME/registry). Only then is the
// source copied and built, with the target directory as a cache mount too:
// a source-only change finds `cargo fetch` cached (nothing re-resolved or
// downloaded) and the compiled dependencies in the target cache, so Cargo
// compiles the app's own crates only.
//
// cargo fetch rather than the dummy-main trick (a stub src/main.rs built
// before the source): a built stub must reproduce every target the manifest
// implies (src/lib.rs, [[bin]] paths, build.rs, workspace members, which the
// planner cannot all see), and its artifacts sit in the target directory
// with a newer time than a copied source file may have, so Cargo can take
// the stub for the real app. With the target directory a cache mount the
// stub's compiled dependencies would only duplicate what the mount keeps.
// (Cargo reads the package's targets even to fetch: a stub src/main.rs is
// there during the fetch only, never compiled, and removed after it. A
// workspace needs its members' manifests in dependencies.files.)
// With DepsLayer (CI runners that start cold, importing --cache-to's
// layers) the target directory cannot be a cache mount, which no runner
// would get: the dependencies are compiled against that stub in a step of
// their own, keyed by the manifests like the fetch, into its layer.
// The build step also sets every source file's time to now before it runs
// Cargo: Cargo decides what to rebuild by file times, the copied files keep
// the times of the user's checkout, and an older checkout of the same app
// would otherwise reuse the newer one's binary from the shared cache.
//
// dependencies.index names a registry mirror (an http(s) sparse index): it
// replaces crates-io in $CARGO_HOME/config.toml. A token for a private
// registry comes as a secret (cargo_credentials, mounted as
// $CARGO_HOME/credentials.toml, or one exposed as CARGO_REGISTRIES_<NAME>_TOKEN).
//
// # Platforms and the runtime
//
// A crate graph of pure Rust is cross-compiled, never emulated: the build
// stage runs on $BUILDPLATFORM, adds the target's standard library (rustup
// target add) and, for another architecture, Debian's cross C toolchain as
// the linker (gcc-<arch>-linux-gnu with the target's C library), and builds
// with --target <arch>-unknown-linux-gnu and the C runtime linked in
// statically (+crt-static): one static binary, on distroless static.
//
// A crate that links a C library (a *-sys crate in Cargo.lock, other than
// those of other operating systems or pure-Rust bindings) or a spec with
// build packages (packages.build, such as libssl-dev) is built on the target
// platform, under emulation (the C libraries must be the target's), linked
// dynamically against glibc, and runs on distroless cc, which has glibc,
// libssl and libgcc.
type Rust struct{}

// rustLanguage is Rust's descriptor.
var rustLanguage = register(Language{
	Name:         "rust",
	Rank:         5,
	Profile:      Rust{},
	Managers:     []string{"cargo"},
	Detect:       []string{"Cargo.toml"},
	DetectRank:   2,
	Locks:        []Lock{{Manifest: "Cargo.toml", Files: []string{"Cargo.lock"}}},
	VersionFiles: []string{"rust-toolchain.toml", "rust-toolchain"},
	// Cargo's project configuration, and its older name, which Cargo
	// still reads.
	Reads:   []string{".cargo/config.toml", ".cargo/config"},
	Scratch: true,
})

const (
	defaultRustVersion = "1.85"
	rustImage          = "docker.io/library/rust"
	distrolessCC       = "gcr.io/distroless/cc-debian13"
	// cargoHome is CARGO_HOME in the rust images.
	cargoHome = "/usr/local/cargo"
	// cargoDepsHome is CARGO_HOME when the crates are kept in a layer
	// (Env.DepsLayer); the tools stay in /usr/local/cargo/bin.
	cargoDepsHome = "/deps/cargo"
	rustSrc       = "/src"
	// cargoCredentialsSecret is the secret id mounted as Cargo's
	// credentials.toml.
	cargoCredentialsSecret = "cargo_credentials"
)

// rustTarget is a Rust target triple and its Debian cross toolchain.
type rustTarget struct{ triple, gnu, gccPkg, libcPkg string }

// rustTargets maps an architecture to its Rust target and the Debian cross
// toolchain that links for it.
var rustTargets = map[string]rustTarget{
	"amd64": {"x86_64-unknown-linux-gnu", "x86_64-linux-gnu", "gcc-x86-64-linux-gnu", "libc6-dev-amd64-cross"},
	"arm64": {"aarch64-unknown-linux-gnu", "aarch64-linux-gnu", "gcc-aarch64-linux-gnu", "libc6-dev-arm64-cross"},
}

// Cargo reads the package's targets even to fetch, and the source is not
// there yet: stubStart puts a stub src/main.rs in its place and stubEnd
// removes it after the command, so it can never shadow the real source.
const (
	stubStart = `stub=
if [ ! -e src/main.rs ] && [ ! -e src/lib.rs ]; then
  mkdir -p src && echo 'fn main() {}' >src/main.rs && stub=1
fi
`
	stubEnd = `
if [ -n "$stub" ]; then rm -f src/main.rs && rmdir src 2>/dev/null || true; fi`
)

// targetLine sets $target, the triple to build for: APPBUILD_TARGET, or the
// machine's own when it is empty (an ejected Dockerfile of an app that
// links C libraries builds on each target platform). The deps and build
// steps share it, so that they compile for the same target and the build
// finds the dependencies fresh.
const targetLine = `target=${APPBUILD_TARGET:-$(rustc -vV | sed -n 's/^host: //p')}
`

// hostLine sets $host, the triple of the machine the build runs on.
const hostLine = `host=$(rustc -vV | sed -n 's/^host: //p')
`

// cargoFetch is the fetch step's fixed script.
const cargoFetch = "set -e\n" + stubStart + "cargo fetch --locked" + stubEnd

// cargoDeps is the fixed script (after rustBuild.script's preamble) of the step that compiles the dependencies
// into a layer (Env.DepsLayer) before the source is there, against the
// stub: cargo-chef's idea, with the build step's own arguments (less the
// binary's name, which the stub need not have) and environment, so the
// build step finds every dependency fresh. The stub's own artifacts are
// older than the source, whose times the build step sets to now, so Cargo
// rebuilds the app. A manifest this cannot build without the source (a
// build script or a [[bin]] path it names) leaves the dependencies to the
// build step, and says so.
const cargoDeps = stubStart + `if ! cargo "$@" --target "$target"; then
  echo 'appbuild: the dependencies were not compiled ahead of the source (see above); the build step compiles them' >&2
fi` + stubEnd

// cargoBuild is the build step's fixed script, after rustBuild.script's
// preamble (arguments are cargo's, the binary's name comes in APPBUILD_BIN
// and the target in APPBUILD_TARGET, never as shell text): fresh source
// times, the build for the target, and the binary copied out of the target
// directory. With --target, RUSTFLAGS reach only the target's code, not
// build scripts and procedural macros, which run on the builder.
const cargoBuild = `find . -path ./target -prune -o -type f -exec touch -c -- {} +
cargo "$@" --target "$target"
mkdir -p /out
cp -- "target/$target/release/$APPBUILD_BIN" "/out/$APPBUILD_BIN"`

// Plan plans a Rust app (see build) under the image contract.
func (r Rust) Plan(s *spec.Spec, env Env) (*plan.Plan, error) { return assemble(s, env, r.build) }

// build builds the binary in a build stage and copies it, with the health
// probe, into the runtime image.
func (Rust) build(s *spec.Spec, env Env) (contract.Build, error) {
	if s.BuildCommand != nil {
		return contract.Build{}, s.Errorf("build_command", "build_command is not supported for rust: name the binary to build in build")
	}
	if s.Packages != nil && len(s.Packages.Runtime) > 0 {
		return contract.Build{}, s.Errorf("packages.runtime", "runtime packages are not supported for rust: the distroless images have no package manager")
	}
	r, err := newRustBuild(s, env)
	if err != nil {
		return contract.Build{}, err
	}
	build := plan.Stage{
		Name:            "build",
		From:            plan.Base{Image: rustImage + ":" + r.version},
		OnBuildPlatform: !r.native && (r.known || r.archFromArg),
		Workdir:         rustSrc,
		Env:             []string{"CARGO_HOME=" + r.home, "CARGO_TARGET_DIR=" + rustSrc + "/target", "CARGO_TERM_COLOR=never"},
		Steps:           append(r.toolSteps(), r.cargoSteps()...),
	}
	// The tests run where the build stage runs, for that machine's own
	// target: natively on the build platform (or, for an app that links C
	// libraries, on the target platform like its build).
	testCache := r.targetCache
	if build.OnBuildPlatform && !r.archFromArg {
		testCache.ID = "appbuild-cargo-target-" + s.Name + "-" + rustTargets[env.BuildPlatform.Architecture].triple
	}
	test := &contract.Test{From: "build", OnBuildPlatform: build.OnBuildPlatform, Step: "cargo test",
		Run: plan.Run{Args: []string{"cargo", "test", "--release", "--locked"}, Mounts: append(slices.Clone(r.registry), testCache)}}

	binary := appDir + "/" + s.Name
	runtime := plan.Stage{From: rustRuntimeBase(s, r.native), Steps: []plan.Step{copyBinary(s, "/out/"+r.bin)}}
	return contract.Build{Stages: []plan.Stage{build}, Test: test, Runtime: runtime, Entrypoint: []string{binary},
		Toolchain: toolchain("Rust", r.version, r.versionFrom)}, nil
}

// rustBuild is what the build stage's steps share: the toolchain version,
// the binary, the target, whether the app links C libraries (native: it
// builds on the target platform) or is cross-compiled, where Cargo keeps
// the registry, and the secrets.
type rustBuild struct {
	s                  *spec.Spec
	env                Env
	version, bin, home string
	versionFrom        string
	target             rustTarget
	known, native      bool
	cross              bool
	// archFromArg: the target is the TARGETARCH build arg of an ejected
	// Dockerfile, which cross-compiles as the frontend does, its shell
	// choosing the triple and the linker (rustArchCase).
	archFromArg       bool
	registry, secrets []plan.Mount
	targetCache       plan.Mount
}

// newRustBuild reads Cargo.toml, Cargo.lock and the toolchain pin, and
// refuses a platform or runtime the app cannot have.
func newRustBuild(s *spec.Spec, env Env) (rustBuild, error) {
	manifest, err := env.Files.ReadFile("Cargo.toml")
	if err != nil {
		return rustBuild{}, s.Errorf(appDirField(s), "Cargo.toml not found in the app's directory: a rust app needs a Cargo package (cargo init)")
	}
	lock, err := env.Files.ReadFile("Cargo.lock")
	if err != nil {
		return rustBuild{}, s.Errorf("language", "Cargo.lock not found next to Cargo.toml: appbuild builds --locked; run cargo generate-lockfile and commit it")
	}
	r := rustBuild{s: s, env: env, home: cargoHome}
	if r.version, r.versionFrom, err = rustVersion(s, env.Files); err != nil {
		return rustBuild{}, err
	}
	if r.bin, err = rustBinary(s, manifest); err != nil {
		return rustBuild{}, err
	}
	// An ejected Dockerfile plans for its TARGETARCH build arg.
	placeholder := strings.HasPrefix(env.TargetPlatform.Architecture, "$")
	r.target, r.known = rustTargets[env.TargetPlatform.Architecture]
	if !placeholder && (!r.known || env.TargetPlatform.OS != "linux") {
		return rustBuild{}, s.Errorf("platforms", "rust images are built for linux/amd64 and linux/arm64, not %s", platformName(env.TargetPlatform))
	}
	r.native = rustNative(s, lock)
	if r.native && s.Runtime == "scratch" {
		return rustBuild{}, s.Errorf("runtime", "this app links C libraries (a -sys crate or build packages): scratch has no C library; use distroless (the default) or slim")
	}
	r.cross = r.known && !r.native && !samePlatform(env.BuildPlatform, env.TargetPlatform)
	r.archFromArg = placeholder && !r.native
	r.registry = []plan.Mount{
		{Kind: "cache", Target: cargoHome + "/registry", ID: "appbuild-cargo-registry"},
		{Kind: "cache", Target: cargoHome + "/git", ID: "appbuild-cargo-git"},
	}
	if env.DepsLayer {
		r.home, r.registry = cargoDepsHome, nil
	}
	r.targetCache = plan.Mount{Kind: "cache", Target: rustSrc + "/target", ID: "appbuild-cargo-target-" + s.Name}
	if r.known {
		r.targetCache.ID += "-" + r.target.triple
	}
	r.secrets = secretMounts(s, map[string]string{cargoCredentialsSecret: r.home + "/credentials.toml"})
	return r, nil
}

// toolSteps add the cross toolchain, the build packages and a registry
// mirror.
func (r rustBuild) toolSteps() []plan.Step {
	var steps []plan.Step
	var aptPackages []string
	if r.archFromArg {
		steps = append(steps, plan.Step{
			Name:   "rustup target add, and the cross linker, for $TARGETARCH",
			Origin: []string{"platforms"},
			Run: &plan.Run{
				Args:   []string{"sh", "-c", rustCrossSetup, "rust-cross-setup"},
				Env:    []string{"APPBUILD_ARCH=" + r.env.TargetPlatform.Architecture, "DEBIAN_FRONTEND=noninteractive"},
				Mounts: []plan.Mount{aptCache, aptLists},
			},
		})
	}
	if r.cross {
		aptPackages = []string{r.target.gccPkg, r.target.libcPkg}
		steps = append(steps, plan.Step{
			Name:   "rustup target add " + r.target.triple,
			Origin: []string{"platforms"},
			Run:    &plan.Run{Args: []string{"rustup", "target", "add", r.target.triple}},
		})
	}
	if r.s.Packages != nil {
		aptPackages = append(aptPackages, r.s.Packages.Build...)
	}
	if len(aptPackages) > 0 {
		steps = append(steps, plan.Step{
			Name:   "apt-get install " + strings.Join(aptPackages, " "),
			Origin: []string{"packages.build", "platforms"},
			Run: &plan.Run{
				Args:   append([]string{"sh", "-c", aptInstall, "apt-install"}, aptPackages...),
				Env:    []string{"DEBIAN_FRONTEND=noninteractive"},
				Mounts: []plan.Mount{aptCache, aptLists},
			},
		})
	}
	if r.s.Dependencies != nil && r.s.Dependencies.Index != "" {
		steps = append(steps, plan.Step{
			Name:   "write " + r.home + "/config.toml (dependencies.index)",
			Origin: []string{"dependencies.index"},
			Write:  &plan.Write{Path: r.home + "/config.toml", Data: cargoMirrorConfig(r.s.Dependencies.Index), Mode: 0o644},
		})
	}
	return steps
}

// buildEnv tells cargoBuild the binary and target, links glibc's C
// runtime into a static binary, and names the cross toolchain.
func (r rustBuild) buildEnv() []string {
	env := []string{"APPBUILD_BIN=" + r.bin, "APPBUILD_TARGET=" + r.target.triple}
	if r.archFromArg {
		env[1] = "APPBUILD_ARCH=" + r.env.TargetPlatform.Architecture
	}
	if !r.native {
		// Static: glibc's C runtime linked in.
		env = append(env, "RUSTFLAGS=-C target-feature=+crt-static")
	}
	if r.cross {
		env = append(env, r.target.crossEnv()...)
	}
	return env
}

// crossEnv names the cross toolchain that links for t, for Cargo and for
// the cc crate of build scripts.
func (t rustTarget) crossEnv() []string {
	return []string{
		"CARGO_TARGET_" + rustEnvName(t.triple) + "_LINKER=" + t.gnu + "-gcc",
		"CC_" + strings.ReplaceAll(t.triple, "-", "_") + "=" + t.gnu + "-gcc",
		"AR_" + strings.ReplaceAll(t.triple, "-", "_") + "=" + t.gnu + "-ar",
	}
}

// script is a deps or build step's script: the target chosen (for an
// ejected Dockerfile, from TARGETARCH in the shell, with the cross
// toolchain's environment when it is not the host's), then body.
func (r rustBuild) script(body string) string {
	if r.archFromArg {
		return "set -e\n" + rustArchCase(func(t rustTarget) string {
			return "APPBUILD_TARGET=" + t.triple + "\n  [ \"$APPBUILD_TARGET\" = \"$host\" ] || export " + strings.Join(t.crossEnv(), " ")
		}) + targetLine + body
	}
	return "set -e\n" + targetLine + body
}

// rustCrossSetup is the ejected Dockerfile's toolchain step: for a target
// other than the host's, the target's standard library and Debian's cross
// C toolchain, as the frontend adds them (toolSteps).
var rustCrossSetup = "set -e\n" + rustArchCase(func(t rustTarget) string {
	return "target=" + t.triple + "; set -- " + t.gccPkg + " " + t.libcPkg
}) + `if [ "$target" = "$host" ]; then exit 0; fi
rustup target add "$target"
` + aptInstall

// rustArchCase is shell that sets $host, then runs arm(t) for the
// rustTargets entry that APPBUILD_ARCH names, and fails for any other.
func rustArchCase(arm func(rustTarget) string) string {
	var b strings.Builder
	b.WriteString(hostLine + "case \"$APPBUILD_ARCH\" in\n")
	for _, arch := range slices.Sorted(maps.Keys(rustTargets)) {
		b.WriteString(arch + ")\n  " + arm(rustTargets[arch]) + " ;;\n")
	}
	b.WriteString("*) echo \"appbuild: no Rust target for architecture $APPBUILD_ARCH\" >&2; exit 1 ;;\nesac\n")
	return b.String()
}

// cargoSteps fetch the crates from the manifests alone, then (with
// DepsLayer) compile them in a layer, then copy the source and build.
func (r rustBuild) cargoSteps() []plan.Step {
	depOrigin := []string{"dependencies", "language"}
	var steps []plan.Step
	// The build's arguments and environment; the deps step (DepsLayer)
	// compiles with the same ones, less the binary's name.
	release := []string{"build", "--release", "--locked"}
	cargoArgs := append(slices.Clone(release), "--bin", r.bin)
	targetFlag := ""
	if r.known {
		targetFlag = " --target " + r.target.triple
	}
	buildEnv := r.buildEnv()
	steps = append(steps, rustManifestCopies(r.s, r.env.Files)...)
	steps = append(steps, plan.Step{
		Name:   "cargo fetch --locked",
		Origin: depOrigin,
		Run: &plan.Run{
			Args:   []string{"sh", "-c", cargoFetch, "cargo-fetch"},
			Mounts: append(slices.Clone(r.registry), r.secrets...),
		},
	})
	buildMounts := append(append(slices.Clone(r.registry), r.targetCache), r.secrets...)
	if r.env.DepsLayer {
		// The compiled dependencies in a layer too: the target directory is
		// this step's, not a cache mount, so --cache-to exports it and a
		// fresh CI runner compiles the app alone.
		steps = append(steps, plan.Step{
			Name:   "cargo " + strings.Join(release, " ") + targetFlag + " (dependencies)",
			Origin: depOrigin,
			Run: &plan.Run{
				Args:   append([]string{"sh", "-c", r.script(cargoDeps), "cargo-deps"}, release...),
				Env:    buildEnv,
				Mounts: r.secrets,
			},
		})
		buildMounts = r.secrets
	}
	steps = append(steps, plan.Step{
		Name:   "copy source",
		Origin: []string{"dir", "language"},
		Copy:   &plan.Copy{Paths: []string{"."}, Dest: rustSrc + "/"},
	}, plan.Step{
		Name:   "cargo " + strings.Join(cargoArgs, " ") + targetFlag,
		Origin: []string{"build"},
		Run: &plan.Run{
			Args:   append([]string{"sh", "-c", r.script(cargoBuild), "cargo-build"}, cargoArgs...),
			Env:    buildEnv,
			Mounts: buildMounts,
		},
	})
	return steps
}

// rustRuntimeBase is distroless static for a static binary, distroless cc
// for one linked against glibc.
func rustRuntimeBase(s *spec.Spec, native bool) plan.Base {
	if !native {
		return staticRuntimeBase(s)
	}
	switch {
	case s.Runtime == "slim":
		return plan.Base{Image: debianSlim}
	case runsAsRoot(s):
		return plan.Base{Image: distrolessCC + ":latest"}
	}
	return plan.Base{Image: distrolessCC + ":nonroot"}
}

// rustManifestCopies copies the manifests, the toolchain pin and the spec's
// dependency files into /src before the fetch; files in sub-directories
// (.cargo/config.toml) keep their path.
func rustManifestCopies(s *spec.Spec, files Files) []plan.Step {
	top := []string{"Cargo.toml", "Cargo.lock"}
	for _, f := range []string{"rust-toolchain.toml", "rust-toolchain"} {
		if exists(files, f) {
			top = append(top, f)
		}
	}
	// Cargo's project configuration (a registry mirror, say).
	var nested []string
	for _, f := range []string{".cargo/config.toml", ".cargo/config"} {
		if exists(files, f) {
			nested = append(nested, f)
		}
	}
	if s.Dependencies != nil {
		for _, f := range s.Dependencies.Files {
			switch {
			case slices.Contains(top, f) || slices.Contains(nested, f):
			case strings.Contains(f, "/"):
				nested = append(nested, f)
			default:
				top = append(top, f)
			}
		}
	}
	steps := []plan.Step{{
		Name:   "copy " + strings.Join(top, " "),
		Origin: []string{"dependencies", "language"},
		Copy:   &plan.Copy{Paths: top, Dest: rustSrc + "/"},
	}}
	for _, f := range nested {
		steps = append(steps, plan.Step{
			Name:   "copy " + f,
			Origin: []string{"dependencies.files"},
			Copy:   &plan.Copy{Paths: []string{f}, Dest: rustSrc + "/" + f},
		})
	}
	return steps
}

// cargoMirrorConfig replaces crates-io with the spec's index, a sparse
// registry. The URL is written as a TOML string (tomlQuote), never pasted
// as text.
func cargoMirrorConfig(index string) []byte {
	return []byte("[source.crates-io]\nreplace-with = \"appbuild-mirror\"\n\n[source.appbuild-mirror]\nregistry = " + tomlQuote("sparse+"+index) + "\n")
}

// rustEnvName is a target triple as Cargo's environment variables spell it.
func rustEnvName(triple string) string {
	return strings.ToUpper(strings.ReplaceAll(triple, "-", "_"))
}

func platformName(p ocispecs.Platform) string {
	if p.Variant != "" {
		return p.OS + "/" + p.Architecture + "/" + p.Variant
	}
	return p.OS + "/" + p.Architecture
}
