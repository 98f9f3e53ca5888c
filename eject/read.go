package eject

import (
	"bytes"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"

	"github.com/org/appbuild/plan"
)

// Read parses an ejected Dockerfile as BuildKit's Dockerfile frontend does
// (its parser, its instruction parser, and its lexer on every word it
// expands) and returns the plan it builds: stages, steps, and the runtime
// image's config. Variables are expanded to "<expanded:NAME>", so a value
// that was not written literally reads back as something else; the
// build-arg references of a step's env (see buildArgRefs) are kept as
// written.
//
// What a Dockerfile does not carry is left out: step origins, the context
// directory (copy sources read back as the Dockerfile names them), and
// which stage is the test stage. Step names are their comments.
func Read(dockerfile []byte) (*plan.Plan, error) {
	ast, err := parser.Parse(bytes.NewReader(dockerfile))
	if err != nil {
		return nil, err
	}
	if len(ast.Warnings) > 0 {
		return nil, fmt.Errorf("parser warning: %s", ast.Warnings[0].Short)
	}
	stages, metaArgs, err := instructions.Parse(ast.AST, nil)
	if err != nil {
		return nil, err
	}
	if len(metaArgs) > 0 {
		return nil, fmt.Errorf("a global ARG %s", metaArgs[0].Args[0].Key)
	}
	r := &reader{p: &plan.Plan{}}
	for _, st := range stages {
		if err := r.stage(st); err != nil {
			return nil, fmt.Errorf("stage %s: %w", st.Name, err)
		}
	}
	if r.cur == nil || r.segment != "" {
		return nil, fmt.Errorf("no final stage")
	}
	r.p.Final = r.cur.Name
	return r.p, r.checkLinks()
}

// reader rebuilds a plan, stage by stage.
type reader struct {
	p   *plan.Plan
	cur *plan.Stage
	// segment is the name of the stage just read when it is one part of a
	// plan stage (NAME--N, see writer.stage), which the next stage goes on.
	segment string
	// Stages that copies with and without --link go into.
	linked, unlinked []string
	// The step being read: its name, and the env its ARGs give.
	name    string
	env     []string
	inImage bool
	// The directory step being read (USER, WORKDIR twice), and its
	// parent once read.
	mk       *plan.Step
	mkParent string
}

func (r *reader) stage(st instructions.Stage) error {
	onBuild := st.Platform == "$BUILDPLATFORM"
	if st.Platform != "" && !onBuild {
		return fmt.Errorf("platform %q", st.Platform)
	}
	real, _, _ := strings.Cut(st.Name, "--")
	switch {
	case r.segment != "" && st.BaseName == r.segment:
		if r.cur.Name != real || r.cur.OnBuildPlatform != onBuild {
			return fmt.Errorf("goes on stage %s as another", r.segment)
		}
	case r.segment != "":
		return fmt.Errorf("stage %s does not go on", r.segment)
	default:
		from, err := r.base(st.BaseName)
		if err != nil {
			return err
		}
		r.p.Stages = append(r.p.Stages, plan.Stage{Name: real, From: from, OnBuildPlatform: onBuild})
		r.cur = &r.p.Stages[len(r.p.Stages)-1]
	}
	r.segment = ""
	if real != st.Name {
		r.segment = st.Name
	}
	for _, cmd := range st.Commands {
		if err := r.command(cmd); err != nil {
			return fmt.Errorf("%s: %w", cmd.Name(), err)
		}
	}
	if r.name != "" {
		return fmt.Errorf("step %q has no RUN", r.name)
	}
	if r.mk != nil {
		return fmt.Errorf("step %q makes no directory", r.mk.Name)
	}
	return nil
}

// base is a FROM's base: scratch, an earlier stage, or an image.
func (r *reader) base(name string) (plan.Base, error) {
	switch {
	case name == "scratch":
		return plan.Base{}, nil
	case r.p.Stage(name) != nil:
		return plan.Base{Stage: name}, nil
	}
	image, err := expand(name)
	return plan.Base{Image: image}, err
}

// command reads one instruction: a step's (ARG, RUN, COPY), the stage's
// config (ENV, WORKDIR before any step), or the image's (after the
// "runtime image config" comment).
func (r *reader) command(cmd instructions.Command) error {
	comments := cmd.(interface{ Comments() []string }).Comments()
	if slices.Contains(comments, imageConfigComment) {
		r.inImage = true
	}
	if arg, ok := cmd.(*instructions.ArgCommand); ok {
		return r.arg(arg, comments)
	}
	if ex, ok := cmd.(instructions.SupportsSingleWordExpansion); ok {
		if err := ex.Expand(expand); err != nil {
			return err
		}
	}
	if r.inImage {
		return r.imageConfig(cmd)
	}
	switch c := cmd.(type) {
	case *instructions.EnvCommand:
		return r.stageEnv(c)
	case *instructions.UserCommand:
		return r.mkdirUser(c, comments)
	case *instructions.WorkdirCommand:
		if r.mk != nil {
			return r.mkdir(c.Path)
		}
		if len(r.cur.Steps) > 0 || r.cur.Workdir != "" {
			return fmt.Errorf("a WORKDIR after the stage's first step")
		}
		r.cur.Workdir = c.Path
		return nil
	case *instructions.RunCommand:
		return r.run(c, comments)
	case *instructions.CopyCommand:
		return r.copy(c, comments)
	}
	return fmt.Errorf("unexpected instruction")
}

