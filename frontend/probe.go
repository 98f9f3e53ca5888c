package frontend

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/distribution/reference"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/org/appbuild/profiles"
)

// probeDir holds appbuild-probe prebuilt by the frontend image's
// Dockerfile, as probeDir/OS/ARCH/appbuild-probe (and OS/arm/VARIANT for
// 32-bit arm, the one architecture whose variant changes the build). A
// variable so that tests can point it elsewhere.
var probeDir = "/probes"

// prebuiltProbe says where appbuild-probe prebuilt for the target platform
// is: its file in the image the frontend runs from, which the gateway's
// opts name ("source", set by a `# syntax=` line or --opt source=). It is
// nil, and the profiles compile the probe from source (always correct,
// only slower), when the frontend image has no probe for the target, when
// the frontend was not started from an image or was swapped for a named
// build context, or when the build platform is not the frontend's own:
// the files this process sees are those of its own platform's image.
func prebuiltProbe(opts map[string]string, build, target ocispecs.Platform) *profiles.PrebuiltProbe {
	source := opts["source"]
	if source == "" || build.OS != runtime.GOOS || build.Architecture != runtime.GOARCH {
		return nil
	}
	ref, err := reference.ParseNormalizedNamed(source)
	if err != nil {
		return nil
	}
	image := reference.TagNameOnly(ref).String()
	for _, name := range []string{source, image, reference.FamiliarString(ref)} {
		if _, ok := opts["context:"+name]; ok {
			return nil
		}
	}
	file := probePath(target)
	if file == "" {
		return nil
	}
	if fi, err := os.Stat(file); err != nil || !fi.Mode().IsRegular() || fi.Size() == 0 {
		return nil
	}
	return &profiles.PrebuiltProbe{Image: image, Path: file}
}

// probePath is where the probe for a platform would be, or "" for a
// platform whose names cannot be a path. Like the Go build's environment
// (GOOS, GOARCH, and GOARM only for arm), it ignores other variants: a
// linux/amd64/v3 build compiles the same probe as linux/amd64.
func probePath(p ocispecs.Platform) string {
	parts := []string{p.OS, p.Architecture}
	if p.Architecture == "arm" && p.Variant != "" {
		parts = append(parts, p.Variant)
	}
	for _, part := range parts {
		if part == "" || part == "." || part == ".." || strings.ContainsAny(part, `/\`) {
			return ""
		}
	}
	return filepath.Join(append(append([]string{probeDir}, parts...), "appbuild-probe")...)
}
