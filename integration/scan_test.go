package integration

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The scan tests build examples/go-hello with one real module version pinned
// (overlays in testdata/scan: go.mod, go.sum and a file that links the
// module) and run `--target scan` through the rig, against the rig's
// vulnerability DB (integration/rig/trivy: real GitHub advisories written by
// trivy-db's own builder, pushed as 127.0.0.1:5000/aquasec/trivy-db:2) and
// the aquasec/trivy:0.74.0 stand-in, the scan target's default scanner.

// scanApp copies go-hello, lays an overlay of testdata/scan over it and
// appends extra spec lines to its app.yaml.
func scanApp(t *testing.T, overlay, specExtra string) string {
	t.Helper()
	dir := copyDir(t, filepath.Join(repoRoot(t), "examples", "go-hello"))
	src := filepath.Join(repoRoot(t), "integration", "testdata", "scan", overlay)
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	if specExtra != "" {
		f, err := os.OpenFile(filepath.Join(dir, "app.yaml"), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteString(specExtra); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// rigTrivyDB is the rig's DB pinned by digest, so a DB rebuilt by the rig is
// never confused with an older one still in the builder's DB cache (the
// scan target keys that cache by repository).
func rigTrivyDB(t *testing.T) string {
	t.Helper()
	reg := os.Getenv("APPBUILD_REGISTRY")
	req, _ := http.NewRequest(http.MethodHead, "http://"+reg+"/v2/aquasec/trivy-db/manifests/2", nil)
	req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	dgst := resp.Header.Get("Docker-Content-Digest")
	if resp.StatusCode != http.StatusOK || dgst == "" {
		t.Fatalf("the rig has no trivy DB (HEAD manifest: %s): run make rig", resp.Status)
	}
	return reg + "/aquasec/trivy-db@" + dgst
}

// scanBuild runs `--target scan -o OUT` and returns the result and OUT.
func scanBuild(t *testing.T, dir string, extra ...string) (buildxResult, string) {
	t.Helper()
	out := t.TempDir()
	args := []string{"-f", filepath.Join(dir, "app.yaml"), "--target", "scan",
		"--build-arg", "APPBUILD_TRIVY_DB_REPOSITORY=" + rigTrivyDB(t), "-o", out}
	args = append(args, extra...)
	return buildx(t, nil, append(args, dir)...), out
}

// trivyReport is the part of Trivy's JSON report the tests read.
type trivyReport struct {
	ArtifactName string
	Results      []struct {
		Target          string
		Type            string
		Packages        []struct{ Name, Version string }
		Vulnerabilities []struct {
			VulnerabilityID  string
			VendorIDs        []string
			PkgName          string
			InstalledVersion string
			FixedVersion     string
			Severity         string
		}
	}
}

// readReports checks that the three exported reports exist and parse:
// report.json as Trivy JSON, report.sarif as SARIF with runs, report.txt as
// the table. It returns the JSON report, the SARIF rule ids and the table.
func readReports(t *testing.T, dir string) (trivyReport, []string, string) {
	t.Helper()
	var rep trivyReport
	data, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("report.json: %v", err)
	}
	var sarif struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct{ Name string } `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID string `json:"ruleId"`
			} `json:"results"`
		} `json:"runs"`
	}
	data, err = os.ReadFile(filepath.Join(dir, "report.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &sarif); err != nil {
		t.Fatalf("report.sarif: %v", err)
	}
	if sarif.Version != "2.1.0" || len(sarif.Runs) != 1 || sarif.Runs[0].Tool.Driver.Name != "Trivy" {
		t.Fatalf("report.sarif: version %q, %d runs", sarif.Version, len(sarif.Runs))
	}
	var rules []string
	for _, r := range sarif.Runs[0].Results {
		rules = append(rules, r.RuleID)
	}
	table, err := os.ReadFile(filepath.Join(dir, "report.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(table), "Report Summary") {
		t.Fatalf("report.txt is not Trivy's table:\n%s", table)
	}
	return rep, rules, string(table)
}

// vulns lists "TARGET ID PKG VERSION" for every finding of a report.
func (r trivyReport) vulns() []string {
	var out []string
	for _, res := range r.Results {
		for _, v := range res.Vulnerabilities {
			out = append(out, res.Target+" "+v.VulnerabilityID+" "+v.PkgName+" "+v.InstalledVersion)
		}
	}
	slices.Sort(out)
	return out
}

// pkgVersion finds the version of a package Trivy saw in a target.
func (r trivyReport) pkgVersion(target, pkg string) string {
	for _, res := range r.Results {
		if res.Target != target {
			continue
		}
		for _, p := range res.Packages {
			if p.Name == pkg {
				return p.Version
			}
		}
	}
	return ""
}

// TestScanFailsOnVulnerableDependency: gorilla/websocket v1.4.0 has a HIGH
// advisory (GHSA-3xh2-74w9-5vxm, CVE-2020-27813, fixed in 1.4.1): the scan
// fails the build, naming it and where it was found (the binary's build info
// in the runtime filesystem and the go.mod it was built from). With
// APPBUILD_SCAN_REPORT_ONLY the same scan exports the reports, which hold it.
func TestScanFailsOnVulnerableDependency(t *testing.T) {
	needTier(t, "scan")
	app := scanApp(t, "websocket-1.4.0", "")

	res, out := scanBuild(t, app)
	if res.Err == nil {
		t.Fatalf("--target scan passed with github.com/gorilla/websocket v1.4.0\n%s", tail(res.Stderr, 3000))
	}
	for _, want := range []string{
		"scan found 1 vulnerability the policy does not allow (severity CRITICAL, HIGH): HIGH 1",
		"HIGH CVE-2020-27813 (GHSA-3xh2-74w9-5vxm): github.com/gorilla/websocket v1.4.0, fixed in 1.4.1, in app/hello, go.mod",
	} {
		if !strings.Contains(res.Stderr, want) {
			t.Errorf("the failure does not say %q:\n%s", want, tail(res.Stderr, 3000))
		}
	}
	// Trivy ran inside the build, on the runtime filesystem and on the lock
	// files, and nothing was exported.
	res.vertexNamed(t, "[scan 1/2] trivy rootfs: the runtime filesystem (linux/amd64)")
	res.vertexNamed(t, "[scan 2/2] trivy fs: go.mod go.sum (linux/amd64)")
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("a failed scan exported %d files", len(entries))
	}

	res, out = scanBuild(t, app, "--build-arg", "APPBUILD_SCAN_REPORT_ONLY=true")
	if res.Err != nil {
		t.Fatalf("report-only scan failed: %v\n%s", res.Err, tail(res.Stderr, 3000))
	}
	rep, rules, table := readReports(t, out)
	want := []string{
		"app/hello CVE-2020-27813 github.com/gorilla/websocket v1.4.0",
		"go.mod CVE-2020-27813 github.com/gorilla/websocket v1.4.0",
	}
	if got := rep.vulns(); !slices.Equal(got, want) {
		t.Errorf("report.json findings = %v, want %v", got, want)
	}
	if rep.ArtifactName != "hello" {
		t.Errorf("report.json artifact = %q", rep.ArtifactName)
	}
	if !slices.Contains(rules, "CVE-2020-27813") {
		t.Errorf("report.sarif rules = %v", rules)
	}
	if !strings.Contains(table, "CVE-2020-27813") || !strings.Contains(table, "1.4.1") {
		t.Errorf("report.txt lacks the finding:\n%s", table)
	}
}

// TestScanPassesOnceUpgraded: the same app on gorilla/websocket v1.4.1
// passes, for both platforms, and the reports show the scanner did see the
// fixed version (a pass that scanned nothing would not).
func TestScanPassesOnceUpgraded(t *testing.T) {
	needTier(t, "scan")
	app := scanApp(t, "websocket-1.4.1", "")
	res, out := scanBuild(t, app, "--platform", "linux/amd64,linux/arm64")
	if res.Err != nil {
		t.Fatalf("--target scan failed with the fixed version: %v\n%s", res.Err, tail(res.Stderr, 3000))
	}
	for _, p := range []string{"linux_amd64", "linux_arm64"} {
		rep, rules, _ := readReports(t, filepath.Join(out, p))
		if got := rep.vulns(); len(got) != 0 || len(rules) != 0 {
			t.Errorf("%s: findings %v, SARIF results %v", p, got, rules)
		}
		if v := rep.pkgVersion("app/hello", "github.com/gorilla/websocket"); v != "v1.4.1" {
			t.Errorf("%s: the scan saw github.com/gorilla/websocket %q in app/hello, want v1.4.1", p, v)
		}
		if v := rep.pkgVersion("go.mod", "github.com/gorilla/websocket"); v != "v1.4.1" {
			t.Errorf("%s: the scan saw github.com/gorilla/websocket %q in go.mod, want v1.4.1", p, v)
		}
	}
	res.vertexNamed(t, "[scan 1/2] trivy rootfs: the runtime filesystem (linux/arm64)")
}

// TestScanPolicy: the spec's scan.severity and scan.ignore_unfixed decide
// what fails. jwt-go v3.2.0 has a HIGH advisory with no fixed version
// (GHSA-w73w-5m7g-f7qc, CVE-2020-26160).
func TestScanPolicy(t *testing.T) {
	needTier(t, "scan")
	res, _ := scanBuild(t, scanApp(t, "websocket-1.4.0", "scan:\n  severity: [CRITICAL]\n"))
	if res.Err != nil {
		t.Errorf("severity [CRITICAL] failed on a HIGH finding: %v\n%s", res.Err, tail(res.Stderr, 2000))
	}

	res, _ = scanBuild(t, scanApp(t, "jwt-go-3.2.0", "scan:\n  severity: [MEDIUM, HIGH]\n"))
	if res.Err == nil {
		t.Fatal("jwt-go v3.2.0 passed the scan")
	}
	for _, want := range []string{
		"HIGH CVE-2020-26160 (GHSA-w73w-5m7g-f7qc): github.com/dgrijalva/jwt-go v3.2.0+incompatible, no fixed version",
		"(severity HIGH, MEDIUM)",
		// The error points at the policy in the spec.
		"scan:",
	} {
		if !strings.Contains(res.Stderr, want) {
			t.Errorf("the failure does not say %q:\n%s", want, tail(res.Stderr, 3000))
		}
	}

	res, out := scanBuild(t, scanApp(t, "jwt-go-3.2.0", "scan:\n  ignore_unfixed: true\n"))
	if res.Err != nil {
		t.Fatalf("ignore_unfixed failed on an unfixed finding: %v\n%s", res.Err, tail(res.Stderr, 2000))
	}
	// The report still lists what the policy let through.
	rep, _, _ := readReports(t, out)
	if got := rep.vulns(); !slices.Contains(got, "app/hello CVE-2020-26160 github.com/dgrijalva/jwt-go v3.2.0+incompatible") {
		t.Errorf("report.json findings = %v", got)
	}
}