// mkdirUser reads a USER of a directory step (writer.mkdir): USER 0:0
// starts it, under the step's comment; the second names the owner.
func (r *reader) mkdirUser(c *instructions.UserCommand, comments []string) error {
	switch {
	case r.mk == nil && r.name == "" && c.User == "0:0":
		r.mk = &plan.Step{Name: stepName(comments), Mkdir: &plan.Mkdir{}}
	case r.mk != nil && r.mk.Mkdir.Owner == "" && r.mkParent != "":
		r.mk.Mkdir.Owner = c.User
	default:
		return fmt.Errorf("a USER that makes no directory")
	}
	return nil
}

// mkdir reads a WORKDIR of a directory step: the parent, then the
// directory, which ends the step.
func (r *reader) mkdir(dir string) error {
	m := r.mk.Mkdir
	switch {
	case r.mkParent == "":
		r.mkParent = dir
		return nil
	case m.Owner == "" || path.Dir(dir) != r.mkParent:
		return fmt.Errorf("WORKDIR %s is not a directory step's", dir)
	}
	m.Path = dir
	r.cur.Steps = append(r.cur.Steps, *r.mk)
	r.mk, r.mkParent = nil, ""
	return nil
}

func (r *reader) stageEnv(c *instructions.EnvCommand) error {
	if len(r.cur.Steps) > 0 || r.cur.Env != nil {
		return fmt.Errorf("an ENV after the stage's first step")
	}
	for _, kv := range c.Env {
		r.cur.Env = append(r.cur.Env, kv.Key+"="+kv.Value)
	}
	return nil
}

// arg reads a step's environment: TARGETOS and TARGETARCH declared, then
// its variables.
func (r *reader) arg(c *instructions.ArgCommand, comments []string) error {
	if r.inImage {
		return fmt.Errorf("an ARG in the image config")
	}
	if r.name == "" {
		r.name = stepName(comments)
	}
	for _, a := range c.Args {
		switch {
		case a.Value == nil && (a.Key == "TARGETOS" || a.Key == "TARGETARCH"):
		case a.Value == nil:
			return fmt.Errorf("ARG %s has no value", a.Key)
		case slices.Contains(buildArgRefs, *a.Value):
			r.env = append(r.env, a.Key+"="+*a.Value)
		default:
			v, err := expand(*a.Value)
			if err != nil {
				return err
			}
			r.env = append(r.env, a.Key+"="+v)
		}
	}
	return nil
}

func (r *reader) run(c *instructions.RunCommand, comments []string) error {
	if c.PrependShell || len(c.Files) > 0 {
		return fmt.Errorf("not in exec form: %s", c.String())
	}
	for _, f := range c.FlagsUsed {
		if f != "mount" {
			return fmt.Errorf("flag --%s", f)
		}
	}
	run := &plan.Run{Args: c.CmdLine, Env: r.env}
	for _, m := range instructions.GetMounts(c) {
		pm, err := readMount(m)
		if err != nil {
			return err
		}
		run.Mounts = append(run.Mounts, pm)
	}
	name := r.name
	if name == "" {
		name = stepName(comments)
	}
	r.cur.Steps = append(r.cur.Steps, plan.Step{Name: name, Run: run})
	r.name, r.env = "", nil
	return nil
}

func readMount(m *instructions.Mount) (plan.Mount, error) {
	switch m.Type {
	case instructions.MountTypeCache:
		// Unset is shared, the frontend's default.
		if m.CacheSharing != "" && m.CacheSharing != instructions.MountSharingShared && m.CacheSharing != instructions.MountSharingLocked {
			return plan.Mount{}, fmt.Errorf("cache sharing %s", m.CacheSharing)
		}
		return plan.Mount{Kind: "cache", Target: m.Target, ID: m.CacheID, Locked: m.CacheSharing == instructions.MountSharingLocked}, nil
	case instructions.MountTypeSecret:
		pm := plan.Mount{Kind: "secret", ID: m.CacheID, Target: m.Target, Required: m.Required}
		if m.Env != nil {
			pm.Env, pm.Target = *m.Env, ""
		}
		return pm, nil
	}
	return plan.Mount{}, fmt.Errorf("a mount of type %s", m.Type)
}

