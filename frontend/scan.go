package frontend

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/containerd/platforms"
	"github.com/distribution/reference"
	"github.com/moby/buildkit/frontend/dockerui"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/org/appbuild/scan"
)

// The scan target's build-args (see buildArgs in outline.go).
const (
	argScannerImage     = "APPBUILD_SCANNER_IMAGE"
	argTrivyDB          = "APPBUILD_TRIVY_DB_REPOSITORY"
	argTrivyJavaDB      = "APPBUILD_TRIVY_JAVA_DB_REPOSITORY"
	argScanReportOnly   = "APPBUILD_SCAN_REPORT_ONLY"
	scanFindingsShown   = 10
	scanCacheNamePrefix = "appbuild-trivy-"
)

// scanned is one platform's scan: its merged report and the verdict.
type scanned struct {
	platform ocispecs.Platform
	report   []byte
	verdict  *scan.Verdict
}

// buildScan runs Trivy inside the build on each target platform's runtime
// filesystem and on the lock files the app was built from, and returns
// report.json, report.sarif and report.txt for `--target scan -o DIR`. The
// build fails when a finding breaks the spec's scan policy, naming them; with
// APPBUILD_SCAN_REPORT_ONLY=true it warns and exports the reports instead.
func (b *builder) buildScan(ctx context.Context) (*gwclient.Result, error) {
	if err := b.load(ctx, true); err != nil {
		return nil, err
	}
	db, reportOnly, err := b.scanOptions()
	if err != nil {
		return nil, err
	}
	sc, err := b.resolveScanner(ctx)
	if err != nil {
		return nil, err
	}
	policy := scan.PolicyOf(b.spec.Scan)
	// Each platform is scanned, judged and its reports rendered through
	// dockerui's Build, which names and collects the per-platform results
	// as for an image; the verdicts are read once every scan is done.
	results := make([]*scanned, max(1, len(b.bc.TargetPlatforms)))
	rb, err := b.bc.Build(ctx, func(ctx context.Context, p *ocispecs.Platform, idx int) (*dockerui.BuildResult, error) {
		target := b.bc.BuildPlatforms[0]
		if p != nil {
			target = *p
		}
		r, err := b.scanPlatform(ctx, sc, db, target, policy)
		if err != nil {
			return nil, err
		}
		results[idx] = r
		ref, err := b.scanReports(ctx, sc, *r)
		if err != nil {
			return nil, err
		}
		// The reports are no image; the config only tells dockerui the
		// platform.
		return &dockerui.BuildResult{Reference: ref, Image: &dockerspec.DockerOCIImage{Image: ocispecs.Image{Platform: target}}}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := b.judgeScans(ctx, results, reportOnly); err != nil {
		return nil, err
	}
	return rb.Finalize()
}

// judgeScans fails the build when a platform's findings break the scan
// policy, naming them, or with APPBUILD_SCAN_REPORT_ONLY set warns instead.
func (b *builder) judgeScans(ctx context.Context, results []*scanned, reportOnly bool) error {
	var failures []string
	for _, r := range results {
		if !r.verdict.Failed() {
			continue
		}
		msg := r.verdict.Summary(scanFindingsShown)
		if len(results) > 1 {
			msg = platforms.Format(r.platform) + ": " + msg
		}
		failures = append(failures, msg)
	}
	if len(failures) > 0 && !reportOnly {
		msg := strings.Join(failures, "\n")
		if _, written := b.spec.Where("scan"); written {
			// Point at the policy that failed the build.
			return b.spec.Errorf("scan", "%s", msg)
		}
		return fmt.Errorf("%s", msg)
	}
	for _, f := range failures {
		b.src.Warn(ctx, f+" ("+argScanReportOnly+" is set: reporting only)", gwclient.WarnOpts{Range: b.ranges("scan")})
	}
	return nil
}

// scanOptions reads the scan build-args. The repositories are passed to
// Trivy as arguments, so they must be image references (never options).
func (b *builder) scanOptions() (scan.DB, bool, error) {
	var db scan.DB
	for _, a := range []struct {
		name string
		dst  *string
	}{{argTrivyDB, &db.Repository}, {argTrivyJavaDB, &db.JavaRepository}} {
		v := b.bc.BuildArgs[a.name]
		if v == "" {
			continue
		}
		if _, err := reference.ParseNormalizedNamed(v); err != nil {
			return db, false, fmt.Errorf("build-arg %s=%q: not a repository reference: %v", a.name, v, err)
		}
		*a.dst = v
	}
	reportOnly := false
	switch v := strings.ToLower(b.bc.BuildArgs[argScanReportOnly]); v {
	case "", "0", "false":
	case "1", "true":
		reportOnly = true
	default:
		return db, false, fmt.Errorf("build-arg %s=%q: want true or false", argScanReportOnly, v)
	}
	return db, reportOnly, nil
}

// resolveScanner names the scanner image and pins it for the build
// platform, where Trivy runs: the scan plans name it again and find it
// pinned, and a missing scanner is reported with the option to change it.
func (b *builder) resolveScanner(ctx context.Context) (string, error) {
	ref := scan.DefaultScannerImage
	if v := b.bc.BuildArgs[argScannerImage]; v != "" {
		if _, err := reference.ParseNormalizedNamed(v); err != nil {
			return "", fmt.Errorf("build-arg %s=%q: not an image reference: %v", argScannerImage, v, err)
		}
		ref = v
	}
	if _, err := b.pins.Resolve(ctx, ref, b.bc.BuildPlatforms[0]); err != nil {
		return "", fmt.Errorf("resolve the scanner image %s (set %s to use another): %w", ref, argScannerImage, err)
	}
	return ref, nil
}

// scanPlatform runs the scan plan for one platform (scanPlan: Trivy on the
// runtime filesystem and on the app's lock files) and applies the policy
// to the merged report.
func (b *builder) scanPlatform(ctx context.Context, scanner string, db scan.DB, target ocispecs.Platform, policy scan.Policy) (*scanned, error) {
	pl, err := b.planFor(ctx, target, true)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(db.Repository + "\x00" + db.JavaRepository))
	sp, names := scanPlan(pl, scanRun{
		scanner:  scanner,
		db:       db,
		cacheID:  scanCacheNamePrefix + hex.EncodeToString(sum[:8]),
		platform: platforms.Format(target),
	})
	out, err := b.generate(ctx, sp, target)
	if err != nil {
		return nil, err
	}
	ref, err := b.solve(ctx, out.State, b.bc.BuildPlatforms[0])
	if err != nil {
		return nil, err
	}
	var docs [][]byte
	for _, name := range names {
		data, err := ref.ReadFile(ctx, gwclient.ReadRequest{Filename: "/" + name})
		if err != nil {
			return nil, fmt.Errorf("read %s from the scan: %w", name, err)
		}
		docs = append(docs, data)
	}
	merged, err := scan.Merge(b.spec.Name, b.epoch, docs...)
	if err != nil {
		return nil, err
	}
	verdict, err := scan.Evaluate(merged, policy)
	if err != nil {
		return nil, err
	}
	return &scanned{platform: target, report: merged, verdict: verdict}, nil
}

// scanReports writes the merged JSON report and renders it as SARIF and as
// a table (reportPlan).
func (b *builder) scanReports(ctx context.Context, scanner string, r scanned) (gwclient.Reference, error) {
	native := b.bc.BuildPlatforms[0]
	out, err := b.generate(ctx, reportPlan(scanner, r.report, platforms.Format(r.platform)), native)
	if err != nil {
		return nil, err
	}
	return b.solve(ctx, out.State, native)
}
