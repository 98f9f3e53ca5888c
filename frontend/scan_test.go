package frontend

import (
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerui"

	"github.com/org/appbuild/plan"
)

func TestLockFiles(t *testing.T) {
	p := &plan.Plan{Stages: []plan.Stage{{
		Name: "build",
		Steps: []plan.Step{
			{Copy: &plan.Copy{Paths: []string{"go.mod", "go.sum"}, Dest: "/src/"}},
			{Run: &plan.Run{Args: []string{"go", "mod", "download"}}},
			{Copy: &plan.Copy{Paths: []string{"."}, Dest: "/src/"}},
			{Copy: &plan.Copy{FromStage: "probe", Paths: []string{"/out/appbuild-probe"}, Dest: "/app/"}},
		},
	}, {
		Name:  "deps",
		Steps: []plan.Step{{Copy: &plan.Copy{Paths: []string{"./go.mod", "requirements/base.txt"}, Dest: "/x/"}}},
	}}}
	got := lockFiles(p)
	if want := []string{"go.mod", "go.sum", "requirements/base.txt"}; !slices.Equal(got, want) {
		t.Errorf("lockFiles = %v, want %v", got, want)
	}
}

func TestScanOptions(t *testing.T) {
	opts := func(args map[string]string) (string, bool, error) {
		b := &builder{bc: &dockerui.Client{Config: dockerui.Config{BuildArgs: args}}}
		db, reportOnly, err := b.scanOptions()
		return db.Repository + "|" + db.JavaRepository, reportOnly, err
	}
	if got, ro, err := opts(nil); got != "|" || ro || err != nil {
		t.Errorf("defaults: %q %v %v", got, ro, err)
	}
	got, ro, err := opts(map[string]string{
		"APPBUILD_TRIVY_DB_REPOSITORY":      "127.0.0.1:5000/aquasec/trivy-db@sha256:153d93ffbf6b73a3500efefa5d7afcb98b74a51ab449f7f55df3f43642f4a2a6",
		"APPBUILD_TRIVY_JAVA_DB_REPOSITORY": "registry.example.com/mirror/trivy-java-db:1",
		"APPBUILD_SCAN_REPORT_ONLY":         "true",
	})
	if err != nil || !ro || !strings.HasPrefix(got, "127.0.0.1:5000/aquasec/trivy-db@sha256:") || !strings.HasSuffix(got, "|registry.example.com/mirror/trivy-java-db:1") {
		t.Errorf("set: %q %v %v", got, ro, err)
	}
	// The repositories become Trivy arguments: nothing option-like gets
	// through.
	for _, bad := range []map[string]string{
		{"APPBUILD_TRIVY_DB_REPOSITORY": "--insecure"},
		{"APPBUILD_TRIVY_JAVA_DB_REPOSITORY": "a b"},
		{"APPBUILD_SCAN_REPORT_ONLY": "maybe"},
	} {
		if _, _, err := opts(bad); err == nil {
			t.Errorf("scanOptions(%v) accepted it", bad)
		}
	}
}