// copy reads a COPY: a heredoc is a file written, anything else a copy.
func (r *reader) copy(c *instructions.CopyCommand, comments []string) error {
	if r.name != "" {
		return fmt.Errorf("step %q has ARGs and no RUN", r.name)
	}
	if c.Parents || len(c.ExcludePatterns) > 0 {
		return fmt.Errorf("unexpected flags: %s", c.String())
	}
	mode, err := readMode(c.Chmod)
	if err != nil {
		return err
	}
	step := plan.Step{Name: stepName(comments)}
	if len(c.SourceContents) > 0 {
		sc := c.SourceContents[0]
		if len(c.SourceContents) > 1 || len(c.SourcePaths) > 0 || sc.Expand || c.From != "" || c.Chown != "" || c.Link {
			return fmt.Errorf("a heredoc with more than a file's content: %s", c.String())
		}
		step.Write = &plan.Write{Path: c.DestPath, Data: []byte(sc.Data), Mode: mode}
	} else {
		step.Copy = &plan.Copy{FromStage: c.From, Paths: c.SourcePaths, Dest: c.DestPath, Owner: c.Chown, Mode: mode}
		if c.Link {
			r.linked = append(r.linked, r.cur.Name)
		} else {
			r.unlinked = append(r.unlinked, r.cur.Name)
		}
	}
	r.cur.Steps = append(r.cur.Steps, step)
	return nil
}

// checkLinks: copies into the final stage are --link (appbuild merges its
// layers onto the base), and no others.
func (r *reader) checkLinks() error {
	for _, name := range r.linked {
		if name != r.p.Final {
			return fmt.Errorf("a COPY --link into stage %s, which is not the final one", name)
		}
	}
	if slices.Contains(r.unlinked, r.p.Final) {
		return fmt.Errorf("a COPY without --link into the final stage")
	}
	return nil
}

func readMode(chmod string) (uint32, error) {
	if chmod == "" {
		return 0, nil
	}
	m, err := strconv.ParseUint(chmod, 8, 32)
	return uint32(m), err
}

// imageConfig reads the runtime image's config.
func (r *reader) imageConfig(cmd instructions.Command) error {
	img := &r.p.Image
	switch c := cmd.(type) {
	case *instructions.EnvCommand:
		for _, kv := range c.Env {
			img.Env = append(img.Env, kv.Key+"="+kv.Value)
		}
	case *instructions.WorkdirCommand:
		img.Workdir = c.Path
	case *instructions.ExposeCommand:
		img.Ports = append(img.Ports, c.Ports...)
	case *instructions.VolumeCommand:
		img.Volumes = append(img.Volumes, c.Volumes...)
	case *instructions.LabelCommand:
		if img.Labels == nil {
			img.Labels = map[string]string{}
		}
		for _, kv := range c.Labels {
			img.Labels[kv.Key] = kv.Value
		}
	case *instructions.HealthCheckCommand:
		img.Healthcheck = readHealthcheck(c)
	case *instructions.UserCommand:
		img.User = c.User
	case *instructions.EntrypointCommand:
		if c.PrependShell {
			return fmt.Errorf("not in exec form")
		}
		img.Entrypoint = c.CmdLine
	case *instructions.CmdCommand:
		if c.PrependShell {
			return fmt.Errorf("not in exec form")
		}
		img.Cmd = c.CmdLine
	default:
		return fmt.Errorf("unexpected instruction in the image config")
	}
	return nil
}

func readHealthcheck(c *instructions.HealthCheckCommand) *plan.Healthcheck {
	h := c.Health
	if len(h.Test) == 1 && h.Test[0] == "NONE" {
		return &plan.Healthcheck{Test: h.Test}
	}
	return &plan.Healthcheck{Test: h.Test, Interval: h.Interval.String(), Timeout: h.Timeout.String(),
		StartPeriod: h.StartPeriod.String(), Retries: h.Retries}
}

// stepName is a step's name: the comment right above its first
// instruction.
func stepName(comments []string) string {
	if len(comments) == 0 {
		return ""
	}
	return comments[len(comments)-1]
}

// expand reads a word as the Dockerfile frontend does (shell.Lex with the
// default escape, \), with every variable defined as a marker, so that a
// reference that should have been literal shows.
func expand(word string) (string, error) {
	out, _, err := shell.NewLex('\\').ProcessWord(word, everyVar{})
	return out, err
}

// everyVar defines every variable.
type everyVar struct{}

func (everyVar) Get(name string) (string, bool) { return "<expanded:" + name + ">", true }
func (everyVar) Keys() []string                 { return nil }
