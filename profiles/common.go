package profiles

import (
	"sort"
	"strconv"
	"strings"

	"github.com/containerd/platforms"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/org/appbuild/healthprobe"
	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/spec"
)

const (
	// appDir holds the app's files in every runtime image, owned by root so
	// the non-root process cannot change them.
	appDir = "/app"
	// nonroot is distroless's nonroot user and group.
	nonroot = "65532:65532"
	// rootOwner owns everything appbuild copies into a runtime image.
	rootOwner = "0:0"
	// probeStageName is the stage that compiles appbuild-probe.
	probeStageName = "probe"

	distrolessStatic = "gcr.io/distroless/static-debian13"
	debianSlim       = "docker.io/library/debian:trixie-slim"

	// Healthcheck defaults, chosen so that a container turns healthy soon
	// after start and a hung probe cannot stack up.
	defaultInterval    = "30s"
	defaultTimeout     = "5s"
	defaultStartPeriod = "5s"
	defaultRetries     = 3
)

// userOf maps the spec's user to the image config's numeric user: numeric,
// because tools such as dockle only treat "" and "root" as root and would
// miss a named user that maps to uid 0.
func userOf(s *spec.Spec) string {
	switch s.User {
	case "", "nonroot":
		return nonroot
	case "root":
		return "0:0"
	default:
		return s.User
	}
}

// runsAsRoot reports whether the spec asks for root.
func runsAsRoot(s *spec.Spec) bool { return userOf(s) == "0:0" || userOf(s) == "0" }

// staticRuntimeBase picks the base of a runtime image for a static binary.
func staticRuntimeBase(s *spec.Spec) plan.Base {
	switch s.Runtime {
	case "scratch":
		return plan.Base{}
	case "slim":
		return plan.Base{Image: debianSlim}
	}
	if runsAsRoot(s) {
		return plan.Base{Image: distrolessStatic + ":latest"}
	}
	return plan.Base{Image: distrolessStatic + ":nonroot"}
}

// needsProbe reports whether the image's HEALTHCHECK runs appbuild-probe.
func needsProbe(s *spec.Spec) bool {
	h := s.Healthcheck
	if h == nil {
		return len(s.AllPorts()) > 0
	}
	return h.HTTP != "" || h.TCP != nil
}

// probeStage compiles appbuild-probe for the target platform. It runs on the
// build platform with the Go toolchain image and cross-compiles, so adding a
// healthcheck never costs an emulated compile.
func probeStage(golangImage string, target ocispecs.Platform) plan.Stage {
	origin := []string{"healthcheck"}
	return plan.Stage{
		Name:            probeStageName,
		From:            plan.Base{Image: golangImage},
		OnBuildPlatform: true,
		Workdir:         "/src/probe",
		Steps: []plan.Step{{
			Name:   "write appbuild-probe source",
			Origin: origin,
			Write:  &plan.Write{Path: "/src/probe/main.go", Data: healthprobe.Source, Mode: 0o644},
		}, {
			Name:   "go build appbuild-probe",
			Origin: origin,
			Run: &plan.Run{
				Args:   []string{"go", "build", "-trimpath", "-ldflags=-s -w", "-o", "/out/appbuild-probe", "main.go"},
				Env:    goTargetEnv(target),
				Mounts: []plan.Mount{goBuildCache},
			},
		}},
	}
}

// probeCopy is the runtime step that installs appbuild-probe.
func probeCopy() plan.Step {
	return plan.Step{
		Name:   "copy appbuild-probe",
		Origin: []string{"healthcheck"},
		Copy: &plan.Copy{
			FromStage: probeStageName,
			Paths:     []string{"/out/appbuild-probe"},
			Dest:      healthprobe.Path,
			Owner:     rootOwner,
			Mode:      0o755,
		},
	}
}

// healthcheckOf turns the spec's healthcheck into the image config's. With
// no healthcheck written but a port, the app is checked by a TCP connect to
// that port: a cheap default that still catches a dead process.
func healthcheckOf(s *spec.Spec) (*plan.Healthcheck, error) {
	h := s.Healthcheck
	if h == nil {
		h = &spec.Healthcheck{}
		if ports := s.AllPorts(); len(ports) > 0 {
			h.TCP = &ports[0]
		} else {
			return nil, nil
		}
	}
	out := &plan.Healthcheck{
		Interval:    durationOr(h.Interval, defaultInterval),
		Timeout:     durationOr(h.Timeout, defaultTimeout),
		StartPeriod: durationOr(h.StartPeriod, defaultStartPeriod),
		Retries:     h.Retries,
	}
	if out.Retries == 0 {
		out.Retries = defaultRetries
	}
	switch {
	case h.None:
		return &plan.Healthcheck{Test: []string{"NONE"}}, nil
	case h.HTTP != "":
		ports := s.AllPorts()
		if len(ports) == 0 {
			return nil, s.Errorf("healthcheck.http", "an http healthcheck needs the app's port: add port")
		}
		out.Test = []string{"CMD", healthprobe.Path, "http://127.0.0.1:" + strconv.Itoa(ports[0].Number) + h.HTTP}
	case h.TCP != nil:
		out.Test = []string{"CMD", healthprobe.Path, "tcp://127.0.0.1:" + strconv.Itoa(h.TCP.Number)}
	case len(h.Exec) > 0:
		out.Test = append([]string{"CMD"}, h.Exec...)
	default:
		return nil, nil
	}
	return out, nil
}

