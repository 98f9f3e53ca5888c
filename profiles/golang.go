package profiles

import (
	"bufio"
	"bytes"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/org/appbuild/contract"
	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/spec"
)

// Go plans Go apps: cross-compiled static binaries on distroless static.
//
// Private modules: the spec's secrets are mounted in `go mod download`, the
// step that fetches modules, and no other. The secret netrc is mounted as
// /root/.netrc, which both the go command (for a GOPROXY that asks for a
// login) and git (for modules fetched directly, over HTTPS) read; a secret
// with env (GOPROXY with a token in its URL, or GOPRIVATE to send private
// paths past the public proxy and checksum database) sets that variable for
// the step. Like every secret, none of them lands in a layer.
type Go struct{}

// golangLanguage is Go's descriptor. go.sum is needed only once go.mod
// requires a module, and go.mod's go line pins the toolchain.
var golangLanguage = register(Language{
	Name:       "go",
	Rank:       1,
	Profile:    Go{},
	Managers:   []string{"go"},
	Detect:     []string{"go.mod"},
	DetectRank: 1,
	Locks: []Lock{{Manifest: "go.mod", Files: []string{"go.sum"},
		HasDeps: func(gomod []byte) bool { return hasLine(gomod, "require") }}},
	Pinned: func(files Files) bool {
		gomod, err := files.ReadFile("go.mod")
		return err == nil && hasLine(gomod, "go ")
	},
	Unpinned: "no version and no go line in go.mod: the default Go version is used",
	Scratch:  true,
})

const (
	// netrcSecret is the secret id mounted as /root/.netrc.
	netrcSecret      = "netrc"
	defaultGoVersion = contract.GoVersion
	golangImage      = contract.GoRepo
)

// The Go caches live in cache mounts, so a rebuild reuses downloaded modules
// and compiled packages while neither ever lands in a layer.
var (
	goModCache   = plan.Mount{Kind: "cache", Target: "/go/pkg/mod", ID: "appbuild-go-mod"}
	goBuildCache = contract.GoBuildCache
)

// goModLayer is the module cache when it is kept in a layer (Env.DepsLayer).
const goModLayer = "/deps/go/mod"

// Plan plans a Go app (see build) under the image contract.
func (g Go) Plan(s *spec.Spec, env Env) (*plan.Plan, error) { return assemble(s, env, g.build) }

// build builds the binary on the build platform for the target platform
// (GOOS/GOARCH, CGO off: no emulation); the runtime gets it alone.
func (Go) build(s *spec.Spec, env Env) (contract.Build, error) {
	if s.BuildCommand != nil {
		return contract.Build{}, s.Errorf("build_command", "build_command is not supported for go: name the package to build in build")
	}
	if s.Packages != nil {
		return contract.Build{}, s.Errorf("packages", "extra OS packages are not supported for go: the runtime is a static binary")
	}
	gomod, err := env.Files.ReadFile("go.mod")
	if err != nil {
		return contract.Build{}, s.Errorf(appDirField(s), "go.mod not found in the app's directory: a go app needs a module (go mod init)")
	}
	version, from := s.Version, fromSpec
	if version == "" {
		version, from = goDirective(gomod)
	}
	builder := golangImage + ":" + version

	build, modCache := goBuildStage(s, env, builder)
	binary := path.Join(appDir, s.Name)
	runtime := plan.Stage{From: staticRuntimeBase(s), Steps: []plan.Step{copyBinary(s, "/out/"+s.Name)}}
	// Tests run natively, on the build platform, like the compiler.
	test := &contract.Test{From: "build", OnBuildPlatform: true, Step: "go test",
		Run: plan.Run{Args: []string{"go", "test", "./..."}, Mounts: modCache}}
	return contract.Build{Stages: []plan.Stage{build}, Test: test, Runtime: runtime, Toolchain: toolchain("Go", version, from),
		Entrypoint: []string{binary}, ProbeGo: builder}, nil
}

// goBuildStage downloads the modules and builds the binary in builder; it
// returns the stage and the cache mounts the tests share with it.
func goBuildStage(s *spec.Spec, env Env, builder string) (plan.Stage, []plan.Mount) {
	depFiles := []string{"go.mod"}
	if exists(env.Files, "go.sum") {
		depFiles = append(depFiles, "go.sum")
	}
	pkg := s.Build
	if pkg == "" {
		pkg = "."
	}
	// Modules live in a cache mount, or with DepsLayer in the download
	// step's layer, which only go.mod and go.sum key.
	modCache := []plan.Mount{goModCache, goBuildCache}
	stageEnv := []string{"GOFLAGS=-buildvcs=false"}
	if env.DepsLayer {
		modCache = []plan.Mount{goBuildCache}
		stageEnv = append(stageEnv, "GOMODCACHE="+goModLayer)
	}

	build := plan.Stage{
		Name:            "build",
		From:            plan.Base{Image: builder},
		OnBuildPlatform: true,
		Workdir:         "/src",
		Env:             stageEnv,
		Steps: []plan.Step{{
			Name:   "copy " + strings.Join(depFiles, " "),
			Origin: []string{"language"},
			Copy:   &plan.Copy{Paths: depFiles, Dest: "/src/"},
		}, {
			// The one step that talks to module servers gets the secrets:
			// private modules need credentials (see Go).
			Name:   "go mod download",
			Origin: []string{"language", "secrets"},
			Run: &plan.Run{
				Args:   []string{"go", "mod", "download"},
				Mounts: append(slices.Clone(modCache), secretMounts(s, map[string]string{netrcSecret: "/root/.netrc"})...),
			},
		}, {
			Name:   "copy source",
			Origin: []string{"dir", "language"},
			Copy:   &plan.Copy{Paths: []string{"."}, Dest: "/src/"},
		}, {
			Name:   "go build " + pkg,
			Origin: []string{"build"},
			Run: &plan.Run{
				Args:   []string{"go", "build", "-trimpath", "-ldflags=-s -w", "-o", "/out/" + s.Name, pkg},
				Env:    contract.GoTargetEnv(env.TargetPlatform),
				Mounts: modCache,
			},
		}},
	}
	return build, modCache
}

var goLine = regexp.MustCompile(`^go\s+(\d+\.\d+)(\.\d+)?\s*$`)

// goDirective reads the major.minor Go version from go.mod's go line, which
// names the oldest toolchain the module builds with, and says where it
// came from.
func goDirective(gomod []byte) (version, from string) {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		if m := goLine.FindStringSubmatch(sc.Text()); m != nil {
			return m[1], "go.mod's go line"
		}
	}
	return defaultGoVersion, fromDefault
}
