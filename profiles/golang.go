package profiles

import (
	"bufio"
	"bytes"
	"path"
	"regexp"
	"strings"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/spec"
)

// Go plans Go apps: cross-compiled static binaries on distroless static.
type Go struct{}

var _ Profile = Go{}

const (
	defaultGoVersion = "1.26"
	golangImage      = "docker.io/library/golang"
)

// The Go caches live in cache mounts, so a rebuild reuses downloaded modules
// and compiled packages while neither ever lands in a layer.
var (
	goModCache   = plan.Mount{Kind: "cache", Target: "/go/pkg/mod", ID: "appbuild-go-mod"}
	goBuildCache = plan.Mount{Kind: "cache", Target: "/root/.cache/go-build", ID: "appbuild-go-build"}
)

// goModLayer is the module cache when it is kept in a layer (Env.DepsLayer).
const goModLayer = "/deps/go/mod"

// Plan builds the binary on the build platform for the target platform
// (GOOS/GOARCH, CGO off: no emulation), then copies it alone into the
// runtime image.
func (Go) Plan(s *spec.Spec, env Env) (*plan.Plan, error) {
	if s.BuildCommand != nil {
		return nil, s.Errorf("build_command", "build_command is not supported for go: name the package to build in build")
	}
	if s.Packages != nil {
		return nil, s.Errorf("packages", "extra OS packages are not supported for go: the runtime is a static binary")
	}
	gomod, err := env.Files.ReadFile("go.mod")
	if err != nil {
		return nil, s.Errorf("language", "go.mod not found in the app's directory: a go app needs a module (go mod init)")
	}
	version := s.Version
	if version == "" {
		version = goDirective(gomod)
	}
	builder := golangImage + ":" + version

	depFiles := []string{"go.mod"}
	if exists(env.Files, "go.sum") {
		depFiles = append(depFiles, "go.sum")
	}
	pkg := s.Build
	if pkg == "" {
		pkg = "."
	}
	binary := path.Join(appDir, s.Name)

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
			Name:   "go mod download",
			Origin: []string{"language"},
			Run: &plan.Run{
				Args:   []string{"go", "mod", "download"},
				Mounts: modCache,
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
				Env:    goTargetEnv(env.TargetPlatform),
				Mounts: modCache,
			},
		}},
	}

	runtime := plan.Stage{
		Name: "runtime",
		From: staticRuntimeBase(s),
		Steps: []plan.Step{{
			Name:   "copy " + s.Name,
			Origin: []string{"build"},
			Copy: &plan.Copy{
				FromStage: "build",
				Paths:     []string{"/out/" + s.Name},
				Dest:      binary,
				Owner:     rootOwner,
				Mode:      0o755,
			},
		}},
	}
	test := plan.Stage{
		Name: "test",
		From: plan.Base{Stage: "build"},
		// Tests run natively, on the build platform, like the compiler.
		OnBuildPlatform: true,
		Steps: []plan.Step{{
			Name:   "go test",
			Origin: []string{"test"},
			Run: &plan.Run{
				Args:   testCommand(s, []string{"go", "test", "./..."}),
				Mounts: modCache,
			},
		}},
	}
	stages := []plan.Stage{build, test}
	stages = withProbe(s, env, builder, stages, runtime)

	img, err := runtimeImage(s, []string{binary})
	if err != nil {
		return nil, err
	}
	return &plan.Plan{ContextDir: s.Dir, Stages: stages, Final: "runtime", Test: "test", Image: img}, nil
}

// goTargetEnv is the environment that makes go build cross-compile a static
// binary for the target platform.
func goTargetEnv(p ocispecs.Platform) []string {
	env := []string{"CGO_ENABLED=0", "GOOS=" + p.OS, "GOARCH=" + p.Architecture}
	if p.Architecture == "arm" && len(p.Variant) == 2 {
		env = append(env, "GOARM="+p.Variant[1:])
	}
	return env
}

var goLine = regexp.MustCompile(`^go\s+(\d+\.\d+)(\.\d+)?\s*$`)

// goDirective reads the major.minor Go version from go.mod's go line, which
// names the oldest toolchain the module builds with.
func goDirective(gomod []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		if m := goLine.FindStringSubmatch(sc.Text()); m != nil {
			return m[1]
		}
	}
	return defaultGoVersion
}
