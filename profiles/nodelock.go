package profiles

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"go.yaml.in/yaml/v3"
)

// nodeNativeProd reports whether a production dependency has native code
// (see Node); when the lock file cannot tell, it says yes.
func nodeNativeProd(pm nodeManager, files Files, pkg packageJSON) (bool, error) {
	data, err := files.ReadFile(pm.lock)
	if err != nil {
		return true, nil
	}
	switch pm.name {
	case "npm":
		return npmNativeProd(data)
	case "pnpm":
		return pnpmNativeProd(data, pkg)
	}
	return true, nil
}

// npmNativeProd reads package-lock.json (version 2 or 3).
func npmNativeProd(data []byte) (bool, error) {
	var lock struct {
		Packages map[string]struct {
			Dev              bool     `json:"dev"`
			HasInstallScript bool     `json:"hasInstallScript"`
			OS               []string `json:"os"`
			CPU              []string `json:"cpu"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(data, &lock); err != nil {
		return false, fmt.Errorf("not valid JSON: %v", err)
	}
	if lock.Packages == nil {
		return true, nil // lockfileVersion 1 records no install scripts
	}
	for key, p := range lock.Packages {
		if key == "" || p.Dev {
			continue
		}
		if p.HasInstallScript || len(p.OS) > 0 || len(p.CPU) > 0 {
			return true, nil
		}
	}
	return false, nil
}

// pnpmNativeProd reads pnpm-lock.yaml: version 9 by walking production's
// closure from the importer through the snapshots, version 6 by its dev
// flags.
func pnpmNativeProd(data []byte, pkg packageJSON) (bool, error) {
	type pnpmPackage struct {
		Dev           *bool    `yaml:"dev"`
		RequiresBuild bool     `yaml:"requiresBuild"`
		OS            []string `yaml:"os"`
		CPU           []string `yaml:"cpu"`
	}
	type deps struct {
		Dependencies         map[string]yaml.Node `yaml:"dependencies"`
		OptionalDependencies map[string]yaml.Node `yaml:"optionalDependencies"`
	}
	var lock struct {
		LockfileVersion string                 `yaml:"lockfileVersion"`
		Importers       map[string]deps        `yaml:"importers"`
		Packages        map[string]pnpmPackage `yaml:"packages"`
		Snapshots       map[string]deps        `yaml:"snapshots"`
	}
	if err := yaml.Unmarshal(data, &lock); err != nil {
		return false, fmt.Errorf("not valid YAML: %v", err)
	}
	native := func(p pnpmPackage) bool { return p.RequiresBuild || len(p.OS) > 0 || len(p.CPU) > 0 }
	if lock.Snapshots == nil {
		// Version 6 and older: each package says whether it is dev-only.
		for _, p := range lock.Packages {
			if (p.Dev == nil || !*p.Dev) && native(p) {
				return true, nil
			}
		}
		return false, nil
	}
	importer, ok := lock.Importers["."]
	if !ok {
		return true, nil
	}
	// A dependency's version is "1.2.3", "1.2.3(peer@4.5.6)" or, for an
	// alias, "name@1.2.3"; links to local directories are not packages.
	key := func(name string, v yaml.Node) string {
		version := v.Value
		if v.Kind == yaml.MappingNode { // importers: {specifier, version}
			for i := 0; i+1 < len(v.Content); i += 2 {
				if v.Content[i].Value == "version" {
					version = v.Content[i+1].Value
				}
			}
		}
		if strings.HasPrefix(version, "link:") || strings.HasPrefix(version, "file:") {
			return ""
		}
		if base, _, _ := strings.Cut(version, "("); strings.LastIndex(base, "@") > 0 {
			return version // an alias: the snapshot is the named package's
		}
		return name + "@" + version
	}
	seen := map[string]bool{}
	var queue []string
	push := func(d deps) {
		for _, m := range []map[string]yaml.Node{d.Dependencies, d.OptionalDependencies} {
			for name, v := range m {
				if k := key(name, v); k != "" && !seen[k] {
					seen[k] = true
					queue = append(queue, k)
				}
			}
		}
	}
	push(importer)
	for len(queue) > 0 {
		k := queue[0]
		queue = queue[1:]
		bare, _, _ := strings.Cut(k, "(") // packages are keyed without peers
		if native(lock.Packages[bare]) {
			return true, nil
		}
		if at := strings.LastIndex(bare, "@"); at > 0 && slices.Contains(pkg.Pnpm.OnlyBuiltDependencies, bare[:at]) {
			return true, nil
		}
		push(lock.Snapshots[k])
	}
	return false, nil
}

// samePlatform reports whether two platforms run the same binaries.
func samePlatform(a, b ocispecs.Platform) bool {
	return a.OS == b.OS && a.Architecture == b.Architecture && a.Variant == b.Variant
}
