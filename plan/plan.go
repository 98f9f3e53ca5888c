package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// Plan is everything needed to build one app for one target platform.
type Plan struct {
	// ContextDir is the app's directory in the build context; paths of
	// context copies are relative to it.
	ContextDir string `json:"context_dir,omitempty"`
	// Stages in the order they are declared; a stage may only use stages
	// before it.
	Stages []Stage `json:"stages"`
	// Final names the stage that is the runtime image.
	Final string `json:"final"`
	// Output names the stage whose result the build returns when it is not
	// Final, as the scan target returns its reports: Final is still
	// rendered as for the image, so the scan sees the image's filesystem
	// and shares its cache.
	Output string `json:"output,omitempty"`
	// Test names the stage that runs the app's own tests (the test target).
	Test string `json:"test,omitempty"`
	// Image is the runtime image's config, laid over the final stage's base
	// image config.
	Image Image `json:"image"`
	// Toolchain is the language version the base images were chosen by,
	// and where it was read; nil for a language with one version.
	Toolchain *Toolchain `json:"toolchain,omitempty"`
}

// Toolchain is a language version and where it came from ("the spec's
// version", ".nvmrc", "appbuild's default"), so that a base image of that
// version that does not exist (a version newer or older than the images
// offered) is explained with it.
type Toolchain struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	From    string `json:"from"`
}

// Stage is a named sequence of steps on one base.
type Stage struct {
	Name string `json:"name"`
	// From is the stage's base image or an earlier stage; empty is scratch.
	From Base `json:"from"`
	// OnBuildPlatform runs the stage on the machine's own platform, so that
	// compilers cross-compile instead of running under emulation.
	OnBuildPlatform bool `json:"on_build_platform,omitempty"`
	// Env is set for every step of the stage, as KEY=VALUE.
	Env     []string `json:"env,omitempty"`
	Workdir string   `json:"workdir,omitempty"`
	Steps   []Step   `json:"steps"`
}

// Base is where a stage starts: an image reference (pinned by digest when
// the plan is turned into LLB) or an earlier stage. Both empty means scratch.
type Base struct {
	Image string `json:"image,omitempty"`
	Stage string `json:"stage,omitempty"`
}

// Step is one operation of a stage. Exactly one of Copy, Run, Write and
// Mkdir is set.
type Step struct {
	// Name is what progress output shows, like "go mod download".
	Name string `json:"name"`
	// Origin lists the spec fields this step comes from ("build",
	// "dependencies"), so errors and progress point at spec lines.
	Origin []string `json:"origin,omitempty"`
	Copy   *Copy    `json:"copy,omitempty"`
	Run    *Run     `json:"run,omitempty"`
	Write  *Write   `json:"write,omitempty"`
	Mkdir  *Mkdir   `json:"mkdir,omitempty"`
}

// Copy copies files from the build context or an earlier stage.
type Copy struct {
	// FromStage names the stage to copy from; empty means the build context
	// (the app's directory in it, with .dockerignore applied).
	FromStage string `json:"from_stage,omitempty"`
	// Paths are the sources; "." is the whole context or stage root.
	Paths []string `json:"paths"`
	// Dest is the destination; a path ending in "/" is a directory.
	Dest string `json:"dest"`
	// Owner is "uid:gid" of the copied files.
	Owner string `json:"owner,omitempty"`
	// Mode, when non-zero, is set on the copied files.
	Mode uint32 `json:"mode,omitempty"`
}

// Run executes a command in exec form: no shell ever parses it.
type Run struct {
	Args   []string `json:"args"`
	Env    []string `json:"env,omitempty"`
	Mounts []Mount  `json:"mounts,omitempty"`
	// NoCache runs the step on every build instead of answering from
	// BuildKit's cache: a scan asks a moving database about fixed files.
	NoCache bool `json:"no_cache,omitempty"`
}

// Mount is a cache, secret, stage or output mount of a Run step.
type Mount struct {
	// Kind is "cache", "secret", "stage" (an earlier stage's filesystem,
	// read-only) or "output". An output mount is a directory that starts
	// empty, or as the stage named by Stage, or as the stage's previous
	// output step left it; from the first output step on, the stage's
	// result is that directory, and a step with one leaves the stage's
	// filesystem as it was: a tool's reports without the tool.
	Kind string `json:"kind"`
	// Target is the path in the step's filesystem.
	Target string `json:"target,omitempty"`
	// ID is the cache id, or the secret id given with --secret.
	ID string `json:"id"`
	// Stage names the stage a stage mount shows, or an output mount starts
	// from.
	Stage string `json:"stage,omitempty"`
	// Locked, for a cache, lets one step at a time use it: a concurrent
	// step waits (BuildKit's sharing=locked). Without it the cache is
	// shared, which suits tools that lock their own files.
	Locked bool `json:"locked,omitempty"`
	// Env, for a secret, exposes it as this environment variable instead of
	// a file.
	Env string `json:"env,omitempty"`
	// Required, for a secret, fails the step when the secret is not given.
	Required bool `json:"required,omitempty"`
}

// Write creates one file with the given content.
type Write struct {
	Path string
	Data []byte
	Mode uint32
}

// Mkdir makes one empty directory, mode 0755, owned by Owner ("uid:gid"),
// for the app to write in (a volume). Missing parents are made as root,
// 0755.
type Mkdir struct {
	Path  string `json:"path"`
	Owner string `json:"owner"`
}

// Image is the runtime image config that the plan sets.
type Image struct {
	User        string            `json:"user"`
	Entrypoint  []string          `json:"entrypoint"`
	Cmd         []string          `json:"cmd,omitempty"`
	Env         []string          `json:"env,omitempty"`
	Workdir     string            `json:"workdir,omitempty"`
	Ports       []string          `json:"ports,omitempty"`
	Volumes     []string          `json:"volumes,omitempty"`
	Healthcheck *Healthcheck      `json:"healthcheck,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
}

// Healthcheck is the image config's HEALTHCHECK, in exec form.
type Healthcheck struct {
	Test        []string `json:"test"`
	Interval    string   `json:"interval"`
	Timeout     string   `json:"timeout"`
	StartPeriod string   `json:"start_period"`
	Retries     int      `json:"retries"`
}

// Stage returns the stage with the given name, or nil.
func (p *Plan) Stage(name string) *Stage {
	for i := range p.Stages {
		if p.Stages[i].Name == name {
			return &p.Stages[i]
		}
	}
	return nil
}

// MarshalJSON prints a Write's content as its size and digest: plans are
// read by people and snapshot-tested, and the bytes themselves are noise.
func (w Write) MarshalJSON() ([]byte, error) {
	sum := sha256.Sum256(w.Data)
	return json.Marshal(struct {
		Path   string `json:"path"`
		Size   int    `json:"size"`
		Digest string `json:"digest"`
		Mode   uint32 `json:"mode"`
	}{w.Path, len(w.Data), "sha256:" + hex.EncodeToString(sum[:]), w.Mode})
}
