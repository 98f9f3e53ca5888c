package eject

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/org/appbuild/plan"
)

// Check reads an ejected Dockerfile back (Read) and reports the first place
// where it says something other than the plan it was written from, with
// pins the digests its FROM lines carry. Dockerfile runs it on everything
// it writes; tests run it on every example and every hostile spec.
func Check(p *plan.Plan, pins map[string]string, dockerfile []byte) error {
	got, err := Read(dockerfile)
	if err != nil {
		return err
	}
	want, have := canonical(comparable(p, pins)), canonical(got)
	if want == have {
		return nil
	}
	wl, hl := strings.Split(want, "\n"), strings.Split(have, "\n")
	for i := range min(len(wl), len(hl)) {
		if wl[i] != hl[i] {
			return fmt.Errorf("line %d of the plan as JSON: the plan has %s, the Dockerfile %s", i+1, strings.TrimSpace(wl[i]), strings.TrimSpace(hl[i]))
		}
	}
	return fmt.Errorf("the plan has %d lines as JSON, the Dockerfile %d", len(wl), len(hl))
}

// comparable is the plan as a Dockerfile can say it: no origins, names as
// comments, context paths from the context's root, bases pinned.
func comparable(p *plan.Plan, pins map[string]string) *plan.Plan {
	out := &plan.Plan{Final: p.Final, Image: p.Image}
	for _, st := range p.Stages {
		if d, ok := pins[st.From.Image]; ok && st.From.Image != "" {
			st.From.Image += "@" + d
		}
		st.Steps = slices.Clone(st.Steps)
		for i, step := range st.Steps {
			step.Name, step.Origin = comment(step.Name), nil
			if c := step.Copy; c != nil && c.FromStage == "" {
				cp := *c
				cp.Paths = nil
				for _, s := range c.Paths {
					cp.Paths = append(cp.Paths, contextPath(p.ContextDir, s))
				}
				step.Copy = &cp
			}
			st.Steps[i] = step
		}
		out.Stages = append(out.Stages, st)
	}
	return out
}

// canonical is a plan as indented JSON, with empty lists and maps and
// absent ones alike.
func canonical(p *plan.Plan) string {
	c := *p
	c.Stages = slices.Clone(p.Stages)
	for i := range c.Stages {
		st := &c.Stages[i]
		st.Env = orNil(st.Env)
		st.Steps = slices.Clone(st.Steps)
		for j := range st.Steps {
			if r := st.Steps[j].Run; r != nil {
				st.Steps[j].Run = &plan.Run{Args: r.Args, Env: orNil(r.Env), Mounts: orNil(r.Mounts)}
			}
		}
	}
	c.Image.Env, c.Image.Cmd, c.Image.Ports = orNil(c.Image.Env), orNil(c.Image.Cmd), orNil(c.Image.Ports)
	c.Image.Entrypoint = orNil(c.Image.Entrypoint)
	if len(c.Image.Labels) == 0 {
		c.Image.Labels = nil
	}
	out, _ := json.MarshalIndent(&c, "", " ") // plain data: cannot fail
	return string(out)
}

func orNil[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}
