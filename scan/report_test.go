package scan

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/org/appbuild/spec"
)

// The fixtures are Trivy 0.74.0's own JSON output (--list-all-pkgs=false)
// for a root filesystem holding two Go binaries, one linking
// github.com/gorilla/websocket v1.4.0 and one github.com/dgrijalva/jwt-go
// v3.2.0+incompatible, and for the go.mod/go.sum of the first, scanned with
// the rig's DB (integration/rig/trivy).
func fixtures(t *testing.T) (rootfs, lockfiles []byte) {
	t.Helper()
	var err error
	if rootfs, err = os.ReadFile("testdata/rootfs.json"); err != nil {
		t.Fatal(err)
	}
	if lockfiles, err = os.ReadFile("testdata/lockfiles.json"); err != nil {
		t.Fatal(err)
	}
	return rootfs, lockfiles
}

func merged(t *testing.T) []byte {
	t.Helper()
	r, l := fixtures(t)
	out, err := Merge("hello", nil, r, l)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMerge(t *testing.T) {
	r, l := fixtures(t)
	epoch := time.Unix(1767225600, 0)
	out, err := Merge("hello", &epoch, r, l)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		SchemaVersion int
		ReportID      *string
		CreatedAt     string
		ArtifactName  string
		Results       []struct{ Target string }
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("merged report is not JSON: %v\n%s", err, out)
	}
	var targets []string
	for _, r := range doc.Results {
		targets = append(targets, r.Target)
	}
	if doc.SchemaVersion != 2 || doc.ReportID != nil || doc.CreatedAt != "2026-01-01T00:00:00Z" || doc.ArtifactName != "hello" ||
		!slices.Equal(targets, []string{"app/hello", "app/jwt", "go.mod"}) {
		t.Errorf("merged report: schema %d, report id %v, created %q, artifact %q, targets %v",
			doc.SchemaVersion, doc.ReportID, doc.CreatedAt, doc.ArtifactName, targets)
	}
	// Trivy's key order is kept: people read these files.
	if !strings.HasPrefix(string(out), "{\n  \"SchemaVersion\": 2,\n  \"Trivy\": {") {
		t.Errorf("merged report starts %q", out[:40])
	}

	// No wall-clock time or random id survives: merging twice gives the
	// same bytes, and without an epoch there is no created time at all.
	again, _ := Merge("hello", &epoch, r, l)
	if string(again) != string(out) {
		t.Error("merging the same reports twice gave different bytes")
	}
	noEpoch, _ := Merge("hello", nil, r, l)
	if strings.Contains(string(noEpoch), "CreatedAt") {
		t.Error("a report merged without SOURCE_DATE_EPOCH has a CreatedAt")
	}
}

