package frontend

import (
	"context"
	"fmt"

	"github.com/moby/buildkit/frontend/subrequests/outline"
	"github.com/moby/buildkit/solver/pb"

	"github.com/org/appbuild/scan"
)

// argDeps chooses where downloaded dependencies are kept (depsInLayer).
const argDeps = "APPBUILD_DEPS"

// buildArgs are the documented build-args: each overrides one spec field
// at build time (docker buildx build --build-arg NAME=VALUE). Keep the
// README's table in step with this list.
var buildArgs = []struct {
	name, field, description string
}{
	{"APPBUILD_VERSION", "version", "toolchain and runtime version, overriding version"},
	{"APPBUILD_RUNTIME", "runtime", "runtime kind (distroless, slim, scratch), overriding runtime"},
	{"APPBUILD_BUILD", "build", "what to build (package, script, module), overriding build"},
	{"APPBUILD_IMAGE", "image", "image reference compose and Kubernetes files use (by digest: NAME@sha256:...), overriding image"},
	{argDeps, "", "mount (default) keeps downloaded dependencies in cache mounts; layer keeps them in a layer that --cache-to exports, for CI"},
	{"SOURCE_DATE_EPOCH", "", "seconds since 1970: the image's created time, for reproducible builds"},
	{"APPBUILD_SCANNER_IMAGE", "", "scan target: the Trivy image to run (default " + scan.DefaultScannerImage + ")"},
	{"APPBUILD_TRIVY_DB_REPOSITORY", "", "scan target: OCI repository of Trivy's vulnerability DB (default Trivy's own)"},
	{"APPBUILD_TRIVY_JAVA_DB_REPOSITORY", "", "scan target: OCI repository of Trivy's Java DB (default Trivy's own)"},
	{"APPBUILD_SCAN_REPORT_ONLY", "", "scan target: true exports the reports and warns instead of failing on findings"},
}

// outline answers `docker buildx build --call outline`: the build-args
// that change this spec's build and the secrets it reads, each with the
// spec line it concerns.
func (b *builder) outline(ctx context.Context) (*outline.Outline, error) {
	o := &outline.Outline{
		Name:        b.spec.Name,
		Description: fmt.Sprintf("appbuild %s app", b.spec.Language),
		Sources:     [][]byte{b.src.Data},
	}
	for _, a := range buildArgs {
		arg := outline.Arg{Name: a.name, Description: a.description}
		if a.field != "" {
			arg.Value = fieldValue(b, a.field)
			arg.Location = b.location(a.field)
		}
		if v, ok := b.bc.BuildArgs[a.name]; ok {
			arg.Value = v
		}
		o.Args = append(o.Args, arg)
	}
	for i, s := range b.spec.Secrets {
		o.Secrets = append(o.Secrets, outline.Secret{
			Name:     s.ID,
			Required: true,
			Location: b.location(fmt.Sprintf("secrets[%d]", i)),
		})
	}
	return o, nil
}

func (b *builder) location(path string) *pb.Location {
	if r := b.ranges(path); r != nil {
		return &pb.Location{SourceIndex: 0, Ranges: r}
	}
	return nil
}

func fieldValue(b *builder, field string) string {
	switch field {
	case "version":
		return b.spec.Version
	case "runtime":
		return b.spec.Runtime
	case "build":
		return b.spec.Build
	case "image":
		return b.spec.Image
	}
	return ""
}
