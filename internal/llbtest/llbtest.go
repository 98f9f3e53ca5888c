// Package llbtest helps tests read LLB: a stand-in for a registry that
// resolves every image to a digest derived from its reference (stable, and
// different per image), and a dump of a definition as text, so a change to
// what appbuild generates shows as a readable diff of a golden file.
package llbtest

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/opencontainers/go-digest"
)

// Resolver answers like a registry would, with a digest derived from the
// reference, so tests are stable and images differ. Distroless images get
// the nonroot user and their usual env, as the real ones have.
type Resolver struct{}

// ResolveImageConfig returns ref, a digest of ref and a config for the
// requested platform.
func (Resolver) ResolveImageConfig(_ context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	img := dockerspec.DockerOCIImage{}
	img.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	if strings.Contains(ref, "distroless") {
		img.Config.Env = append(img.Config.Env, "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt")
		img.Config.User = "65532"
		img.Config.WorkingDir = "/home/nonroot"
	}
	if opt.ImageOpt != nil && opt.ImageOpt.Platform != nil {
		img.Platform = *opt.ImageOpt.Platform
	}
	cfg, err := json.Marshal(img)
	return ref, digest.FromString(ref), cfg, err
}

// Dump prints a definition as text, one op after another in definition
// order: its index, its digest's first 12 hex digits, its kind and name,
// the ops it reads ("<- [2] [5]"), then what it does and the spec ranges
// it came from. The digests make any change to an op, or to an op it
// depends on, visible; the rest says what changed.
func Dump(def *llb.Definition) (string, error) {
	index := map[digest.Digest]int{}
	ops := make([]*pb.Op, len(def.Def))
	for i, d := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(d); err != nil {
			return "", fmt.Errorf("op %d: %w", i, err)
		}
		index[digest.FromBytes(d)] = i
		ops[i] = &op
	}
	var b strings.Builder
	for i, d := range def.Def {
		dg := digest.FromBytes(d)
		op := ops[i]
		var inputs []string
		for _, in := range op.Inputs {
			inputs = append(inputs, fmt.Sprintf("[%d]", index[digest.Digest(in.Digest)]))
		}
		fmt.Fprintf(&b, "[%d] %s %s", i, dg.Encoded()[:12], kind(op))
		if name := def.Metadata[dg].Description["llb.customname"]; name != "" {
			fmt.Fprintf(&b, " %q", name)
		}
		if len(inputs) > 0 {
			fmt.Fprintf(&b, " <- %s", strings.Join(inputs, " "))
		}
		b.WriteString("\n")
		details(&b, op)
		if r := ranges(def, dg); r != "" {
			fmt.Fprintf(&b, "  spec: %s\n", r)
		}
	}
	return b.String(), nil
}

func kind(op *pb.Op) string {
	switch {
	case op.GetSource() != nil:
		return "source " + op.GetSource().Identifier
	case op.GetExec() != nil:
		return "exec"
	case op.GetFile() != nil:
		return "file"
	case op.GetMerge() != nil:
		return "merge"
	case op.GetDiff() != nil:
		return "diff"
	}
	return "result"
}

// details are an op's arguments: an exec's command, sorted env, workdir,
// user and mounts; a file op's actions.
func details(b *strings.Builder, op *pb.Op) {
	if p := op.Platform; p != nil && op.GetSource() != nil {
		fmt.Fprintf(b, "  platform: %s/%s%s\n", p.OS, p.Architecture, strings.TrimRight("/"+p.Variant, "/"))
	}
	if e := op.GetExec(); e != nil {
		env := append([]string(nil), e.Meta.Env...)
		sort.Strings(env)
		fmt.Fprintf(b, "  args: %q\n  env: %q\n  cwd: %s user: %q\n", e.Meta.Args, env, e.Meta.Cwd, e.Meta.User)
		for _, m := range e.Mounts {
			mount(b, m)
		}
	}
	if f := op.GetFile(); f != nil {
		for _, a := range f.Actions {
			action(b, a)
		}
	}
}

func mount(b *strings.Builder, m *pb.Mount) {
	switch {
	case m.CacheOpt != nil:
		fmt.Fprintf(b, "  cache %s id=%s sharing=%s\n", m.Dest, m.CacheOpt.ID, m.CacheOpt.Sharing)
	case m.SecretOpt != nil:
		fmt.Fprintf(b, "  secret %s id=%s optional=%v\n", m.Dest, m.SecretOpt.ID, m.SecretOpt.Optional)
	case m.MountType == pb.MountType_TMPFS:
		fmt.Fprintf(b, "  tmpfs %s\n", m.Dest)
	case m.Dest != "/":
		fmt.Fprintf(b, "  bind %s from input %d readonly=%v\n", m.Dest, m.Input, m.Readonly)
	}
}

func action(b *strings.Builder, a *pb.FileAction) {
	switch {
	case a.GetCopy() != nil:
		c := a.GetCopy()
		fmt.Fprintf(b, "  copy %s -> %s mode=%o owner=%v\n", c.Src, c.Dest, c.Mode, c.Owner != nil)
	case a.GetMkfile() != nil:
		f := a.GetMkfile()
		fmt.Fprintf(b, "  mkfile %s mode=%o (%d bytes, %s)\n", f.Path, f.Mode, len(f.Data), digest.FromBytes(f.Data).Encoded()[:12])
	case a.GetMkdir() != nil:
		m := a.GetMkdir()
		fmt.Fprintf(b, "  mkdir %s%s\n", m.Path, owner(m.Owner))
	case a.GetRm() != nil:
		fmt.Fprintf(b, "  rm %s\n", a.GetRm().Path)
	}
}

// ranges are the spec ranges attached to an op, as line:col-line:col.
func ranges(def *llb.Definition, dg digest.Digest) string {
	if def.Source == nil || def.Source.Locations[dg.String()] == nil {
		return ""
	}
	var out []string
	for _, l := range def.Source.Locations[dg.String()].Locations {
		for _, r := range l.Ranges {
			out = append(out, fmt.Sprintf("%d:%d-%d:%d", r.Start.Line, r.Start.Character, r.End.Line, r.End.Character))
		}
	}
	return strings.Join(out, " ")
}

// owner is " owner=UID:GID" for an explicit numeric owner, else "".
func owner(o *pb.ChownOpt) string {
	if o == nil || o.User == nil || o.Group == nil {
		return ""
	}
	return fmt.Sprintf(" owner=%d:%d", o.User.GetByID(), o.Group.GetByID())
}
