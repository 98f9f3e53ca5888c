package llbgen

import (
	"fmt"
	"maps"
	"strings"
	"time"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/org/appbuild/pin"
)

// OCI annotation keys recorded as labels (image-spec annotations.go).
const (
	labelCreated    = "org.opencontainers.image.created"
	labelBaseName   = "org.opencontainers.image.base.name"
	labelBaseDigest = "org.opencontainers.image.base.digest"
)

// image lays the plan's config over the runtime base image's.
func (g *generator) image(base *pin.Image) (*dockerspec.DockerOCIImage, error) {
	p := g.plan.Image
	img := &dockerspec.DockerOCIImage{}
	if base != nil {
		img.Config.Env = append([]string(nil), base.Config.Config.Env...)
		img.Config.Labels = maps.Clone(base.Config.Config.Labels)
		img.RootFS = base.Config.RootFS
		img.History = append(img.History, base.Config.History...)
	}
	img.RootFS.Type = "layers"
	img.Platform = g.opt.TargetPlatform
	img.OS = g.opt.TargetPlatform.OS
	img.Architecture = g.opt.TargetPlatform.Architecture
	img.Variant = g.opt.TargetPlatform.Variant

	img.Config.User = p.User
	img.Config.Entrypoint = p.Entrypoint
	// An entrypoint of our own makes the base's CMD meaningless, as with
	// ENTRYPOINT in a Dockerfile.
	img.Config.Cmd = p.Cmd
	img.Config.WorkingDir = p.Workdir
	for _, kv := range p.Env {
		img.Config.Env = setEnv(img.Config.Env, kv)
	}
	if len(p.Ports) > 0 {
		img.Config.ExposedPorts = map[string]struct{}{}
		for _, port := range p.Ports {
			img.Config.ExposedPorts[port] = struct{}{}
		}
	}
	img.Config.Volumes = withVolumes(img.Config.Volumes, p.Volumes)
	if h := p.Healthcheck; h != nil {
		hc := &dockerspec.HealthcheckConfig{Test: h.Test, Retries: h.Retries}
		for _, d := range []struct {
			s   string
			out *time.Duration
		}{{h.Interval, &hc.Interval}, {h.Timeout, &hc.Timeout}, {h.StartPeriod, &hc.StartPeriod}} {
			if d.s == "" {
				continue
			}
			v, err := time.ParseDuration(d.s)
			if err != nil {
				return nil, fmt.Errorf("healthcheck duration %q: %w", d.s, err)
			}
			*d.out = v
		}
		img.Config.Healthcheck = hc
	}

	if img.Config.Labels == nil {
		img.Config.Labels = map[string]string{}
	}
	maps.Copy(img.Config.Labels, p.Labels)
	maps.Copy(img.Config.Labels, g.opt.Labels)
	// The base labels name the image really built on: a replacement given
	// with --build-context, not the plan's image; none when the
	// replacement is not an image.
	if base != nil && base.Source != "" {
		img.Config.Labels[labelBaseName] = base.Source
		img.Config.Labels[labelBaseDigest] = base.Digest.String()
	}
	if g.opt.Epoch != nil {
		t := g.opt.Epoch.UTC()
		img.Created = &t
		img.Config.Labels[labelCreated] = t.Format(time.RFC3339)
	}
	for _, st := range g.plan.Stages {
		if st.Name != g.plan.Final {
			continue
		}
		for _, step := range st.Steps {
			img.History = append(img.History, historyEntry(step.Name, img.Created))
		}
	}
	return img, nil
}

func historyEntry(name string, created *time.Time) ocispecs.History {
	return ocispecs.History{CreatedBy: "appbuild: " + name, Comment: "buildkit.appbuild.v0", Created: created}
}

// setEnv replaces KEY in env or appends KEY=VALUE.
func setEnv(env []string, kv string) []string {
	k, _, _ := strings.Cut(kv, "=")
	for i, e := range env {
		if strings.HasPrefix(e, k+"=") {
			env[i] = kv
			return env
		}
	}
	return append(env, kv)
}

// withVolumes adds volumes to the base's own, which stay, as under a
// Dockerfile's VOLUME.
func withVolumes(base map[string]struct{}, volumes []string) map[string]struct{} {
	for _, v := range volumes {
		if base == nil {
			base = map[string]struct{}{}
		}
		base[v] = struct{}{}
	}
	return base
}
