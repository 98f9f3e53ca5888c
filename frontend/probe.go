package frontend

import (
	"os"
	"path/filepath"
	"strings"
	"sync"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// probeDir holds appbuild-probe prebuilt by the frontend image's
// Dockerfile, as probeDir/OS/ARCH/appbuild-probe (and OS/arm/VARIANT for
// 32-bit arm, the one architecture whose variant changes the build). A
// variable so that tests can point it elsewhere.
var probeDir = "/probes"

// probes caches what prebuiltProbe read, by file path: each file is read
// once however many platforms or targets a build asks for.
var probes = struct {
	sync.Mutex
	data map[string][]byte
}{data: map[string][]byte{}}

// prebuiltProbe returns appbuild-probe prebuilt for the target platform,
// or nil when the frontend image has none for it (or it cannot be read):
// the profiles then compile it from source, which is always correct, only
// slower.
func prebuiltProbe(target ocispecs.Platform) []byte {
	file := probePath(target)
	if file == "" {
		return nil
	}
	probes.Lock()
	defer probes.Unlock()
	if data, ok := probes.data[file]; ok {
		return data
	}
	data, err := os.ReadFile(file)
	if err != nil || len(data) == 0 {
		data = nil
	}
	probes.data[file] = data
	return data
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
