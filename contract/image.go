package contract

import (
	"fmt"
	"strconv"

	"github.com/org/appbuild/healthprobe"
	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/spec"
)

// Healthcheck defaults, chosen so that a container turns healthy soon after
// start and a hung probe cannot stack up.
const (
	defaultInterval    = "30s"
	defaultTimeout     = "5s"
	defaultStartPeriod = "5s"
	defaultRetries     = 3
)

// image is the runtime image config: user, entrypoint, workdir, ports,
// env (the language's defaults under the spec's own), labels and the
// healthcheck.
func image(s *spec.Spec, entrypoint []string, langEnv map[string]string) (plan.Image, error) {
	img := plan.Image{
		User:       s.UserString(),
		Entrypoint: entrypoint,
		Cmd:        s.Cmd,
		Workdir:    s.Workdir,
		Labels:     map[string]string{"org.opencontainers.image.title": s.Name},
	}
	if len(s.Entrypoint) > 0 {
		img.Entrypoint = s.Entrypoint
	}
	if web := s.Processes[spec.WebProcess]; len(web) > 0 {
		img.Entrypoint, img.Cmd = web, nil
	}
	if img.Workdir == "" {
		img.Workdir = AppDir
	}
	env := map[string]string{}
	img.Volumes = s.Volumes
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
	img.Env = withDefaults(SortedEnv(env), langEnv)
	hc, err := healthcheck(s)
	if err != nil {
		return plan.Image{}, err
	}
	img.Healthcheck = hc
	return img, nil
}

// NeedsProbe reports whether the image's HEALTHCHECK runs appbuild-probe.
func NeedsProbe(s *spec.Spec) bool {
	h := s.Healthcheck
	if h == nil {
		return len(s.AllPorts()) > 0
	}
	return h.HTTP != "" || h.TCP != nil
}

// healthcheck turns the spec's healthcheck into the image config's. With
// no healthcheck written but a port, the app is checked by a TCP connect to
// that port: a cheap default that still catches a dead process.
func healthcheck(s *spec.Spec) (*plan.Healthcheck, error) {
	h := s.Healthcheck
	ports := s.AllPorts()
	if h == nil {
		if len(ports) == 0 {
			return nil, nil
		}
		h = &spec.Healthcheck{TCP: &ports[0]}
	}
	if h.None {
		return &plan.Healthcheck{Test: []string{"NONE"}}, nil
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
	case h.HTTP != "":
		// The probe asks the app's first port. spec.Parse refuses an http
		// check without a port (with the spec's position), so a plan never
		// sees one; the error guards a Spec built by hand.
		if len(ports) == 0 {
			return nil, fmt.Errorf("healthcheck.http: the spec has no port (it was not validated)")
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
