package llbgen

import (
	"fmt"
	"strings"

	"github.com/moby/buildkit/client/llb"

	"github.com/org/appbuild/plan"
)

// run renders a Run step on the stage's filesystem s. It returns the
// filesystem after the step and the stage's output directory: out, the
// output so far (nil before any output step), or the step's own output
// mount, in which case the filesystem stays s (plan.Mount says why).
func (g *generator) run(s llb.State, out *llb.State, r *plan.Run, cons []llb.ConstraintsOpt) (llb.State, *llb.State, error) {
	opts := []llb.RunOption{llb.Args(r.Args)}
	for _, kv := range r.Env {
		k, v, _ := strings.Cut(kv, "=")
		opts = append(opts, llb.AddEnv(k, v))
	}
	var output *plan.Mount
	for i, m := range r.Mounts {
		switch m.Kind {
		case "cache", "secret":
			opts = append(opts, g.mount(m))
		case "stage":
			st, ok := g.states[m.Stage]
			if !ok {
				return s, out, fmt.Errorf("mount of unknown stage %q at %s", m.Stage, m.Target)
			}
			opts = append(opts, llb.AddMount(m.Target, st, llb.Readonly))
		case "output":
			if output != nil {
				return s, out, fmt.Errorf("two output mounts (%s, %s) in one step", output.Target, m.Target)
			}
			output = &r.Mounts[i]
		default:
			return s, out, fmt.Errorf("a mount of kind %q at %s", m.Kind, m.Target)
		}
	}
	if r.NoCache {
		opts = append(opts, llb.IgnoreCache)
	}
	for _, c := range cons {
		opts = append(opts, c)
	}
	es := s.Run(opts...)
	if output == nil {
		return es.Root(), out, nil
	}
	start := llb.Scratch()
	switch {
	case out != nil:
		start = *out
	case output.Stage != "":
		st, ok := g.states[output.Stage]
		if !ok {
			return s, out, fmt.Errorf("output mount at %s starts from unknown stage %q", output.Target, output.Stage)
		}
		start = st
	}
	o := es.AddMount(output.Target, start)
	return s, &o, nil
}

// mount renders a cache or secret mount.
func (g *generator) mount(m plan.Mount) llb.RunOption {
	if m.Kind == "cache" {
		sharing := llb.CacheMountShared
		if m.Locked {
			sharing = llb.CacheMountLocked
		}
		return llb.AddMount(m.Target, llb.Scratch(), llb.AsPersistentCacheDir(g.opt.CacheNamespace+m.ID, sharing))
	}
	secret := []llb.SecretOption{llb.SecretID(m.ID)}
	if !m.Required {
		secret = append(secret, llb.SecretOptional)
	}
	if m.Env != "" {
		return llb.AddSecret(m.Env, append(secret, llb.SecretAsEnv(true))...)
	}
	return llb.AddSecret(m.Target, secret...)
}