func durationOr(d spec.Duration, def string) string {
	if d == 0 {
		return def
	}
	return d.String()
}

// runtimeImage fills the parts of the runtime config every language shares.
func runtimeImage(s *spec.Spec, entrypoint []string) (plan.Image, error) {
	img := plan.Image{
		User:       userOf(s),
		Entrypoint: entrypoint,
		Cmd:        s.Cmd,
		Workdir:    s.Workdir,
		Labels:     map[string]string{"org.opencontainers.image.title": s.Name},
	}
	if len(s.Entrypoint) > 0 {
		img.Entrypoint = s.Entrypoint
	}
	if img.Workdir == "" {
		img.Workdir = appDir
	}
	env := map[string]string{}
	for _, p := range s.AllPorts() {
		img.Ports = append(img.Ports, p.String())
	}
	if ports := s.AllPorts(); len(ports) > 0 {
		// Most frameworks read PORT; the spec's own env wins.
		env["PORT"] = strconv.Itoa(ports[0].Number)
	}
	for k, v := range s.Env {
		env[k] = v
	}
	img.Env = sortedEnv(env)
	hc, err := healthcheckOf(s)
	if err != nil {
		return plan.Image{}, err
	}
	img.Healthcheck = hc
	return img, nil
}

// sortedEnv renders a map as KEY=VALUE lines sorted by key, so plans and
// image configs are byte-for-byte reproducible.
func sortedEnv(env map[string]string) []string {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, k+"="+env[k])
	}
	return out
}

// testCommand is the spec's test command or the language's default.
func testCommand(s *spec.Spec, def []string) []string {
	if len(s.Test) > 0 {
		return s.Test
	}
	return def
}

// secretMounts mounts the spec's secrets for a step that talks to a
// registry: as the variable the spec names, else as a file at the path
// files gives for its id, else under /run/secrets.
func secretMounts(s *spec.Spec, files map[string]string) []plan.Mount {
	var mounts []plan.Mount
	for _, sec := range s.Secrets {
		m := plan.Mount{Kind: "secret", ID: sec.ID, Env: sec.Env, Required: sec.Required}
		if sec.Env == "" {
			m.Target = "/run/secrets/" + sec.ID
			if target, ok := files[sec.ID]; ok {
				m.Target = target
			}
		}
		mounts = append(mounts, m)
	}
	return mounts
}

// withDefaults adds KEY=VALUE pairs to a sorted env unless the key is set,
// and keeps it sorted.
func withDefaults(env []string, defaults map[string]string) []string {
	m := map[string]string{}
	for k, v := range defaults {
		m[k] = v
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return sortedEnv(m)
}

// withProbe appends the runtime stage to a plan's stages, with the probe
// installed in the runtime when the image needs it (see installProbe).
func withProbe(s *spec.Spec, env Env, golang string, stages []plan.Stage, runtime plan.Stage) []plan.Stage {
	if needsProbe(s) {
		var step plan.Step
		stages, step = installProbe(env, golang, stages)
		runtime.Steps = append(runtime.Steps, step)
	}
	return append(stages, runtime)
}

// installProbe returns the runtime step that installs appbuild-probe, and
// the stages with the stage it comes from appended. The frontend image
// carries the probe prebuilt for the common platforms, compiled by the
// same command with golang:defaultGoVersion, so when env.Probe is set and
// the probe would be built with that same image, the runtime copies the
// prebuilt file out of the frontend image and no build pulls the golang
// image for it. Otherwise (another platform, a Go app pinned to another Go
// version, or the eject target, which plans without it) the probe is
// compiled as before.
//
// The copy names the file; it does not carry it: the frontend once wrote
// the prebuilt bytes into the definition (a 2.3 MB mkfile), and sending
// and hashing them cost every build, a no-op rebuild included, about 0.4 s.
func installProbe(env Env, golang string, stages []plan.Stage) ([]plan.Stage, plan.Step) {
	if env.Probe != nil && golang == golangImage+":"+defaultGoVersion {
		frontend := plan.Stage{Name: prebuiltProbeStageName, From: plan.Base{Image: env.Probe.Image}, OnBuildPlatform: true}
		return append(stages, frontend), plan.Step{
			Name:   "copy appbuild-probe (prebuilt, " + platforms.Format(env.TargetPlatform) + ")",
			Origin: []string{"healthcheck"},
			Copy: &plan.Copy{
				FromStage: prebuiltProbeStageName,
				Paths:     []string{env.Probe.Path},
				Dest:      healthprobe.Path,
				Owner:     rootOwner,
				Mode:      0o755,
			},
		}
	}
	return append(stages, probeStage(golang, env.TargetPlatform)), probeCopy()
}

// prebuiltProbeStageName is the stage of the frontend's image, which the
// prebuilt probe is copied from.
const prebuiltProbeStageName = "prebuilt-probe"
