package frontend

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/org/appbuild/plan"
	"github.com/org/appbuild/scan"
)

// Stage names of the scan plans; the scan's are what progress shows
// ("[scan 1/2] trivy rootfs: …").
const (
	stageScan        = "scan"
	stageScanSources = "scan-sources"
	stageScanJSON    = "scan-json"
	stageScanReports = "scan-reports"
)

// scanRun describes one platform's scan for scanPlan.
type scanRun struct {
	// scanner is the scanner image's reference.
	scanner string
	db      scan.DB
	// cacheID is Trivy's DB cache mount id.
	cacheID string
	// platform is the scanned platform, as progress shows it.
	platform string
}

// scanPlan adds the scan to an app's plan for one platform: a stage that
// holds the lock files the app was built from (when it copies any) and a
// stage on the scanner image, on the build platform (Trivy reads a foreign
// platform's files without running them), that runs Trivy on the runtime
// filesystem and on those files. Its reports are the plan's output; the
// runtime stage stays Final, so it renders as for the image. It returns the
// plan and the names of the reports it writes.
func scanPlan(app *plan.Plan, r scanRun) (*plan.Plan, []string) {
	p := *app
	p.Stages = slices.Clone(app.Stages)
	p.Output = stageScan
	// One DB cache per repository pair, locked: two scans never write the
	// same DB at once, and a DB from one repository is never taken for
	// another's.
	cache := plan.Mount{Kind: "cache", Target: scan.CacheDir, ID: r.cacheID, Locked: true}
	out := plan.Mount{Kind: "output", Target: scan.OutDir}
	// The scanner runs as root whatever the image says (a plan's stages
	// do): it must read every file of the runtime filesystem.
	st := plan.Stage{Name: stageScan, From: plan.Base{Image: r.scanner}, OnBuildPlatform: true, Workdir: "/"}
	st.Steps = append(st.Steps, plan.Step{
		Name:   fmt.Sprintf("trivy rootfs: the runtime filesystem (%s)", r.platform),
		Origin: []string{"scan"},
		Run: &plan.Run{Args: scan.RootfsArgs(r.db), NoCache: true, Mounts: []plan.Mount{
			{Kind: "stage", Stage: app.Final, Target: scan.RootfsDir}, cache, out}},
	})
	reports := []string{scan.RootfsReport}
	locks := lockFiles(app)
	if len(locks) > 0 {
		p.Stages = append(p.Stages, plan.Stage{Name: stageScanSources, OnBuildPlatform: true, Steps: copyLocks(locks)})
		st.Steps = append(st.Steps, plan.Step{
			Name:   fmt.Sprintf("trivy fs: %s (%s)", strings.Join(locks, " "), r.platform),
			Origin: []string{"scan"},
			Run: &plan.Run{Args: scan.LockfileArgs(r.db), NoCache: true, Mounts: []plan.Mount{
				{Kind: "stage", Stage: stageScanSources, Target: scan.SourceDir}, cache, out}},
		})
		reports = append(reports, scan.LockfileReport)
	}
	p.Stages = append(p.Stages, st)
	return &p, reports
}

// copyLocks copies the lock files from the context to the same paths, one
// step a directory.
func copyLocks(locks []string) []plan.Step {
	var steps []plan.Step
	byDir := map[string]int{}
	for _, f := range locks {
		dir := path.Dir(f)
		i, ok := byDir[dir]
		if !ok {
			i = len(steps)
			byDir[dir] = i
			dest := path.Join("/", dir)
			if dest != "/" {
				dest += "/"
			}
			steps = append(steps, plan.Step{Copy: &plan.Copy{Dest: dest}})
		}
		steps[i].Copy.Paths = append(steps[i].Copy.Paths, f)
	}
	for i := range steps {
		steps[i].Name = "copy " + strings.Join(steps[i].Copy.Paths, " ")
	}
	return steps
}

// reportPlan writes a platform's merged JSON report and renders it as
// SARIF and as a table with the scanner's own converter; the three files
// are its result.
func reportPlan(scanner string, report []byte, platform string) *plan.Plan {
	conv := plan.Stage{Name: stageScanReports, From: plan.Base{Image: scanner}, OnBuildPlatform: true, Workdir: "/"}
	for _, c := range []struct{ format, file string }{{"sarif", scan.SARIFReport}, {"table", scan.TableReport}} {
		conv.Steps = append(conv.Steps, plan.Step{
			Name: fmt.Sprintf("trivy convert --format %s (%s)", c.format, platform),
			Run: &plan.Run{Args: scan.ConvertArgs(c.format, c.file), Mounts: []plan.Mount{
				{Kind: "output", Target: scan.OutDir, Stage: stageScanJSON}}},
		})
	}
	return &plan.Plan{
		Stages: []plan.Stage{{Name: stageScanJSON, OnBuildPlatform: true, Steps: []plan.Step{{
			Name:  "write " + scan.JSONReport,
			Write: &plan.Write{Path: "/" + scan.JSONReport, Data: report, Mode: 0o644},
		}}}, conv},
		Final: stageScanReports,
	}
}

// lockFiles are the dependency manifests and lock files the plan copies
// from the build context before the source (go.mod and go.sum, a
// package.json and its lock...): what the app's dependencies were resolved
// from, in the context's app directory.
func lockFiles(pl *plan.Plan) []string {
	var out []string
	for _, st := range pl.Stages {
		for _, step := range st.Steps {
			c := step.Copy
			if c == nil || c.FromStage != "" {
				continue
			}
			for _, p := range c.Paths {
				if p == "." || strings.ContainsAny(p, "*?[") {
					continue
				}
				p = path.Clean(p)
				if !slices.Contains(out, p) {
					out = append(out, p)
				}
			}
		}
	}
	return out
}
