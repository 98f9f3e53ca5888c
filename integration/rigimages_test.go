package integration

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/distribution/reference"
)

// rigLacks are base images a golden plan names that the rig deliberately does not
// provide, with the reason. Anything else a plan names must be in images/list.
var rigLacks = map[string]string{
	"library/gradle:9-jdk21": "Gradle is planned only: it cannot run on these machines, so examples/java-gradle is checked by its golden plan alone (README, Java)",
}

// TestRigProvidesEveryPlannedBaseImage reads integration/rig/images/list (the list
// images.sh builds and check.sh checks) and fails when a golden plan
// (examples/*/want/plan.*.json) names a base image the rig does not push: a plan
// change that needs a new stand-in is caught here, not by a failing build.
func TestRigProvidesEveryPlannedBaseImage(t *testing.T) {
	provided := rigImageList(t)
	plans, err := filepath.Glob(filepath.Join(repoRoot(t), "examples", "*", "want", "plan.*.json"))
	if err != nil || len(plans) == 0 {
		t.Fatalf("no golden plans: %v", err)
	}
	seen := 0
	for _, p := range plans {
		for _, img := range planImages(t, p) {
			seen++
			named, err := reference.ParseNormalizedNamed(img)
			if err != nil {
				t.Errorf("%s: base image %q: %v", p, img, err)
				continue
			}
			ref := reference.Path(named)
			if tagged, ok := named.(reference.Tagged); ok {
				ref += ":" + tagged.Tag()
			}
			if !provided[ref] && rigLacks[ref] == "" {
				t.Errorf("%s names %s, which integration/rig/images/list does not provide", filepath.Join(filepath.Base(filepath.Dir(filepath.Dir(p))), filepath.Base(p)), img)
			}
		}
	}
	if seen == 0 {
		t.Fatal("the golden plans name no base image: has the plan format changed?")
	}
}

// rigImageList returns every REPO:TAG images/list says the rig pushes.
func rigImageList(t *testing.T) map[string]bool {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot(t), "integration", "rig", "images", "list"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	refs := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		if len(fields) < 4 {
			t.Fatalf("images/list: %q: want recipe, target, tiers and at least one ref", sc.Text())
		}
		for _, r := range fields[3:] {
			refs[r] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return refs
}

// planImages returns every "image" string in a golden plan (stage bases and runtime).
func planImages(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, c := range v {
				if s, ok := c.(string); ok && k == "image" {
					out = append(out, s)
				}
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(doc)
	return out
}
