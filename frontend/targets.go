package frontend

import (
	"context"
	"fmt"
	"strings"

	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/frontend/subrequests/targets"
)

// target is one thing `--target` can ask for. The table below is the only
// list of targets: `--call targets` and the unknown-target error read it.
type target struct {
	name        string
	description string
	build       func(*builder, context.Context) (*gwclient.Result, error)
}

// defaultTarget is built when --target is not given.
const defaultTarget = "image"

var allTargets = []target{
	{
		name:        "image",
		description: "the production runtime image: distroless, non-root, with a HEALTHCHECK, one per --platform",
		build:       (*builder).buildImage,
	},
	{
		name:        "compose",
		description: "compose.yaml for the app and its companion services (export with -o .)",
		build:       (*builder).buildCompose,
	},
	{
		name:        "kubernetes",
		description: "kubernetes.yaml: Deployments, Services and volume claims for the app (restricted pod security) and its companion services (export with -o .)",
		build:       (*builder).buildKubernetes,
	},
	{
		name:        "dockerfile",
		description: "an equivalent plain multi-stage Dockerfile and .dockerignore: eject, no lock-in (export with -o .)",
		build:       (*builder).buildEject,
	},
	{
		name:        "test",
		description: "runs the app's own tests in the build stage with the same caches; a failing test fails the build",
		build:       (*builder).buildTest,
	},
	{
		name:        "scan",
		description: "Trivy on the runtime filesystem and the lock files; fails on the spec's scan severities; report.json, .sarif, .txt (export with -o DIR)",
		build:       (*builder).buildScan,
	},
}

func findTarget(name string) (target, error) {
	if name == "" {
		name = defaultTarget
	}
	var names []string
	for _, t := range allTargets {
		if t.name == name {
			return t, nil
		}
		names = append(names, t.name)
	}
	return target{}, fmt.Errorf("target %q does not exist; appbuild builds: %s", name, strings.Join(names, ", "))
}

// listTargets answers `docker buildx build --call targets`.
func listTargets() *targets.List {
	l := &targets.List{}
	for _, t := range allTargets {
		l.Targets = append(l.Targets, targets.Target{
			Name:        t.name,
			Description: t.description,
			Default:     t.name == defaultTarget,
		})
	}
	return l
}