func TestMergeRenamesTargetsNamedAfterTheScannedPath(t *testing.T) {
	os := `{"SchemaVersion":2,"ArtifactName":"/scan/rootfs","ArtifactType":"filesystem","Results":[{"Target":"/scan/rootfs (debian 13.8)","Class":"os-pkgs"},{"Target":"app/hello"}]}`
	empty := `{"SchemaVersion":2,"ArtifactName":"/scan/src","ArtifactType":"filesystem"}`
	out, err := Merge("hello", nil, []byte(os), []byte(empty))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"Target": "hello (debian 13.8)"`) || strings.Contains(string(out), "/scan/") {
		t.Errorf("targets not renamed:\n%s", out)
	}
}

func TestMergeRefusesWhatIsNotTrivyJSON(t *testing.T) {
	for _, bad := range []string{"", "[]", "{", `{"Results": 3}`} {
		if _, err := Merge("x", nil, []byte(bad)); err == nil {
			t.Errorf("Merge(%q) succeeded", bad)
		}
	}
	if _, err := Merge("x", nil); err == nil {
		t.Error("Merge of nothing succeeded")
	}
}

func TestEvaluateDefaultPolicy(t *testing.T) {
	v, err := Evaluate(merged(t), PolicyOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !v.Failed() || len(v.Violations) != 2 {
		t.Fatalf("violations = %+v", v.Violations)
	}
	// One finding per vulnerable version, with every place it was found.
	ws := v.Violations[1]
	if ws.VulnerabilityID != "CVE-2020-27813" || ws.PkgName != "github.com/gorilla/websocket" ||
		!slices.Equal(ws.Targets, []string{"app/hello", "go.mod"}) || ws.FixedVersion != "1.4.1" {
		t.Errorf("websocket finding = %+v", ws)
	}
	if v.Counts["HIGH"] != 2 || len(v.Counts) != 1 {
		t.Errorf("counts = %v", v.Counts)
	}
	msg := v.Summary(10)
	for _, want := range []string{
		"scan found 2 vulnerabilities the policy does not allow (severity CRITICAL, HIGH): HIGH 2",
		"HIGH CVE-2020-27813 (GHSA-3xh2-74w9-5vxm): github.com/gorilla/websocket v1.4.0, fixed in 1.4.1, in app/hello, go.mod",
		"HIGH CVE-2020-26160 (GHSA-w73w-5m7g-f7qc): github.com/dgrijalva/jwt-go v3.2.0+incompatible, no fixed version, in app/jwt",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("summary lacks %q:\n%s", want, msg)
		}
	}
	if short := v.Summary(1); !strings.Contains(short, "... and 1 more (see report.txt)") || strings.Contains(short, "CVE-2020-27813") {
		t.Errorf("summary of 1:\n%s", short)
	}
}

func TestEvaluateHonoursThePolicy(t *testing.T) {
	report := merged(t)
	cases := []struct {
		name   string
		policy *spec.Scan
		want   []string
	}{
		{"ignore_unfixed keeps only findings with a fix", &spec.Scan{IgnoreUnfixed: true}, []string{"CVE-2020-27813"}},
		{"severities below the list pass", &spec.Scan{Severity: []string{"CRITICAL"}}, nil},
		{"a lower list still fails", &spec.Scan{Severity: []string{"MEDIUM", "HIGH"}}, []string{"CVE-2020-26160", "CVE-2020-27813"}},
	}
	for _, c := range cases {
		v, err := Evaluate(report, PolicyOf(c.policy))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range v.Violations {
			got = append(got, f.VulnerabilityID)
		}
		if !slices.Equal(got, c.want) || v.Failed() != (len(c.want) > 0) {
			t.Errorf("%s: violations %v, want %v", c.name, got, c.want)
		}
		if v.Counts["HIGH"] != 2 {
			t.Errorf("%s: counts %v: the policy must not hide findings from the counts", c.name, v.Counts)
		}
	}
}

func TestEvaluateEmptyReport(t *testing.T) {
	v, err := Evaluate([]byte(`{"SchemaVersion":2,"Results":[]}`), PolicyOf(nil))
	if err != nil || v.Failed() {
		t.Fatalf("empty report: %+v, %v", v, err)
	}
	if _, err := Evaluate([]byte("not json"), PolicyOf(nil)); err == nil {
		t.Error("Evaluate accepted a report that is not JSON")
	}
}

func TestArgs(t *testing.T) {
	db := DB{Repository: "127.0.0.1:5000/aquasec/trivy-db:2"}
	rootfs := strings.Join(RootfsArgs(db), " ")
	for _, want := range []string{"trivy rootfs ", "--scanners vuln", "--cache-dir /scan/cache", "--db-repository 127.0.0.1:5000/aquasec/trivy-db:2", "--output /scan/out/rootfs.json /scan/rootfs"} {
		if !strings.Contains(rootfs, want) {
			t.Errorf("rootfs args lack %q: %s", want, rootfs)
		}
	}
	if strings.Contains(rootfs, "--skip-db-update") || strings.Contains(rootfs, "java-db-repository") {
		t.Errorf("rootfs args: %s", rootfs)
	}
	lock := strings.Join(LockfileArgs(DB{}), " ")
	if !strings.HasPrefix(lock, "trivy fs ") || !strings.Contains(lock, "--skip-db-update") || strings.Contains(lock, "--db-repository") || !strings.HasSuffix(lock, "/scan/out/lockfiles.json /scan/src") {
		t.Errorf("lock file args: %s", lock)
	}
	conv := strings.Join(ConvertArgs("sarif", SARIFReport), " ")
	if conv != "trivy convert --format sarif --scanners vuln --output /scan/out/report.sarif /scan/out/report.json" {
		t.Errorf("convert args: %s", conv)
	}
}
